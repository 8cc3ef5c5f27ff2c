import numpy as np
import pandas as pd

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
