"""Why a firm got its score, in sentences, and what would most improve it.

The reasons come from the model's own per-feature contributions to the log-odds of default (LightGBM's
SHAP-style `pred_contrib`): a positive contribution raised the risk, a negative one lowered it. Each is told
with the feature's value in the words of FEATURES ("纳税信用等级为A，降低了风险").

The improvements are counterfactuals run through the same model: for each thing a firm can act on, set it to
what a well-run firm would show, predict again, and report the points gained. A change carries the features
linked to the one acted on (clearing serious penalties over 36 months clears those of the last 12), so the
model sees a firm that could exist. Only changes that gain points are offered, best first.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from scoring.ml.features import CUSTOMS_CLASS_ORDINAL, FEATURES_BY_NAME, TAX_RATING_BY_ORDINAL, TAX_RATING_ORDINAL
from scoring.ml.scale import ScoreScale

CUSTOMS_CLASS_WORDS = {
    CUSTOMS_CLASS_ORDINAL["advanced_certified"]: ("高级认证企业", "advanced certified"),
    CUSTOMS_CLASS_ORDINAL["registered"]: ("其他注册登记和备案企业", "registered"),
    CUSTOMS_CLASS_ORDINAL["dishonest"]: ("失信企业", "dishonest"),
}
KIND_WORDS = {
    "company": ("公司", "company"),
    "sole_proprietor": ("个体工商户", "sole proprietor"),
    "cooperative": ("农民专业合作社", "farmers' cooperative"),
    "other": ("其他组织", "other organisation"),
}
# What the registry calls the money a firm registers depends on its kind (the same words as
# creditloan.models.enterprises.CAPITAL_TITLES): a reason names the applicant's own.
CAPITAL_WORDS_BY_KIND = {
    "company": ("注册资本", "registered capital"),
    "sole_proprietor": ("资金数额", "capital amount"),
    "cooperative": ("成员出资总额", "members' total contributions"),
    "other": ("注册资金", "registered funds"),
}
# The names of province and industry_section codes (e.g. "33", "C") live in creditloan.reference, and importing
# anything under creditloan loads Celery and Django, which scoring.ml must not: the caller passes them in as
# `value_names`, {feature: {code: (Chinese, English)}}; without them a code is told as it is.
ValueNames = dict[str, dict[str, tuple[str, str]]]
MONEY = {
    "registered_capital",
    "tax_paid_latest_year",
    "declared_revenue_latest_year",
    "tax_arrears",
    "export_value_latest_year",
    "import_value_latest_year",
    "bank_outstanding",
    "deposit_turnover_12m",
}
SHARES = {"bank_utilisation", "late_repayment_share_12m", "tax_paid_growth", "export_growth"}
FLAGS = {"dishonest_debtor", "serious_dishonesty_listed", "abnormal_operation_listed"}
BANK_UTILISATION_TARGET = 0.5


# What each feature's change does to the features computed from the same records, so that a counterfactual firm
# is one that could exist: a firm's row (a Series) in, the new values of the changed features out. A new value
# that comes out NaN (a linked feature with no record) leaves that feature as it was.
Changes = Callable[[pd.Series], dict[str, float]]


def _set(feature: str, target: float) -> Changes:
    return lambda row: {feature: target}


def _clear_serious_penalties(row: pd.Series) -> dict[str, float]:
    # The last 12 months lie within the last 36: none in 36 months means none in 12.
    return {"penalties_serious_36m": 0.0, "penalties_serious_12m": 0.0}


def _clear_ordinary_penalties_12m(row: pd.Series) -> dict[str, float]:
    # The penalties repaired are also among those of the last 36 months.
    remaining = float(np.maximum(float(row["penalties_ordinary_36m"]) - float(row["penalties_ordinary_12m"]), 0.0))
    return {"penalties_ordinary_12m": 0.0, "penalties_ordinary_36m": remaining}


def _raise_tax_rating(row: pd.Series) -> dict[str, float]:
    # The trend is the latest rating minus the one before, so it moves with the latest rating.
    rise = TAX_RATING_ORDINAL["B"] - float(row["tax_rating"])
    return {"tax_rating": TAX_RATING_ORDINAL["B"], "tax_rating_trend": float(row["tax_rating_trend"]) + rise}


def _lower_bank_utilisation(row: pd.Series) -> dict[str, float]:
    # Utilisation is outstanding over the credit limits: with the limits unchanged, the outstanding falls with it.
    factor = BANK_UTILISATION_TARGET / float(row["bank_utilisation"])
    return {"bank_utilisation": BANK_UTILISATION_TARGET, "bank_outstanding": float(row["bank_outstanding"]) * factor}


@dataclass(frozen=True)
class Improvement:
    """A change the firm can make: the feature it acts on, when it applies (on that feature's value), the
    advice in both languages, and what it changes: the feature and those linked to it."""

    feature: str
    advice_zh: str
    advice_en: str
    applies: Callable[[float], bool]
    changes: Changes


IMPROVEMENTS: tuple[Improvement, ...] = (
    Improvement(
        "overdue_days_max_12m",
        "按时还款，12个月内不再逾期",
        "Repay on time for 12 months",
        lambda v: v > 0,
        _set("overdue_days_max_12m", 0.0),
    ),
    Improvement(
        "late_repayment_share_12m",
        "每期按时还款",
        "Make every repayment on time",
        lambda v: v > 0,
        _set("late_repayment_share_12m", 0.0),
    ),
    Improvement("tax_arrears", "缴清欠税", "Pay off the tax arrears", lambda v: v > 0, _set("tax_arrears", 0.0)),
    Improvement(
        "tax_rating",
        "提升纳税信用等级至B级及以上",
        "Reach a tax credit rating of B or better",
        # Only C and D: M is a new firm's rating, which only time changes.
        lambda v: v < TAX_RATING_ORDINAL["M"],
        _raise_tax_rating,
    ),
    Improvement(
        "bank_utilisation",
        "将授信使用率降至50%以下",
        "Bring credit-line use below 50%",
        lambda v: v > BANK_UTILISATION_TARGET,
        _lower_bank_utilisation,
    ),
    Improvement(
        "abnormal_operation_listed",
        "纠正问题并申请移出经营异常名录",
        "Correct the issue and apply to leave the abnormal-operation list",
        lambda v: v > 0,
        _set("abnormal_operation_listed", 0.0),
    ),
    Improvement(
        "penalties_ordinary_12m",
        "公示期满后，对已整改的一般行政处罚申请信用修复",
        "Once the publicity period has passed, apply for credit repair of corrected ordinary penalties",
        lambda v: v > 0,
        _clear_ordinary_penalties_12m,
    ),
    Improvement(
        "penalties_serious_36m",
        "公示期满后，对已整改的严重行政处罚申请信用修复",
        "Once the publicity period has passed, apply for credit repair of corrected serious penalties",
        lambda v: v > 0,
        _clear_serious_penalties,
    ),
    Improvement(
        "commitment_breaches_36m",
        "履行信用承诺并申请信用修复",
        "Keep the credit commitments and apply for credit repair",
        lambda v: v > 0,
        _set("commitment_breaches_36m", 0.0),
    ),
)


@dataclass(frozen=True)
class Reason:
    feature: str
    value: str
    contribution: float
    points: int
    text_zh: str
    text_en: str

    def to_dict(self) -> dict:
        return asdict(self)


def describe_value(feature: str, value, *, language: str, value_names: ValueNames | None = None) -> str:
    """A feature's value as a person reads it; missing values say so."""
    zh = language == "zh"
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "无记录" if zh else "no record"
    names = (value_names or {}).get(feature, {}).get(str(value))
    if names:
        return names[0] if zh else names[1]
    if feature == "tax_rating":
        letter = TAX_RATING_BY_ORDINAL.get(float(value), str(value))
        return f"{letter}级" if zh else letter
    if feature == "kind":
        words = KIND_WORDS.get(value)
        return (words[0] if zh else words[1]) if words else str(value)
    if feature == "customs_class":
        words = CUSTOMS_CLASS_WORDS.get(float(value))
        return (words[0] if zh else words[1]) if words else str(value)
    if feature in FLAGS:
        return ("是" if zh else "yes") if value else ("否" if zh else "no")
    if feature in MONEY:
        return f"{value / 10_000:,.1f}万元" if zh else f"¥{value:,.0f}"
    if feature in SHARES:
        return f"{value:.0%}"
    if feature == "firm_age_years":
        return f"{value:.1f}年" if zh else f"{value:.1f} years"
    if isinstance(value, float) and value.is_integer():
        return f"{int(value)}"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


GROWTH = {"tax_paid_growth", "export_growth"}


def _meaning(name: str, features: pd.Series, *, zh: bool) -> str:
    """The feature's name, in the words of the firm's kind where the registry's words depend on it."""
    words = CAPITAL_WORDS_BY_KIND.get(str(features.get("kind"))) if name == "registered_capital" else None
    if words:
        return words[0] if zh else words[1]
    return FEATURES_BY_NAME[name].meaning_zh if zh else FEATURES_BY_NAME[name].meaning_en


def _said_zh(name: str, value, value_names: ValueNames | None, meaning_zh: str) -> str:
    """The feature and its value as a Chinese sentence says them: a change as 增长 / 下降 / 提升 rather than
    "growth is -35%", and no arrears as 无欠税 rather than "arrears are 0.0万元"."""
    missing = value is None or (isinstance(value, float) and math.isnan(value))
    if not missing and name in GROWTH:
        base = FEATURES_BY_NAME[name].meaning_zh.removesuffix("增长")
        return f"{base}{'增长' if value >= 0 else '下降'}{abs(value):.0%}"
    if not missing and name == "tax_rating_trend":
        steps = int(round(abs(value)))
        return (
            "纳税信用等级与上年持平" if steps == 0 else f"纳税信用等级较上年{'提升' if value > 0 else '下降'}{steps}级"
        )
    if not missing and name == "tax_arrears" and value == 0:
        return "无欠税"
    return f"{meaning_zh}为{describe_value(name, value, language='zh', value_names=value_names)}"


def reasons(
    features: pd.Series,
    contributions: pd.Series,
    *,
    scale: ScoreScale,
    top: int = 4,
    value_names: ValueNames | None = None,
) -> tuple[list[Reason], list[Reason]]:
    """The features that raised the risk most and those that lowered it most, largest first. A feature worth
    less than one point either way is left out: "raised the risk, 0 points" tells nobody anything."""
    contributions = contributions.drop(labels="bias", errors="ignore")
    told = []
    for name, contribution in contributions.items():
        points = round(scale.points_for_log_odds(float(contribution)))
        if points == 0:
            continue
        value = features[name]
        raised = contribution > 0
        told.append(
            Reason(
                feature=name,
                value=describe_value(name, value, language="en"),
                contribution=float(contribution),
                points=points,
                text_zh=f"{_said_zh(name, value, value_names, _meaning(name, features, zh=True))}，"
                + ("提高了风险" if raised else "降低了风险"),
                text_en=f"{_meaning(name, features, zh=False).capitalize()}: "
                f"{describe_value(name, value, language='en', value_names=value_names)}, "
                + ("raised the risk" if raised else "lowered the risk"),
            )
        )
    raising = sorted((r for r in told if r.contribution > 0), key=lambda r: -r.contribution)[:top]
    lowering = sorted((r for r in told if r.contribution < 0), key=lambda r: r.contribution)[:top]
    return raising, lowering


def improvements(
    features: pd.DataFrame,
    predict_pd: Callable[[pd.DataFrame], np.ndarray],
    *,
    scale: ScoreScale,
    top: int = 3,
) -> list[dict]:
    """For a one-row feature frame: the changes within the firm's reach that would gain the most points."""
    row = features.iloc[0]
    candidates = [
        change
        for change in IMPROVEMENTS
        if not pd.isna(row[change.feature]) and change.applies(float(row[change.feature]))
    ]
    if not candidates:
        return []
    variants = pd.concat([features] * (len(candidates) + 1), ignore_index=True)
    for position, change in enumerate(candidates, start=1):
        for name, value in change.changes(row).items():
            if not math.isnan(value):
                variants.loc[position, name] = value
    pds = predict_pd(variants)
    now = scale.points(pds[0])
    offers = []
    for position, change in enumerate(candidates, start=1):
        gain = scale.points(pds[position]) - now
        if gain > 0:
            offers.append(
                {
                    "feature": change.feature,
                    "advice_zh": change.advice_zh,
                    "advice_en": change.advice_en,
                    "points_gained": int(gain),
                    "probability_of_default_after": float(pds[position]),
                }
            )
    return sorted(offers, key=lambda offer: -offer["points_gained"])[:top]
