"""Which loan products a firm is eligible for, and for each one it is not, why and what would change that.

Every product's rules are compiled once into NumPy arrays (a ProductTable); an applicant is then checked
against all of them at once, one vector comparison per rule, so ten thousand products cost about as much as
ten. A rule a product leaves empty does not restrict it.

Missing data fails a minimum: a firm with no tax rating does not meet "tax rating B or better", and the
reason says there is no rating yet.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from creditloan.reference.industries import DIVISIONS, SECTIONS
from creditloan.reference.regions import REGIONS
from scoring.ml.features import TAX_RATING_ORDINAL
from scoring.ml.scale import GRADES

RISK_GRADE_RANK = {grade: rank for rank, grade in enumerate(GRADES, start=1)}
# What a firm can put up: one that offers collateral can also take a guaranteed or a credit loan.
GUARANTEE_RANK = {"credit": 0, "guarantee": 1, "collateral": 2}
KIND_BITS = {"company": 1, "sole_proprietor": 2, "other": 4, "cooperative": 8}
CUSTOMS_BITS = {"advanced_certified": 1, "registered": 2, "dishonest": 4}
TAG_BITS = {"tax_data": 1, "customs_data": 2, "bank_data": 4}
TAG_SOURCE = {"tax_data": "tax", "customs_data": "customs", "bank_data": "bank"}
# What every bank must be let see before an application goes to it: the public credit record, where the
# knock-outs (失信被执行人, 严重失信主体名单) are read from.
SOURCE_EVERY_BANK_NEEDS = "public_credit"

KIND_WORDS = {
    "company": ("公司", "company", "companies"),
    "sole_proprietor": ("个体工商户", "sole proprietor", "sole proprietors"),
    "cooperative": ("农民专业合作社", "farmers' cooperative", "farmers' cooperatives"),
    "other": ("其他组织", "other organisation", "other organisations"),
}
CUSTOMS_WORDS = {
    "advanced_certified": ("高级认证企业", "advanced certified"),
    "registered": ("其他注册登记和备案企业", "registered"),
    "dishonest": ("失信企业", "dishonest"),
}
GUARANTEE_WORDS = {
    "credit": ("信用", "credit"),
    "guarantee": ("保证担保", "a guarantee"),
    "collateral": ("抵质押", "collateral"),
}
TAG_WORDS = {
    "tax_data": ("授权向该银行共享纳税数据", "authorise sharing of tax data with this bank"),
    "customs_data": ("授权向该银行共享海关数据", "authorise sharing of customs data with this bank"),
    "bank_data": ("授权向该银行共享银行数据", "authorise sharing of bank data with this bank"),
}

AGE_TOLERANCE_YEARS = 1 / 365.25

RULES = (
    "policy",
    "consent",
    "guarantee",
    "amount",
    "term",
    "region",
    "industry",
    "kind",
    "firm_age",
    "tax_rating",
    "customs_class",
    "risk_grade",
    "probability_of_default",
    "tax_paid",
    "revenue",
    "policy_tag",
)


@dataclass(frozen=True)
class Applicant:
    """What the rules are checked against: the firm, its score, and what it asks for."""

    region: str
    industry: str
    kind: str
    firm_age_years: float
    tax_rating: str  # "" when the firm has none
    customs_class: str  # "" when the firm never traded abroad
    tax_paid: float  # latest year; NaN when unknown
    revenue: float  # latest year; NaN when unknown
    grade: str
    probability_of_default: float
    amount: float
    term_months: int
    guarantee_mode: str
    # The banks the firm's active authorisations name, each with the sources it may see (separate consent per
    # recipient bank). None: consent is not judged here (a product's rules on their own, or a replay), and no
    # source counts as authorised for a product's policy tags.
    consent: Mapping[int, frozenset[str]] | None = None
    # Policy rules of the scoring that exclude the firm from every product: {"rule", "reason_zh", "reason_en"}.
    exclusions: tuple[dict, ...] = ()


@dataclass(frozen=True)
class ProductRules:
    """One product's terms and rules, as the table needs them (see matching.models.LoanProduct)."""

    product_id: int
    guarantee_mode: str
    amount_min: float
    amount_max: float
    term_min_months: int
    term_max_months: int
    regions: Sequence[str] = ()
    industries_included: Sequence[str] = ()
    industries_excluded: Sequence[str] = ()
    enterprise_kinds: Sequence[str] = ()
    min_firm_age_years: float | None = None
    min_tax_rating: str = ""
    customs_classes: Sequence[str] = ()
    max_risk_grade: str = ""
    max_probability_of_default: float | None = None
    min_annual_tax_paid: float | None = None
    min_annual_revenue: float | None = None
    policy_tags: Sequence[str] = ()
    bank_id: int = 0


