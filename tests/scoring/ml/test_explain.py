import numpy as np
import pandas as pd
import pytest

from scoring.ml.explain import (
    IMPROVEMENTS,
    context,
    describe_value,
    explanation,
    improvements,
    improvements_of_each,
    knock_out_lines,
    reasons,
    withheld_lines,
)
from scoring.ml.features import CONSENTED_SOURCES, FEATURE_NAMES, FEATURES, FEATURES_BY_NAME
from scoring.ml.scale import ScoreScale

SCALE = ScoreScale()


def firm(**values) -> pd.DataFrame:
    row = dict.fromkeys(FEATURE_NAMES, np.nan)
    row.update(values)
    return pd.DataFrame([row])


def test_reasons_tell_what_raised_and_what_lowered_the_risk_largest_first():
    features = firm(
        tax_rating=5.0, overdue_days_max_12m=35.0, bank_utilisation=0.92, tax_paid_latest_year=50_000.0
    ).iloc[0]
    contributions = pd.Series(0.0, index=[*FEATURE_NAMES, "bias"])
    contributions[["tax_rating", "overdue_days_max_12m", "bank_utilisation", "tax_paid_latest_year", "bias"]] = [
        -0.6,
        0.9,
        0.3,
        -0.1,
        -3.0,
    ]

    raised, lowered = reasons(features, contributions, scale=SCALE)

    assert [reason.feature for reason in raised] == ["overdue_days_max_12m", "bank_utilisation"]
    assert [reason.feature for reason in lowered] == ["tax_rating", "tax_paid_latest_year"]
    assert lowered[0].text_zh == "最近纳税信用等级为A级，降低了风险"
    assert lowered[0].text_en == "Latest tax credit rating: A, lowered the risk"
    assert raised[0].text_zh == "近12个月最长逾期天数为35，提高了风险"
    assert raised[1].text_en == "Share of credit limits in use: 92%, raised the risk"
    assert raised[0].points < 0 < lowered[0].points


def test_reasons_worth_less_than_a_point_are_left_out():
    features = firm(overdue_days_max_12m=35.0, registered_capital=500_000.0, tax_rating=5.0).iloc[0]
    contributions = pd.Series(0.0, index=[*FEATURE_NAMES, "bias"])
    # 0.01 of log-odds is about 0.3 points: "raised the risk, 0 points" tells nobody anything.
    contributions[["overdue_days_max_12m", "registered_capital", "tax_rating"]] = [0.9, 0.01, -0.01]

    raised, lowered = reasons(features, contributions, scale=SCALE)

    assert [reason.feature for reason in raised] == ["overdue_days_max_12m"]
    assert lowered == []


def test_a_kind_of_firm_is_background_in_words_never_a_risk():
    features = firm(kind="sole_proprietor").iloc[0]
    contributions = pd.Series(0.0, index=FEATURE_NAMES)
    contributions["kind"] = 0.5

    raised, lowered = reasons(features, contributions, scale=SCALE)
    (line,) = context(features, contributions, scale=SCALE)

    assert raised == lowered == []
    assert line["text_zh"] == "主体类型（个体工商户）作为背景因素计入评分"
    assert line["text_en"] == (
        "Kind of firm (sole proprietor) counts in the score as background, not as anything the firm did"
    )


def test_the_background_names_a_province_or_industry_by_the_names_the_caller_gives_and_a_code_without_them():
    features = firm(province="44", industry_section="C", firm_age_years=12.0).iloc[0]
    contributions = pd.Series(0.0, index=FEATURE_NAMES)
    contributions[["province", "industry_section", "firm_age_years"]] = [0.5, -0.4, 0.3]
    names = {"province": {"44": ("广东省", "广东省 (44)")}, "industry_section": {"C": ("制造业", "Manufacturing")}}

    (named,) = context(features, contributions, scale=SCALE, value_names=names)
    (bare,) = context(features, contributions, scale=SCALE)

    assert named["text_zh"] == "成立年限（12.0年）、所在地区（广东省）和行业（制造业）作为背景因素计入评分"
    assert named["text_en"] == (
        "Years since registration (12.0 years), region (广东省 (44)) and industry (Manufacturing) count in the "
        "score as background, not as anything the firm did"
    )
    assert bare["text_zh"] == "成立年限（12.0年）、所在地区（44）和行业（C）作为背景因素计入评分"


BACKGROUND = {"firm_age_years": 1.0, "kind": "company", "province": "12", "industry_section": "C"}


