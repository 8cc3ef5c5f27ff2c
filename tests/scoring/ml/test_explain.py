import numpy as np
import pandas as pd
import pytest

from scoring.ml.explain import describe_value, improvements, reasons
from scoring.ml.features import FEATURE_NAMES
from scoring.ml.scale import ScoreScale

SCALE = ScoreScale()


def firm(**values) -> pd.DataFrame:
    row = dict.fromkeys(FEATURE_NAMES, np.nan)
    row.update(values)
    return pd.DataFrame([row])


def test_reasons_tell_what_raised_and_what_lowered_the_risk_largest_first():
    features = firm(tax_rating=5.0, overdue_days_max_12m=35.0, bank_utilisation=0.92, firm_age_years=8.2).iloc[0]
    contributions = pd.Series(0.0, index=[*FEATURE_NAMES, "bias"])
    contributions[["tax_rating", "overdue_days_max_12m", "bank_utilisation", "firm_age_years", "bias"]] = [
        -0.6,
        0.9,
        0.3,
        -0.1,
        -3.0,
    ]

    raised, lowered = reasons(features, contributions, scale=SCALE)

    assert [reason.feature for reason in raised] == ["overdue_days_max_12m", "bank_utilisation"]
    assert [reason.feature for reason in lowered] == ["tax_rating", "firm_age_years"]
    assert lowered[0].text_zh == "最近纳税信用等级为A级，降低了风险"
    assert lowered[0].text_en == "Latest tax credit rating: A, lowered the risk"
    assert raised[0].text_zh == "近12个月最长逾期天数为35，提高了风险"
    assert raised[1].text_en == "Share of credit limits in use: 92%, raised the risk"
    assert raised[0].points < 0 < lowered[0].points


def test_reasons_worth_less_than_a_point_are_left_out():
    features = firm(overdue_days_max_12m=35.0, firm_age_years=8.2, tax_rating=5.0).iloc[0]
    contributions = pd.Series(0.0, index=[*FEATURE_NAMES, "bias"])
    # 0.01 of log-odds is about 0.3 points: "raised the risk, 0 points" tells nobody anything.
    contributions[["overdue_days_max_12m", "firm_age_years", "tax_rating"]] = [0.9, 0.01, -0.01]

    raised, lowered = reasons(features, contributions, scale=SCALE)

    assert [reason.feature for reason in raised] == ["overdue_days_max_12m"]
    assert lowered == []


def test_reasons_name_categories_in_words():
    features = firm(kind="sole_proprietor").iloc[0]
    contributions = pd.Series(0.0, index=FEATURE_NAMES)
    contributions["kind"] = 0.5

    raised, _ = reasons(features, contributions, scale=SCALE)

    assert raised[0].value == "sole proprietor"
    assert raised[0].text_zh == "主体类型为个体工商户，提高了风险"
    assert raised[0].text_en == "Kind of firm: sole proprietor, raised the risk"


def test_reasons_name_a_province_or_industry_by_the_names_the_caller_gives_and_a_code_without_them():
    features = firm(province="44", industry_section="C").iloc[0]
    contributions = pd.Series(0.0, index=FEATURE_NAMES)
    contributions[["province", "industry_section"]] = [0.5, -0.4]
    names = {"province": {"44": ("广东省", "广东省 (44)")}, "industry_section": {"C": ("制造业", "Manufacturing")}}

    raised, lowered = reasons(features, contributions, scale=SCALE, value_names=names)
    (bare_raised,), _ = reasons(features, contributions, scale=SCALE)

    assert raised[0].text_zh == "注册省份为广东省，提高了风险"
    assert raised[0].text_en == "Province of registration: 广东省 (44), raised the risk"
    assert lowered[0].text_en.startswith("Industry section") and "Manufacturing, lowered" in lowered[0].text_en
    assert raised[0].value == "44"  # the value stays the code the model read
    assert bare_raised.text_zh == "注册省份为44，提高了风险"


@pytest.mark.parametrize(
    ("kind", "zh", "en"),
    [
        ("company", "公司", "company"),
        ("sole_proprietor", "个体工商户", "sole proprietor"),
        ("other", "其他组织", "other organisation"),
    ],
)
def test_a_kind_of_firm_reads_in_words(kind, zh, en):
    assert describe_value("kind", kind, language="zh") == zh
    assert describe_value("kind", kind, language="en") == en


def test_values_read_as_people_say_them():
    assert describe_value("tax_paid_latest_year", 123_000.0, language="zh") == "12.3万元"
    assert describe_value("tax_paid_latest_year", 123_000.0, language="en") == "¥123,000"
    assert describe_value("customs_class", 3.0, language="zh") == "高级认证企业"
    assert describe_value("dishonest_debtor", 1.0, language="en") == "yes"
    assert describe_value("export_value_latest_year", np.nan, language="zh") == "无记录"


def risk_of(frame: pd.DataFrame) -> np.ndarray:
    """A plain scoring rule, rising with overdue days and arrears, standing in for any fitted model."""
    overdue = frame["overdue_days_max_12m"].fillna(0).to_numpy(dtype=float)
    arrears = frame["tax_arrears"].fillna(0).to_numpy(dtype=float)
    log_odds = -4 + 0.03 * overdue + 0.00001 * arrears
    return 1 / (1 + np.exp(-log_odds))


