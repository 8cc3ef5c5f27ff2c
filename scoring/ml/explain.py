"""Why a firm got its score, in sentences, and what would most improve it.

The reasons come from the model's own per-feature contributions to the log-odds of default (LightGBM's
SHAP-style `pred_contrib`): a positive contribution raised the risk, a negative one lowered it. Each is told
with the feature's value in the words of FEATURES ("纳税信用等级为A，降低了风险"). A sentence says only what
the firm's own records show and the firm can read without contradiction (see `explanation`):
- a source the firm has not authorised is one line, "纳税数据未授权：授权后可用于评分", never its features'
  empty values ("无记录") nor the zero counts its absence leaves;
- a value that is missing raised or lowered nothing the firm can see: it is named as missing, as context;
- what the firm cannot change by acting (how long it has existed, its legal form, where it is registered, its
  trade) counts as background, never as "raised the risk" (a firm cannot move out of its province);
- a sentence whose direction contradicts its own value ("纳税额同比下降95%，降低了风险", "无欠税，提高了风险") is
  stated as a plain fact: the model's direction there is an artefact of averages, not advice;
- a policy rule that knocks the firm out comes first, named, with its own reason.

The improvements are counterfactuals run through the same model: for each thing a firm can act on, set it to
what a well-run firm would show, predict again, and report the points gained. A change carries the features
linked to the one acted on (clearing serious penalties over 36 months clears those of the last 12), so the
model sees a firm that could exist. A step that lifts a knock-out comes first; then the changes that gain
points, best first; then authorising each withheld source (its gain is unknown until its data is read). When
no change gains a point, the steps that still apply are named without points: they clear a mark that banks
and product rules read too. An empty list therefore means nothing on the records is left to improve.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from scoring.ml.features import (
    CONSENTED_SOURCES,
    CUSTOMS_CLASS_ORDINAL,
    FEATURES,
    FEATURES_BY_NAME,
    TAX_RATING_BY_ORDINAL,
    TAX_RATING_ORDINAL,
)
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

# The consented sources as a firm names them, for "not authorised" and "authorise" lines.
SOURCE_WORDS = {
    "public_credit": ("公共信用信息", "Public credit data", "public credit data"),
    "tax": ("纳税数据", "Tax data", "tax data"),
    "customs": ("海关数据", "Customs data", "customs data"),
    "bank": ("银行共享数据", "Bank-shared data", "bank-shared data"),
}
# A line about a whole source still names a feature of it (its first), so that whoever keeps only the items of
# the sources a reader may see (matching.services: an officer sees what the firm shared with the bank) can.
SOURCE_FEATURE = {
    source: next(feature.name for feature in FEATURES if feature.source == source) for source in CONSENTED_SOURCES
}
# What the firm cannot change by acting, in the order told: how long it has existed, its legal form, where it
# is registered and its trade. They count as background, never as raising or lowering "its" risk.
BACKGROUND_WORDS = {
    "firm_age_years": ("成立年限", "years since registration"),
    "kind": ("主体类型", "kind of firm"),
    "province": ("所在地区", "region"),
    "industry_section": ("行业", "industry"),
}
# Values with an evident good and bad side, whatever the model made of them: a sentence whose direction
# contradicts its value ("无欠税，提高了风险", "纳税额同比下降35%，降低了风险") is told as a plain fact instead.
# (value) -> +1 good, -1 bad, 0 neither.
NONE_IS_GOOD = {
    "tax_arrears",
    "penalties_minor_12m",
    "penalties_ordinary_12m",
    "penalties_serious_12m",
    "penalties_minor_36m",
    "penalties_ordinary_36m",
    "penalties_serious_36m",
    "dishonest_debtor",
    "serious_dishonesty_listed",
    "abnormal_operation_listed",
    "commitment_breaches_36m",
    "customs_violations_36m",
    "overdue_days_max_12m",
    "late_repayment_share_12m",
}
SIGNED_CHANGES = {"tax_paid_growth", "export_growth", "tax_rating_trend"}


def _side(name: str, value: float) -> int:
    """+1 where the value is plainly good, -1 where plainly bad, 0 where it has no evident side."""
    if name in NONE_IS_GOOD:
        return 1 if value == 0 else -1
    if name in SIGNED_CHANGES:
        return int(np.sign(value))
    if name == "tax_rating":
        return 1 if value >= TAX_RATING_ORDINAL["B"] else -1 if value <= TAX_RATING_ORDINAL["C"] else 0
    if name == "customs_class":
        best, worst = CUSTOMS_CLASS_ORDINAL["advanced_certified"], CUSTOMS_CLASS_ORDINAL["dishonest"]
        return 1 if value == best else -1 if value == worst else 0
    if name == "commendations_36m":
        return 1 if value > 0 else 0
    return 0


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


def _clear_minor_penalties(row: pd.Series) -> dict[str, float]:
    return {"penalties_minor_36m": 0.0, "penalties_minor_12m": 0.0}


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
    """A change the firm can make: the feature it acts on, when it applies (on the firm's row: a comparison with
    a missing value is false, so a step never applies to what is not on record), the advice in both languages,
    and what it changes: the feature and those linked to it."""

    feature: str
    advice_zh: str
    advice_en: str
    applies: Callable[[pd.Series], bool]
    changes: Changes


IMPROVEMENTS: tuple[Improvement, ...] = (
    Improvement(
        "dishonest_debtor",
        "履行法院判决确定的义务，申请移出失信被执行人名单",
        "Meet the obligations the court set and have the firm taken off the dishonest-debtor list",
        lambda row: row["dishonest_debtor"] > 0,
        _set("dishonest_debtor", 0.0),
    ),
    Improvement(
        "serious_dishonesty_listed",
        "纠正失信行为并完成信用修复，申请移出严重失信主体名单",
        "Correct the conduct, complete credit repair and apply to leave the serious-dishonesty list",
        lambda row: row["serious_dishonesty_listed"] > 0,
        _set("serious_dishonesty_listed", 0.0),
    ),
    Improvement(
        "overdue_days_max_12m",
        "按时还款，12个月内不再逾期",
        "Repay on time for 12 months",
        lambda row: row["overdue_days_max_12m"] > 0,
        _set("overdue_days_max_12m", 0.0),
    ),
    Improvement(
        "late_repayment_share_12m",
        "每期按时还款",
        "Make every repayment on time",
        lambda row: row["late_repayment_share_12m"] > 0,
        _set("late_repayment_share_12m", 0.0),
    ),
    Improvement(
        "tax_arrears",
        "缴清欠税",
        "Pay off the tax arrears",
        lambda row: row["tax_arrears"] > 0,
        _set("tax_arrears", 0.0),
    ),
    Improvement(
        "tax_rating",
        "按期申报缴税并申请纳税信用修复，将纳税信用等级提升至B级及以上",
        "File and pay taxes on time and apply for tax credit repair, to reach a rating of B or better",
        # Only C and D: M is a new firm's rating, which only time changes.
        lambda row: row["tax_rating"] < TAX_RATING_ORDINAL["M"],
        _raise_tax_rating,
    ),
    Improvement(
        "bank_utilisation",
        "将授信使用率降至50%以下",
        "Bring credit-line use below 50%",
        lambda row: row["bank_utilisation"] > BANK_UTILISATION_TARGET,
        _lower_bank_utilisation,
    ),
    Improvement(
        "abnormal_operation_listed",
        "纠正问题并申请移出经营异常名录",
        "Correct the issue and apply to leave the abnormal-operation list",
        lambda row: row["abnormal_operation_listed"] > 0,
        _set("abnormal_operation_listed", 0.0),
    ),
    Improvement(
        "penalties_ordinary_12m",
        "公示期满后，对已整改的一般行政处罚申请信用修复",
        "Once the publicity period has passed, apply for credit repair of corrected ordinary penalties",
        lambda row: row["penalties_ordinary_12m"] > 0,
        _clear_ordinary_penalties_12m,
    ),
    Improvement(
        "penalties_ordinary_36m",
        # Only the older ones (none in the last 12 months): their publicity period has passed.
        "对已整改的一般行政处罚申请信用修复",
        "Apply for credit repair of corrected ordinary penalties",
        lambda row: row["penalties_ordinary_36m"] > 0 and not row["penalties_ordinary_12m"] > 0,
        _set("penalties_ordinary_36m", 0.0),
    ),
    Improvement(
        "penalties_serious_36m",
        "公示期满后，对已整改的严重行政处罚申请信用修复",
        "Once the publicity period has passed, apply for credit repair of corrected serious penalties",
        lambda row: row["penalties_serious_36m"] > 0,
        _clear_serious_penalties,
    ),
    Improvement(
        "penalties_minor_36m",
        "对已整改的轻微行政处罚申请信用修复",
        "Apply for credit repair of corrected minor penalties",
        lambda row: row["penalties_minor_36m"] > 0,
        _clear_minor_penalties,
    ),
    Improvement(
        "commitment_breaches_36m",
        "履行信用承诺并申请信用修复",
        "Keep the credit commitments and apply for credit repair",
        lambda row: row["commitment_breaches_36m"] > 0,
        _set("commitment_breaches_36m", 0.0),
    ),
    Improvement(
        "customs_class",
        "纠正海关违规并申请海关信用修复",
        "Correct the customs violations and apply to customs for credit repair",
        lambda row: row["customs_class"] == CUSTOMS_CLASS_ORDINAL["dishonest"],
        _set("customs_class", CUSTOMS_CLASS_ORDINAL["registered"]),
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


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def describe_value(feature: str, value, *, language: str, value_names: ValueNames | None = None) -> str:
    """A feature's value as a person reads it; missing values say so."""
    zh = language == "zh"
    if _missing(value):
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
        # Under ten thousand yuan in yuan: "0.0万元" of arrears reads as none.
        if zh:
            return f"{value / 10_000:,.1f}万元" if abs(value) >= 10_000 else f"{value:,.0f}元"
        return f"¥{value:,.0f}"
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
    "growth is -35%", and no arrears as 无欠税 rather than "arrears are 0元"."""
    missing = _missing(value)
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


def _said_en(name: str, value, value_names: ValueNames | None, features: pd.Series) -> str:
    said = describe_value(name, value, language="en", value_names=value_names)
    return f"{_meaning(name, features, zh=False).capitalize()}: {said}"


def _told(contributions: pd.Series, scale: ScoreScale) -> list[tuple[str, float, int]]:
    """(feature, contribution, points) of every feature worth at least a point either way: "raised the risk,
    0 points" tells nobody anything."""
    told = []
    for name, contribution in contributions.drop(labels="bias", errors="ignore").items():
        points = round(scale.points_for_log_odds(float(contribution)))
        if points != 0:
            told.append((str(name), float(contribution), points))
    return told