@pytest.mark.parametrize("sign", [1.0, -1.0], ids=["raised", "lowered"])
@pytest.mark.parametrize("feature", list(BACKGROUND))
def test_what_a_firm_cannot_change_never_raises_or_lowers_its_risk(feature, sign):
    features = firm(**BACKGROUND).iloc[0]
    contributions = pd.Series(0.0, index=FEATURE_NAMES)
    contributions[feature] = 0.5 * sign

    told = explanation(features, contributions, scale=SCALE)

    assert told["raised"] == told["lowered"] == []
    (line,) = told["context"]
    assert line["features"] == [feature]
    assert "背景因素" in line["text_zh"] and not any(word in line["text_zh"] for word in ("提高", "降低", "风险"))
    assert "background" in line["text_en"] and "risk" not in line["text_en"]


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
    assert describe_value("tax_arrears", 369.0, language="zh") == "369元"  # not "0.0万元", which reads as none


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
    ("feature", "value", "contribution", "said"),
    [
        ("tax_paid_growth", -0.35, 0.5, "纳税额同比下降35%，提高了风险"),
        ("export_growth", 0.2, -0.5, "出口额同比增长20%，降低了风险"),
        ("tax_rating_trend", 2.0, -0.5, "纳税信用等级较上年提升2级，降低了风险"),
        ("tax_rating_trend", -1.0, 0.5, "纳税信用等级较上年下降1级，提高了风险"),
        ("tax_rating_trend", 0.0, 0.5, "纳税信用等级与上年持平，提高了风险"),
        ("tax_arrears", 0.0, -0.5, "无欠税，降低了风险"),
        ("tax_arrears", 25000.0, 0.5, "欠税金额为2.5万元，提高了风险"),
    ],
)
def test_a_change_reads_as_a_chinese_sentence_says_it(feature, value, contribution, said):
    contributions = pd.Series(0.0, index=FEATURE_NAMES)
    contributions[feature] = contribution

    raised, lowered = reasons(firm(**{feature: value}).iloc[0], contributions, scale=SCALE)

    (reason,) = raised + lowered
    assert reason.text_zh == said


@pytest.mark.parametrize(
    ("feature", "value", "contribution", "fact_zh"),
    [
        ("tax_paid_growth", -0.35, -0.5, "纳税额同比下降35%"),
        ("export_growth", 0.2, 0.5, "出口额同比增长20%"),
        ("tax_arrears", 0.0, 0.5, "无欠税"),
        ("tax_arrears", 25000.0, -0.5, "欠税金额为2.5万元"),
        ("penalties_serious_36m", 0.0, 0.5, "近36个月严重行政处罚为0"),
        ("dishonest_debtor", 1.0, -0.5, "失信被执行人为是"),
        ("tax_rating", 5.0, 0.5, "最近纳税信用等级为A级"),
        ("tax_rating", 1.0, -0.5, "最近纳税信用等级为D级"),
        ("customs_class", 1.0, -0.5, "海关信用等级为失信企业"),
    ],
)
def test_a_direction_that_contradicts_the_value_is_told_as_a_plain_fact(feature, value, contribution, fact_zh):
    features = firm(**{feature: value}).iloc[0]
    contributions = pd.Series(0.0, index=FEATURE_NAMES)
    contributions[feature] = contribution

    told = explanation(features, contributions, scale=SCALE)

    assert told["raised"] == told["lowered"] == []
    assert [line["text_zh"] for line in told["context"]] == [fact_zh]


def test_a_source_not_authorised_is_one_line_saying_so_never_no_record():
    # Tax withheld: its features are empty or zero because the platform may not read them, not because the firm
    # has no tax record (the page beside the reasons may well list its M-rated returns).
    features = firm(tax_years_on_record=0.0, overdue_days_max_12m=35.0).iloc[0]
    contributions = pd.Series(0.0, index=FEATURE_NAMES)
    tax_features = [feature.name for feature in FEATURES if feature.source == "tax"]
    contributions[tax_features] = [0.3 if i % 2 else -0.3 for i in range(len(tax_features))]
    contributions["overdue_days_max_12m"] = 0.5

    told = explanation(features, contributions, scale=SCALE, withheld=["tax"])

    assert [(line["source"], line["text_zh"], line["text_en"]) for line in told["withheld"]] == [
        ("tax", "纳税数据未授权：授权后可用于评分", "Tax data not authorised: authorise it to have it count")
    ]
    assert [reason["feature"] for reason in told["raised"] + told["lowered"]] == ["overdue_days_max_12m"]
    assert told["context"] == []
    said = " ".join(item["text_zh"] + item["text_en"] for items in told.values() for item in items)
    assert "无记录" not in said and "no record" not in said


def test_each_withheld_source_has_its_line_in_a_fixed_order():
    lines = withheld_lines(["bank", "public_credit", "customs", "tax"])

    assert [line["source"] for line in lines] == list(CONSENTED_SOURCES)
    assert [line["text_zh"].split("：")[0] for line in lines] == [
        "公共信用信息未授权",
        "纳税数据未授权",
        "海关数据未授权",
        "银行共享数据未授权",
    ]
    # Each names a feature of its source, which whoever filters by source (an officer's view) reads.
    assert all(FEATURES_BY_NAME[line["feature"]].source == line["source"] for line in lines)