def test_improvements_are_the_changes_that_gain_most_points_first():
    offers = improvements(
        firm(overdue_days_max_12m=65.0, tax_arrears=20_000.0, bank_utilisation=0.3), risk_of, scale=SCALE
    )

    assert [offer["feature"] for offer in offers] == ["overdue_days_max_12m", "tax_arrears"]
    assert offers[0]["advice_zh"] == "按时还款，12个月内不再逾期"
    assert offers[0]["points_gained"] > offers[1]["points_gained"] > 0


def test_a_firm_with_nothing_to_fix_is_offered_no_improvements():
    assert improvements(firm(overdue_days_max_12m=0.0, tax_arrears=0.0), risk_of, scale=SCALE) == []


def risk_rising_with(**weights: float):
    """A plain model: the log-odds of default are linear in the given features (missing counts as 0)."""

    def predict_pd(frame: pd.DataFrame) -> np.ndarray:
        log_odds = -4 + sum(weight * frame[name].fillna(0).to_numpy(dtype=float) for name, weight in weights.items())
        return 1 / (1 + np.exp(-log_odds))

    return predict_pd


@pytest.mark.parametrize(
    ("offered", "now", "after", "weights"),
    [
        (
            "penalties_serious_36m",
            {"penalties_serious_36m": 2.0, "penalties_serious_12m": 1.0},
            {"penalties_serious_36m": 0.0, "penalties_serious_12m": 0.0},
            {"penalties_serious_12m": 1.0},
        ),
        (
            "penalties_ordinary_12m",
            {"penalties_ordinary_12m": 2.0, "penalties_ordinary_36m": 3.0},
            {"penalties_ordinary_12m": 0.0, "penalties_ordinary_36m": 1.0},
            {"penalties_ordinary_36m": 0.5},
        ),
        (
            "penalties_ordinary_12m",
            {"penalties_ordinary_12m": 2.0, "penalties_ordinary_36m": 1.0},
            {"penalties_ordinary_12m": 0.0, "penalties_ordinary_36m": 0.0},
            {"penalties_ordinary_36m": 0.5},
        ),
        (
            "tax_rating",
            {"tax_rating": 2.0, "tax_rating_trend": -1.0},
            {"tax_rating": 4.0, "tax_rating_trend": 1.0},
            {"tax_rating_trend": -0.5},
        ),
        (
            "bank_utilisation",
            {"bank_utilisation": 0.8, "bank_outstanding": 1_000_000.0},
            {"bank_utilisation": 0.5, "bank_outstanding": 625_000.0},
            {"bank_outstanding": 0.000_002},
        ),
    ],
    ids=[
        "serious 36m clears serious 12m",
        "ordinary 12m lowers ordinary 36m",
        "ordinary 36m never below zero",
        "tax rating moves its trend",
        "utilisation scales the outstanding",
    ],
)
def test_an_improvement_changes_the_features_linked_to_it_too(offered, now, after, weights):
    model = risk_rising_with(**weights)

    offers = improvements(firm(**now), model, scale=SCALE)

    assert [offer["feature"] for offer in offers] == [offered]
    assert offers[0]["probability_of_default_after"] == model(firm(**after))[0]


@pytest.mark.parametrize(
    ("rating", "offered"), [(1.0, True), (2.0, True), (3.0, False), (4.0, False)], ids=list("DCMB")
)
def test_only_a_firm_rated_c_or_d_is_told_to_raise_its_tax_rating(rating, offered):
    # M is a new firm's rating: only time changes it.
    offers = improvements(firm(tax_rating=rating), risk_rising_with(tax_rating=-0.5), scale=SCALE)

    assert [offer["feature"] for offer in offers] == (["tax_rating"] if offered else [])


@pytest.mark.parametrize(
    ("now", "advice_zh", "advice_en"),
    [
        (
            {"penalties_serious_36m": 1.0, "penalties_serious_12m": 1.0},
            "公示期满后，对已整改的严重行政处罚申请信用修复",
            "Once the publicity period has passed, apply for credit repair of corrected serious penalties",
        ),
        (
            {"penalties_ordinary_12m": 1.0, "penalties_ordinary_36m": 1.0},
            "公示期满后，对已整改的一般行政处罚申请信用修复",
            "Once the publicity period has passed, apply for credit repair of corrected ordinary penalties",
        ),
    ],
    ids=["serious", "ordinary"],
)
def test_penalty_repair_is_advised_for_after_the_publicity_period(now, advice_zh, advice_en):
    offers = improvements(firm(**now), risk_rising_with(**dict.fromkeys(now, 1.0)), scale=SCALE)

    assert [(offer["advice_zh"], offer["advice_en"]) for offer in offers] == [(advice_zh, advice_en)]


@pytest.mark.parametrize(
    ("feature", "value", "said"),
    [
        ("tax_paid_growth", -0.35, "纳税额同比下降35%，提高了风险"),
        ("export_growth", 0.2, "出口额同比增长20%，提高了风险"),
        ("tax_rating_trend", 2.0, "纳税信用等级较上年提升2级，提高了风险"),
        ("tax_rating_trend", -1.0, "纳税信用等级较上年下降1级，提高了风险"),
        ("tax_rating_trend", 0.0, "纳税信用等级与上年持平，提高了风险"),
        ("tax_arrears", 0.0, "无欠税，提高了风险"),
        ("tax_arrears", 25000.0, "欠税金额为2.5万元，提高了风险"),
    ],
)
def test_a_change_reads_as_a_chinese_sentence_says_it(feature, value, said):
    contributions = pd.Series(0.0, index=FEATURE_NAMES)
    contributions[feature] = 0.5

    (reason,), _ = reasons(firm(**{feature: value}).iloc[0], contributions, scale=SCALE)

    assert reason.text_zh == said