@dataclass
class Verdicts:
    """For each rule, which products the applicant fails; `eligible` is the products it fails none of."""

    failed: dict[str, np.ndarray]
    eligible: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        any_failed = np.zeros_like(next(iter(self.failed.values())))
        for mask in self.failed.values():
            any_failed |= mask
        self.eligible = ~any_failed


class ProductTable:
    """Every product's rules as arrays, indexed like `product_ids`.

    Whatever the rules make of an applicant's categories (a kind, a rating, a grade, the sources it authorised)
    is worked out here once, as one mask per value; and a minimum or maximum a product leaves open is stored as
    -inf or +inf. An applicant then costs one lookup per category and one comparison per figure."""

    def __init__(self, products: Iterable[ProductRules]) -> None:
        products = list(products)
        self.products = products
        self.product_ids = np.array([p.product_id for p in products], dtype=np.int64)
        self.amount_min = np.array([p.amount_min for p in products], dtype=float)
        self.amount_max = np.array([p.amount_max for p in products], dtype=float)
        self.term_min = np.array([p.term_min_months for p in products], dtype=float)
        self.term_max = np.array([p.term_max_months for p in products], dtype=float)
        self.region_open, self.region_index = _prefix_index([p.regions for p in products])
        self.industry_open, self.industry_in_index = _prefix_index([p.industries_included for p in products])
        _, self.industry_out_index = _prefix_index([p.industries_excluded for p in products])

        needed = np.array([GUARANTEE_RANK[p.guarantee_mode] for p in products], dtype=np.int8)
        self._guarantee_fails = {mode: needed > rank for mode, rank in GUARANTEE_RANK.items()}
        self._kind_fails = _value_fails([p.enterprise_kinds for p in products], KIND_BITS)
        self._customs_fails = _value_fails([p.customs_classes for p in products], CUSTOMS_BITS)
        self._tags = _bits([p.policy_tags for p in products], TAG_BITS)
        self._tags_fails = {granted: (self._tags & ~granted) != 0 for granted in range(sum(TAG_BITS.values()) + 1)}
        self._no_bank_shared = np.zeros(len(products), dtype=bool)
        # Each product's bank as a small index, so an applicant's consent is one value per bank, gathered.
        bank_ids = np.array([p.bank_id for p in products], dtype=np.int64)
        self._banks, self._bank_of_product = np.unique(bank_ids, return_inverse=True)
        self._bank_position = {int(bank): position for position, bank in enumerate(self._banks)}
        self._consent_memo: dict[frozenset, tuple[np.ndarray, np.ndarray]] = {}
        # A minimum tax rating is met by that rating or a better one, in the order the model reads them.
        min_tax_rank = _floats([TAX_RATING_ORDINAL.get(p.min_tax_rating) for p in products])
        self._tax_rating_fails = {
            rating: _below(TAX_RATING_ORDINAL.get(rating, math.nan), min_tax_rank)
            for rating in (*TAX_RATING_ORDINAL, "")
        }
        max_grade_rank = _floats([RISK_GRADE_RANK.get(p.max_risk_grade) for p in products])
        self._grade_fails = {
            grade: _above(RISK_GRADE_RANK.get(grade, math.nan), max_grade_rank) for grade in (*RISK_GRADE_RANK, "")
        }
        self._min_age = _Minimum([p.min_firm_age_years for p in products])
        self._max_pd = _Maximum([p.max_probability_of_default for p in products])
        self._min_tax_paid = _Minimum([p.min_annual_tax_paid for p in products])
        self._min_revenue = _Minimum([p.min_annual_revenue for p in products])
        self._not_excluded = np.zeros(len(products), dtype=bool)
        self._excluded = ~self._not_excluded
        self._region_memo: dict[str, np.ndarray] = {}
        self._industry_memo: dict[str, np.ndarray] = {}
        # These masks are handed out as they are, to every applicant: none may write to them.
        self._excluded.flags.writeable = self._not_excluded.flags.writeable = False
        self._no_bank_shared.flags.writeable = False
        for masks in (
            self._guarantee_fails,
            self._kind_fails,
            self._customs_fails,
            self._tags_fails,
            self._tax_rating_fails,
            self._grade_fails,
        ):
            for mask in masks.values():
                mask.flags.writeable = False
        for limit in (self._min_age, self._max_pd, self._min_tax_paid, self._min_revenue):
            limit.set.flags.writeable = False

    def __len__(self) -> int:
        return len(self.products)

    def _region_fails(self, region: str) -> np.ndarray:
        """The products closed to a firm registered in `region`: one mask per place met, kept for the next
        firm from there. Registrations crowd into a few thousand counties, so the memo stays small (at most
        MEMO_LIMIT masks, then it starts again)."""
        fails = self._region_memo.get(region)
        if fails is None:
            region_ok = self.region_open.copy()
            for prefix in {region[:2], region[:4], region}:
                region_ok[self.region_index.get(prefix, _NONE)] = True
            fails = _remember(self._region_memo, region, ~region_ok)
        return fails

    def _industry_fails(self, division: str) -> np.ndarray:
        """The products closed to a firm of a GB/T 4754 division: by a list it is not on (as the division or
        its section), or by one that excludes it."""
        fails = self._industry_memo.get(division)
        if fails is None:
            industry_ok = self.industry_open.copy()
            industry_out = np.zeros(len(self.products), dtype=bool)
            for code in {division, _section(division)}:
                industry_ok[self.industry_in_index.get(code, _NONE)] = True
                industry_out[self.industry_out_index.get(code, _NONE)] = True
            fails = _remember(self._industry_memo, division, ~industry_ok | industry_out)
        return fails

    def _consent_fails(self, consent: Mapping[int, frozenset[str]]) -> tuple[np.ndarray, np.ndarray]:
        """(the products whose bank the firm has not let see its public credit record, the products whose
        policy tags need a source not shared with their bank): one pair per pattern of consent met. Most firms
        authorise the same few banks for the same sources, so the memo stays small (at most MEMO_LIMIT)."""
        key = frozenset(consent.items())
        masks = self._consent_memo.get(key)
        if masks is None:
            shared_by_bank = np.zeros(len(self._banks), dtype=bool)
            granted_by_bank = np.zeros(len(self._banks), dtype=self._tags.dtype)
            for bank, sources in consent.items():
                position = self._bank_position.get(bank)
                if position is not None:
                    shared_by_bank[position] = SOURCE_EVERY_BANK_NEEDS in sources
                    granted_by_bank[position] = sum(bit for tag, bit in TAG_BITS.items() if TAG_SOURCE[tag] in sources)
            granted = granted_by_bank[self._bank_of_product]
            masks = (~shared_by_bank[self._bank_of_product], (self._tags & ~granted) != 0)
            if len(self._consent_memo) >= MEMO_LIMIT:
                self._consent_memo.clear()
            for mask in masks:
                mask.flags.writeable = False
            self._consent_memo[key] = masks
        return masks

    def evaluate(self, applicant: Applicant) -> Verdicts:
        """Each rule's failures, for the reasons an applicant is shown."""
        return Verdicts(dict(self._failures(applicant)))

    def eligible_positions(self, applicant: Applicant) -> np.ndarray:
        """The positions of the products the applicant is eligible for: `evaluate` without keeping each rule's
        failures, which is all that ranking needs."""
        failures = self._failures(applicant)
        _, any_failed = next(failures)
        any_failed = any_failed.copy()
        for _, failed in failures:
            any_failed |= failed
        return np.flatnonzero(~any_failed)

    def _failures(self, applicant: Applicant) -> Iterator[tuple[str, np.ndarray]]:
        """(rule, the products the applicant fails it for), for every rule in RULES order. A mask may be one the
        table keeps: read it, never write to it."""
        yield "policy", self._excluded if applicant.exclusions else self._not_excluded
        if applicant.consent is None:
            not_shared, tags_fail = self._no_bank_shared, self._tags_fails[0]
        else:
            not_shared, tags_fail = self._consent_fails(applicant.consent)
        yield "consent", not_shared
        yield "guarantee", self._guarantee_fails[applicant.guarantee_mode]
        yield "amount", (applicant.amount < self.amount_min) | (applicant.amount > self.amount_max)
        yield "term", (applicant.term_months < self.term_min) | (applicant.term_months > self.term_max)
        yield "region", self._region_fails(applicant.region)
        yield "industry", self._industry_fails(applicant.industry[:2])
        yield "kind", self._kind_fails.get(applicant.kind, self._kind_fails[""])
        # A day's tolerance: age is counted in days / 365.25, so an anniversary without a leap day in between
        # would otherwise fall just short of the whole year it completes.
        yield "firm_age", self._min_age.fails(applicant.firm_age_years + AGE_TOLERANCE_YEARS)
        yield "tax_rating", self._tax_rating_fails.get(applicant.tax_rating, self._tax_rating_fails[""])
        yield "customs_class", self._customs_fails.get(applicant.customs_class, self._customs_fails[""])
        yield "risk_grade", self._grade_fails.get(applicant.grade, self._grade_fails[""])
        yield "probability_of_default", self._max_pd.fails(applicant.probability_of_default)
        yield "tax_paid", self._min_tax_paid.fails(applicant.tax_paid)
        yield "revenue", self._min_revenue.fails(applicant.revenue)
        yield "policy_tag", tags_fail

    def reasons(self, applicant: Applicant, verdicts: Verdicts, index: int) -> list[dict]:
        """The rules product `index` fails, each with a reason and what would change the verdict."""
        product = self.products[index]
        return [
            {"rule": rule, **dict(zip(("reason_zh", "reason_en"), reason, strict=True))}
            for rule in RULES
            if verdicts.failed[rule][index]
            for reason in _REASONS[rule](applicant, product)
        ]