def _withheld_features(withheld: Iterable[str]) -> set[str]:
    sources = set(withheld)
    return {feature.name for feature in FEATURES if feature.source in sources}


def reasons(
    features: pd.Series,
    contributions: pd.Series,
    *,
    scale: ScoreScale,
    top: int = 4,
    value_names: ValueNames | None = None,
    withheld: Iterable[str] = (),
) -> tuple[list[Reason], list[Reason]]:
    """The features that raised the risk most and those that lowered it most, largest first, each a sentence
    the firm's records bear out. Left out (and told by `context` or `withheld_lines` instead): the features of
    a source the firm has not authorised (`withheld`: their values are the source's absence, not the firm's),
    missing values, background traits, and a sentence whose direction contradicts its value."""
    hidden = _withheld_features(withheld) | set(BACKGROUND_WORDS)
    told = []
    for name, contribution, points in _told(contributions, scale):
        value = features[name]
        raised = contribution > 0
        if name in hidden or _missing(value) or _side(name, float(value)) == (1 if raised else -1):
            continue
        told.append(
            Reason(
                feature=name,
                value=describe_value(name, value, language="en"),
                contribution=contribution,
                points=points,
                text_zh=f"{_said_zh(name, value, value_names, _meaning(name, features, zh=True))}，"
                + ("提高了风险" if raised else "降低了风险"),
                text_en=f"{_said_en(name, value, value_names, features)}, "
                + ("raised the risk" if raised else "lowered the risk"),
            )
        )
    raising = sorted((r for r in told if r.contribution > 0), key=lambda r: -r.contribution)[:top]
    lowering = sorted((r for r in told if r.contribution < 0), key=lambda r: r.contribution)[:top]
    return raising, lowering