REGISTRY_AND_COUNTS = [
    feature.name for feature in FEATURES if feature.name not in BACKGROUND and feature.name != "registered_capital"
]


@pytest.mark.parametrize("sign", [1.0, -1.0], ids=["raised", "lowered"])
@pytest.mark.parametrize("feature", REGISTRY_AND_COUNTS)
def test_a_missing_value_never_raises_or_lowers_the_risk(feature, sign):
    features = firm().iloc[0]  # every value missing
    contributions = pd.Series(0.0, index=FEATURE_NAMES)
    contributions[feature] = 0.5 * sign

    told = explanation(features, contributions, scale=SCALE)

    assert told["raised"] == told["lowered"] == []
    (line,) = told["context"]
    assert line["features"] == [feature]
    assert line["text_zh"] == f"以下项目没有数据，按缺失计入评分：{FEATURES_BY_NAME[feature].meaning_zh}"
    assert "无记录" not in line["text_zh"] and "risk" not in line["text_en"]


def test_the_missing_values_that_counted_are_named_in_one_line_per_source():
    features = firm(kind="sole_proprietor").iloc[0]
    contributions = pd.Series(0.0, index=FEATURE_NAMES)
    contributions[["registered_capital", "tax_paid_growth", "declared_revenue_latest_year"]] = [-0.5, 0.3, 0.2]

    registry, tax = context(features, contributions, scale=SCALE)

    assert registry["text_zh"] == "以下项目没有数据，按缺失计入评分：资金数额"
    assert tax["text_zh"] == "以下项目没有数据，按缺失计入评分：纳税额同比增长、最近年度申报收入"
    assert tax["text_en"] == (
        "No figures for these, counted as missing: growth of tax paid over the year before; "
        "revenue declared for the latest tax year"
    )
    assert (registry["feature"], tax["feature"]) == ("registered_capital", "tax_paid_growth")


LISTED = {
    "rule": "dishonest-judgment-debtor",
    "feature": "dishonest_debtor",
    "reason_zh": "企业当前被列为失信被执行人，暂不符合融资条件；履行义务并移出名单后可重新申请",
    "reason_en": "The firm is currently listed as a dishonest judgment debtor",
}


def test_a_knock_out_comes_first_naming_its_rule_and_why():
    features = firm(dishonest_debtor=1.0, overdue_days_max_12m=35.0).iloc[0]
    contributions = pd.Series(0.0, index=FEATURE_NAMES)
    contributions["overdue_days_max_12m"] = 0.9  # the listing itself moved the model by less than a point

    told = explanation(features, contributions, scale=SCALE, exclusions=[LISTED])

    assert list(told) == ["ruled_out", "withheld", "raised", "lowered", "context"]
    (rule,) = told["ruled_out"]
    assert rule["rule"] == "dishonest-judgment-debtor"
    assert rule["text_zh"] == (
        "政策规则「失信被执行人」：企业当前被列为失信被执行人，暂不符合融资条件；履行义务并移出名单后可重新申请"
    )
    assert rule["text_en"].startswith("Policy rule “listed as a dishonest judgment debtor”: The firm is currently")


def test_a_firm_that_breaks_no_rule_has_no_knock_out_line():
    assert knock_out_lines([]) == []


def test_a_batch_of_firms_is_offered_what_each_is_offered_alone_from_one_pass_of_the_model():
    firms = [
        firm(overdue_days_max_12m=65.0, tax_arrears=20_000.0, bank_utilisation=0.3),
        firm(overdue_days_max_12m=0.0, tax_arrears=0.0),
        firm(dishonest_debtor=1.0, overdue_days_max_12m=60.0, bank_utilisation=0.9, bank_outstanding=900_000.0),
        firm(tax_arrears=20_000.0, penalties_ordinary_36m=2.0, penalties_ordinary_12m=0.0),
    ]
    withheld = [[], ["customs"], [], ["tax"]]
    knocked_out_on = [[], [], ["dishonest_debtor"], []]
    passes = []

    def counted(frame: pd.DataFrame) -> np.ndarray:
        passes.append(len(frame))
        return risk_of(frame)

    together = improvements_of_each(
        pd.concat(firms, ignore_index=True), counted, scale=SCALE, withheld=withheld, knocked_out_on=knocked_out_on
    )

    alone = [
        improvements(one, risk_of, scale=SCALE, withheld=its_withheld, knocked_out_on=its_knock_outs)
        for one, its_withheld, its_knock_outs in zip(firms, withheld, knocked_out_on, strict=True)
    ]
    assert together == alone
    assert [offer["feature"] for offer in together[2]][:1] == ["dishonest_debtor"]
    assert len(passes) == 1