_NONE = np.array([], dtype=np.int64)
MEMO_LIMIT = 4096


def _remember(memo: dict[str, np.ndarray], key: str, mask: np.ndarray) -> np.ndarray:
    if len(memo) >= MEMO_LIMIT:
        memo.clear()
    mask.flags.writeable = False
    memo[key] = mask
    return mask


def _section(industry: str) -> str:
    division = DIVISIONS.get(industry[:2])
    return division.section if division else ""


def _prefix_index(lists: list[Sequence[str]]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Which products leave the rule open (an empty list), and for each listed code the products listing it."""
    open_ = np.array([not codes for codes in lists], dtype=bool)
    index: dict[str, list[int]] = {}
    for position, codes in enumerate(lists):
        for code in codes:
            index.setdefault(code, []).append(position)
    return open_, {code: np.array(positions, dtype=np.int64) for code, positions in index.items()}


def _bits(lists: list[Sequence[str]], bits: dict[str, int]) -> np.ndarray:
    return np.array([sum(bits[value] for value in set(values)) for values in lists], dtype=np.int64)


def _value_fails(lists: list[Sequence[str]], bits: dict[str, int]) -> dict[str, np.ndarray]:
    """For an "only these values" rule: for each value an applicant may have ("" for none or one the rule
    does not know), the products that value fails. A product listing nothing accepts every value."""
    accepted = _bits(lists, bits)
    restricted = accepted != 0
    fails = {value: restricted & (accepted & bit == 0) for value, bit in bits.items()}
    fails[""] = restricted
    return fails


def _floats(values: list) -> np.ndarray:
    return np.array([math.nan if value is None else float(value) for value in values], dtype=float)


def _below(value: float, minimum: np.ndarray) -> np.ndarray:
    """Fails a minimum the product sets: below it, or unknown (NaN never meets a minimum)."""
    return ~np.isnan(minimum) & ~(value >= minimum)


def _above(value: float, maximum: np.ndarray) -> np.ndarray:
    return ~np.isnan(maximum) & ~(value <= maximum)


class _Minimum:
    """A minimum some products set: one comparison against -inf where a product sets none. An unknown figure
    (NaN) meets no minimum, and fails exactly the products that set one."""

    def __init__(self, values: list) -> None:
        minimum = _floats(values)
        self.set = ~np.isnan(minimum)
        self.filled = np.where(self.set, minimum, -np.inf)

    def fails(self, value: float) -> np.ndarray:
        return self.set if math.isnan(value) else value < self.filled


class _Maximum:
    def __init__(self, values: list) -> None:
        maximum = _floats(values)
        self.set = ~np.isnan(maximum)
        self.filled = np.where(self.set, maximum, np.inf)

    def fails(self, value: float) -> np.ndarray:
        return self.set if math.isnan(value) else value > self.filled


def _yuan(value: float) -> tuple[str, str]:
    """Exact to the yuan in both languages, so a figure just below a limit never reads as reaching it."""
    wan = f"{value / 10_000:,.4f}".rstrip("0").rstrip(".")
    return (f"{wan}万元" if value >= 10_000 else f"{value:,.0f}元"), f"¥{value:,.0f}"


def region_name(code: str) -> str:
    """The place with the places it lies in (广东省深圳市南山区): a county's name alone is not unique."""
    names = [REGIONS.get(code[:length] + "0" * (6 - length)) for length in (2, 4, 6) if length <= len(code)]
    parts = [name for name in dict.fromkeys(names) if name and name not in ("市辖区", "县")]
    return "".join(parts) or code


def industry_name(code: str, language: str = "zh") -> str:
    entry = SECTIONS.get(code) or DIVISIONS.get(code)
    if entry is None:
        return code
    return entry.name_zh if language == "zh" else entry.name_en


def _trade(name: str) -> str:
    """制造业 is already a trade; 批发和零售业 too: only other names take 行业."""
    return name if name.endswith("业") else f"{name}行业"


def _years(age: float, language: str) -> str:
    """Rounded down, so an age just short of a limit never reads as reaching it."""
    if math.isnan(age):
        return "无记录" if language == "zh" else "no record"
    shown = math.floor(age * 100) / 100
    return f"{shown:g}年" if language == "zh" else f"{shown:g} years"


def _article(noun: str) -> str:
    return f"{'an' if noun[0] in 'aeiou' else 'a'} {noun}"


def _policy(applicant: Applicant, product: ProductRules):
    return [(item["reason_zh"], item["reason_en"]) for item in applicant.exclusions]


def _guarantee(applicant: Applicant, product: ProductRules):
    needed, offered = GUARANTEE_WORDS[product.guarantee_mode], GUARANTEE_WORDS[applicant.guarantee_mode]
    return [
        (
            f"该产品的担保方式为{needed[0]}，您选择的是{offered[0]}",
            f"Needs {needed[1]}; you chose {offered[1]}",
        )
    ]


def _amount(applicant: Applicant, product: ProductRules):
    low, high, asked = _yuan(product.amount_min), _yuan(product.amount_max), _yuan(applicant.amount)
    return [
        (
            f"申请金额需在{low[0]}至{high[0]}之间，当前为{asked[0]}",
            f"The amount must be between {low[1]} and {high[1]}; you asked for {asked[1]}",
        )
    ]


def _term(applicant: Applicant, product: ProductRules):
    return [
        (
            f"期限需在{product.term_min_months}至{product.term_max_months}个月之间，当前为{applicant.term_months}个月",
            f"The term must be {product.term_min_months} to {product.term_max_months} months; "
            f"you asked for {applicant.term_months}",
        )
    ]


def _region(applicant: Applicant, product: ProductRules):
    places = "、".join(region_name(code) for code in product.regions)
    here = region_name(applicant.region)
    return [(f"仅限{places}的企业，当前注册地为{here}", f"Only for firms registered in {places}; yours is in {here}")]


def _industry(applicant: Applicant, product: ProductRules):
    mine = (applicant.industry[:2], _section(applicant.industry))
    excluded = [code for code in product.industries_excluded if code in mine]
    if excluded:
        # Name what the product excludes (a whole section, perhaps), not just the firm's own division.
        return [
            (
                f"不支持{'、'.join(_trade(industry_name(code)) for code in excluded)}",
                f"Not offered to firms in {', '.join(industry_name(code, 'en') for code in excluded)}",
            )
        ]
    sectors_zh = "、".join(_trade(industry_name(code)) for code in product.industries_included)
    sectors_en = ", ".join(industry_name(code, "en") for code in product.industries_included)
    return [
        (
            f"仅限{sectors_zh}，当前为{_trade(industry_name(mine[0]))}",
            f"Only for firms in {sectors_en}; yours is in {industry_name(mine[0], 'en')}",
        )
    ]


def _kind(applicant: Applicant, product: ProductRules):
    kinds = [KIND_WORDS[kind] for kind in product.enterprise_kinds]
    mine = KIND_WORDS.get(applicant.kind, (applicant.kind,) * 3)
    return [
        (
            f"仅限{'、'.join(k[0] for k in kinds)}，当前为{mine[0]}",
            f"Only for {' and '.join(k[2] for k in kinds)}; yours is {_article(mine[1])}",
        )
    ]


def _firm_age(applicant: Applicant, product: ProductRules):
    need = float(product.min_firm_age_years)
    return [
        (
            f"需成立满{need:g}年，当前{_years(applicant.firm_age_years, 'zh')}",
            f"Needs {need:g} year{'s' if need != 1 else ''} since registration; "
            f"yours has {_years(applicant.firm_age_years, 'en')}",
        )
    ]


def _tax_rating(applicant: Applicant, product: ProductRules):
    need = product.min_tax_rating
    if not applicant.tax_rating:
        return [
            (
                f"需纳税信用{need}级及以上，当前无纳税信用等级",
                f"Needs a tax credit rating of {need} or better; none yet",
            )
        ]
    return [
        (
            f"需纳税信用{need}级及以上，当前为{applicant.tax_rating}级",
            f"Needs a tax credit rating of {need} or better; yours is {applicant.tax_rating}",
        )
    ]


def _customs_class(applicant: Applicant, product: ProductRules):
    accepted = [CUSTOMS_WORDS[value] for value in product.customs_classes]
    mine = CUSTOMS_WORDS.get(applicant.customs_class)
    return [
        (
            f"需海关信用等级为{'或'.join(a[0] for a in accepted)}，当前" + (f"为{mine[0]}" if mine else "无海关记录"),
            f"Needs a customs credit class of {' or '.join(a[1] for a in accepted)}; "
            + (f"yours is {mine[1]}" if mine else "no customs record"),
        )
    ]


def _risk_grade(applicant: Applicant, product: ProductRules):
    need = product.max_risk_grade
    return [
        (
            f"风险等级需不低于{need}级，当前为{applicant.grade}级",
            f"Needs a risk grade of {need} or better; yours is {applicant.grade}",
        )
    ]


def _probability_of_default(applicant: Applicant, product: ProductRules):
    need = float(product.max_probability_of_default)
    return [
        (
            f"需预测违约概率不高于{need:.2%}，当前为{applicant.probability_of_default:.2%}",
            f"Needs a predicted default probability of at most {need:.2%}; yours is "
            f"{applicant.probability_of_default:.2%}",
        )
    ]


def _minimum_money(value: float, minimum, what_zh: str, what_en: str):
    need = _yuan(float(minimum))
    if math.isnan(value):
        return [
            (
                f"需最近年度{what_zh}不低于{need[0]}，当前无记录",
                f"Needs {what_en} of at least {need[1]}; none on record",
            )
        ]
    have = _yuan(value)
    return [
        (
            f"需最近年度{what_zh}不低于{need[0]}，当前为{have[0]}",
            f"Needs {what_en} of at least {need[1]}; yours is {have[1]}",
        )
    ]


def _tax_paid(applicant: Applicant, product: ProductRules):
    return _minimum_money(applicant.tax_paid, product.min_annual_tax_paid, "纳税额", "tax paid in the latest year")


def _revenue(applicant: Applicant, product: ProductRules):
    return _minimum_money(applicant.revenue, product.min_annual_revenue, "营业收入", "revenue in the latest year")


def consent_allows(consent: Mapping[int, frozenset[str]], bank_id: int, policy_tags: Iterable[str]) -> bool:
    """Whether a product of the bank may be offered under the firm's consent: the bank may see the firm's
    public credit record, and every source the product's policy tags need."""
    shared = consent.get(bank_id, frozenset())
    return SOURCE_EVERY_BANK_NEEDS in shared and all(TAG_SOURCE[tag] in shared for tag in policy_tags)


def shared_with_bank(applicant: Applicant, product: ProductRules) -> frozenset[str]:
    """The sources the firm lets the product's bank see (none where consent is not judged)."""
    return (applicant.consent or {}).get(product.bank_id, frozenset())


def _consent(applicant: Applicant, product: ProductRules):
    if applicant.consent is None or SOURCE_EVERY_BANK_NEEDS in shared_with_bank(applicant, product):
        return []
    return [
        (
            "需授权平台向该产品所属银行提供本企业的公共信用信息",
            "You need to authorise sharing your public credit record with this product's bank",
        )
    ]


def _policy_tag(applicant: Applicant, product: ProductRules):
    shared = shared_with_bank(applicant, product)
    missing = [tag for tag in product.policy_tags if TAG_SOURCE[tag] not in shared]
    return [(f"需{TAG_WORDS[tag][0]}", f"You need to {TAG_WORDS[tag][1]}") for tag in missing]


_REASONS = {
    "policy": _policy,
    "consent": _consent,
    "guarantee": _guarantee,
    "amount": _amount,
    "term": _term,
    "region": _region,
    "industry": _industry,
    "kind": _kind,
    "firm_age": _firm_age,
    "tax_rating": _tax_rating,
    "customs_class": _customs_class,
    "risk_grade": _risk_grade,
    "probability_of_default": _probability_of_default,
    "tax_paid": _tax_paid,
    "revenue": _revenue,
    "policy_tag": _policy_tag,
}