def withheld_lines(withheld: Iterable[str]) -> list[dict]:
    """One line per source the firm has not authorised, in CONSENTED_SOURCES order, saying so and how to let it
    count: never "no record", which the firm's own records (on the same page) would contradict."""
    withheld = set(withheld)
    lines = []
    for source in CONSENTED_SOURCES:
        if source in withheld:
            zh, en, _ = SOURCE_WORDS[source]
            lines.append(
                {
                    "feature": SOURCE_FEATURE[source],
                    "source": source,
                    "text_zh": f"{zh}未授权：授权后可用于评分",
                    "text_en": f"{en} not authorised: authorise it to have it count",
                }
            )
    return lines


def context(
    features: pd.Series,
    contributions: pd.Series,
    *,
    scale: ScoreScale,
    value_names: ValueNames | None = None,
    withheld: Iterable[str] = (),
) -> list[dict]:
    """What counted in the score without being the firm's doing, or without a direction the firm could read,
    each worth at least a point: the background traits in one line, the missing values in a line per source,
    and each value whose model direction contradicts it, as a plain fact. No line says "raised" or "lowered"."""
    hidden = _withheld_features(withheld)
    told = {name: contribution for name, contribution, _ in _told(contributions, scale) if name not in hidden}
    lines = []
    background = [name for name in BACKGROUND_WORDS if name in told and not _missing(features[name])]
    if background:
        said = {
            language: [
                f"{BACKGROUND_WORDS[name][index]}"
                f"{'（' if index == 0 else ' ('}"
                f"{describe_value(name, features[name], language=language, value_names=value_names)}"
                f"{'）' if index == 0 else ')'}"
                for name in background
            ]
            for index, language in enumerate(("zh", "en"))
        }
        lines.append(
            {
                "feature": background[0],
                "features": background,
                "text_zh": f"{_listed(said['zh'], zh=True)}作为背景因素计入评分",
                "text_en": f"{_first_upper(_listed(said['en'], zh=False))} "
                f"{'counts' if len(background) == 1 else 'count'} in the score as background, "
                "not as anything the firm did",
            }
        )
    missing = [name for name in told if name not in BACKGROUND_WORDS and _missing(features[name])]
    # One line per source, so that a reader shown only some sources (an officer) is shown only their lines.
    for source in dict.fromkeys(FEATURES_BY_NAME[name].source for name in missing):
        of_source = [name for name in missing if FEATURES_BY_NAME[name].source == source]
        lines.append(
            {
                "feature": of_source[0],
                "features": of_source,
                "text_zh": "以下项目没有数据，按缺失计入评分："
                + "、".join(_meaning(name, features, zh=True) for name in of_source),
                "text_en": "No figures for these, counted as missing: "
                + "; ".join(_meaning(name, features, zh=False) for name in of_source),
            }
        )
    for name, contribution in told.items():
        value = features[name]
        if name in BACKGROUND_WORDS or _missing(value):
            continue
        if _side(name, float(value)) == (1 if contribution > 0 else -1):
            lines.append(
                {
                    "feature": name,
                    "features": [name],
                    "text_zh": _said_zh(name, value, value_names, _meaning(name, features, zh=True)),
                    "text_en": _said_en(name, value, value_names, features),
                }
            )
    return lines