def test_a_step_that_lifts_a_knock_out_comes_first_even_without_points():
    model = risk_rising_with(overdue_days_max_12m=0.05)  # the model ignores the listing

    offers = improvements(
        firm(dishonest_debtor=1.0, overdue_days_max_12m=60.0),
        model,
        scale=SCALE,
        knocked_out_on=["dishonest_debtor"],
    )

    assert [(offer["feature"], offer["lifts_knock_out"]) for offer in offers] == [
        ("dishonest_debtor", True),
        ("overdue_days_max_12m", False),
    ]
    assert offers[0]["points_gained"] == 0 < offers[1]["points_gained"]


def test_a_withheld_source_is_a_step_to_authorise_it_with_no_points_claimed():
    offers = improvements(firm(overdue_days_max_12m=60.0), risk_of, scale=SCALE, withheld=["customs", "tax"])

    assert [offer.get("source") for offer in offers] == [None, "tax", "customs"]
    assert [offer["advice_zh"] for offer in offers[1:]] == ["授权平台使用纳税数据", "授权平台使用海关数据"]
    assert [offer["points_gained"] for offer in offers[1:]] == [None, None]


def test_the_sources_withheld_may_be_given_as_any_iterable():
    offers = improvements(firm(overdue_days_max_12m=60.0), risk_of, scale=SCALE, withheld=iter(["customs", "tax"]))

    assert [offer.get("source") for offer in offers] == [None, "tax", "customs"]


def test_no_step_acts_on_a_source_that_is_withheld():
    # Zero arrears from a withheld source is the source's absence: nothing to pay off, and nothing to say.
    offers = improvements(firm(tax_arrears=20_000.0), risk_of, scale=SCALE, withheld=["tax"])

    assert [offer["feature"] for offer in offers] == ["tax_rating"]
    assert offers[0]["source"] == "tax"


def test_steps_that_gain_no_point_are_still_named_when_nothing_gains_one():
    # The model ignores utilisation and the abnormal-operation list, but banks and product rules read them.
    offers = improvements(
        firm(bank_utilisation=0.9, bank_outstanding=900_000.0, abnormal_operation_listed=1.0),
        risk_rising_with(overdue_days_max_12m=1.0),
        scale=SCALE,
    )

    assert {offer["feature"] for offer in offers} == {"bank_utilisation", "abnormal_operation_listed"}
    assert all(offer["points_gained"] == 0 for offer in offers)


@pytest.mark.parametrize(
    ("now", "offered"),
    [
        ({"penalties_ordinary_36m": 2.0, "penalties_ordinary_12m": 0.0}, "penalties_ordinary_36m"),
        ({"penalties_minor_36m": 1.0, "penalties_minor_12m": 1.0}, "penalties_minor_36m"),
        ({"customs_class": 1.0}, "customs_class"),
        ({"serious_dishonesty_listed": 1.0}, "serious_dishonesty_listed"),
    ],
    ids=["older ordinary penalties", "minor penalties", "customs dishonest", "serious-dishonesty list"],
)
def test_repairs_beyond_the_last_year_and_beyond_tax_and_loans_are_offered(now, offered):
    offers = improvements(firm(**now), risk_rising_with(**dict.fromkeys(now, 1.0)), scale=SCALE)

    assert [offer["feature"] for offer in offers] == [offered]


def test_every_step_a_firm_could_need_applies_to_its_worst_record_and_not_to_a_clean_one():
    worst = firm(
        overdue_days_max_12m=90.0,
        late_repayment_share_12m=0.5,
        tax_arrears=1.0,
        tax_rating=1.0,
        tax_rating_trend=0.0,
        bank_utilisation=1.0,
        bank_outstanding=1.0,
        abnormal_operation_listed=1.0,
        dishonest_debtor=1.0,
        serious_dishonesty_listed=1.0,
        penalties_ordinary_36m=1.0,
        penalties_serious_36m=1.0,
        penalties_minor_36m=1.0,
        commitment_breaches_36m=1.0,
        customs_class=1.0,
    ).iloc[0]
    clean = firm(**{name: 0.0 for name in worst.index if isinstance(worst[name], float)}).iloc[0]
    clean["tax_rating"], clean["customs_class"] = 5.0, 3.0

    assert [change.feature for change in IMPROVEMENTS if change.applies(worst)] == [
        change.feature for change in IMPROVEMENTS if change.feature != "penalties_ordinary_12m"
    ]
    assert [change.feature for change in IMPROVEMENTS if change.applies(clean)] == []