def _first_upper(text: str) -> str:
    # Not str.capitalize, which would lower the rest ("Manufacturing" inside the sentence).
    return text[:1].upper() + text[1:]


def _listed(items: list[str], *, zh: bool) -> str:
    if len(items) == 1:
        return items[0]
    if zh:
        return "、".join(items[:-1]) + "和" + items[-1]
    return ", ".join(items[:-1]) + " and " + items[-1]


def knock_out_lines(exclusions: Iterable[Mapping]) -> list[dict]:
    """The policy rules that make the firm ineligible, each named and with its own reason: what a knocked-out
    firm reads first. `exclusions` as scoring.selectors.policy_exclusions gives them (rule, feature,
    reason_zh, reason_en)."""
    lines = []
    for rule in exclusions:
        feature = FEATURES_BY_NAME.get(rule.get("feature", ""))
        name_zh = feature.meaning_zh if feature else rule["rule"]
        name_en = feature.meaning_en if feature else rule["rule"]
        lines.append(
            {
                "feature": rule.get("feature", ""),
                "rule": rule["rule"],
                "text_zh": f"政策规则「{name_zh}」：{rule['reason_zh']}",
                "text_en": f"Policy rule “{name_en}”: {rule['reason_en']}",
            }
        )
    return lines


def explanation(
    features: pd.Series,
    contributions: pd.Series,
    *,
    scale: ScoreScale,
    value_names: ValueNames | None = None,
    withheld: Iterable[str] = (),
    exclusions: Iterable[Mapping] = (),
    top: int = 4,
) -> dict[str, list[dict]]:
    """Everything a score says about why, in the order a reader needs it: the knock-outs ("ruled_out"), the
    sources not authorised ("withheld"), what raised and what lowered the risk, and the background
    ("context"). Every item names a feature (see SOURCE_FEATURE) and has text_zh and text_en."""
    withheld = tuple(withheld)
    raising, lowering = reasons(
        features, contributions, scale=scale, top=top, value_names=value_names, withheld=withheld
    )
    return {
        "ruled_out": knock_out_lines(exclusions),
        "withheld": withheld_lines(withheld),
        "raised": [reason.to_dict() for reason in raising],
        "lowered": [reason.to_dict() for reason in lowering],
        "context": context(features, contributions, scale=scale, value_names=value_names, withheld=withheld),
    }


def improvements(
    features: pd.DataFrame,
    predict_pd: Callable[[pd.DataFrame], np.ndarray],
    *,
    scale: ScoreScale,
    top: int = 3,
    withheld: Iterable[str] = (),
    knocked_out_on: Iterable[str] = (),
) -> list[dict]:
    """For a one-row feature frame: the steps within the firm's reach. First those that lift a knock-out (on a
    feature in `knocked_out_on`), whatever their points; then the `top` changes that gain the most points (or,
    if none gains a point, the `top` that still apply, without points); then authorising each `withheld`
    source, whose gain cannot be known before its data is read (points_gained None)."""
    [offers] = improvements_of_each(
        features, predict_pd, scale=scale, top=top, withheld=[withheld], knocked_out_on=[knocked_out_on]
    )
    return offers


def improvements_of_each(
    features: pd.DataFrame,
    predict_pd: Callable[[pd.DataFrame], np.ndarray],
    *,
    scale: ScoreScale,
    top: int = 3,
    withheld: Sequence[Iterable[str]],
    knocked_out_on: Sequence[Iterable[str]],
) -> list[list[dict]]:
    """`improvements` for each row of `features` (with that row's `withheld` sources and `knocked_out_on`
    features): every row's changed variants go through the model in one call of `predict_pd`, whose fixed cost
    (the frame's conversion, the trees' set-up) a batch would otherwise pay once a firm."""
    # Each read twice below: a generator given for one would be empty the second time.
    withheld = [tuple(its_withheld) for its_withheld in withheld]
    knocked_out_on = [set(its_knock_outs) for its_knock_outs in knocked_out_on]
    rows = [features.iloc[position] for position in range(len(features))]
    candidates = []
    for row, its_withheld in zip(rows, withheld, strict=True):
        hidden = _withheld_features(its_withheld)
        candidates.append(
            [change for change in IMPROVEMENTS if change.feature not in hidden and bool(change.applies(row))]
        )
    # The rows as they are first, then each row's variants, one a candidate change: the changed values set a
    # column at a time.
    taken = list(range(len(rows)))
    changed: dict[str, tuple[list[int], list[float]]] = {}
    for position, (row, its_candidates) in enumerate(zip(rows, candidates)):
        for change in its_candidates:
            for name, value in change.changes(row).items():
                if not math.isnan(value):
                    where, values = changed.setdefault(name, ([], []))
                    where.append(len(taken))
                    values.append(value)
            taken.append(position)
    pds = np.empty(0)
    if len(taken) > len(rows):
        variants = features.iloc[taken].reset_index(drop=True)
        for name, (where, values) in changed.items():
            column = variants[name].to_numpy(dtype=float, copy=True)
            column[where] = values
            variants[name] = column
        pds = predict_pd(variants)
    each, variant = [], len(rows)
    for position, its_candidates in enumerate(candidates):
        offers = []
        if its_candidates:
            now = scale.points(pds[position])
            for change in its_candidates:
                offers.append(
                    {
                        "feature": change.feature,
                        "advice_zh": change.advice_zh,
                        "advice_en": change.advice_en,
                        "points_gained": int(scale.points(pds[variant]) - now),
                        "probability_of_default_after": float(pds[variant]),
                        "lifts_knock_out": change.feature in knocked_out_on[position],
                    }
                )
                variant += 1
        each.append(_improvements_chosen(offers, top=top, withheld=withheld[position]))
    return each


def _improvements_chosen(offers: list[dict], *, top: int, withheld: tuple[str, ...]) -> list[dict]:
    lifts = [offer for offer in offers if offer["lifts_knock_out"]]
    others = sorted((offer for offer in offers if not offer["lifts_knock_out"]), key=lambda o: -o["points_gained"])
    gaining = [offer for offer in others if offer["points_gained"] > 0]
    chosen = lifts + (gaining or others)[:top]
    for offer in chosen:
        offer["points_gained"] = max(offer["points_gained"], 0)
    return chosen + [
        {
            "feature": SOURCE_FEATURE[source],
            "source": source,
            "advice_zh": f"授权平台使用{SOURCE_WORDS[source][0]}",
            "advice_en": f"Authorise the platform to use your {SOURCE_WORDS[source][2]}",
            "points_gained": None,
            "probability_of_default_after": None,
            "lifts_knock_out": False,
        }
        for source in CONSENTED_SOURCES
        if source in withheld
    ]
