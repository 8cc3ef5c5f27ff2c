"""Eligibility: each rule type, the reason it gives, and what would change the verdict."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from creditloan.models.records import TaxCreditRating
from matching.eligibility import (
    CUSTOMS_BITS,
    GUARANTEE_RANK,
    KIND_BITS,
    RISK_GRADE_RANK,
    RULES,
    TAG_SOURCE,
    Applicant,
    ProductRules,
    ProductTable,
    _section,
)
from scoring.ml.features import TAX_RATING_ORDINAL

FIRM = Applicant(
    region="440305",
    industry="3911",
    kind="company",
    firm_age_years=4.2,
    tax_rating="C",
    customs_class="",
    tax_paid=80_000.0,
    revenue=math.nan,
    grade="C",
    probability_of_default=0.04,
    amount=500_000.0,
    term_months=12,
    guarantee_mode="credit",
)


def product(**rules) -> ProductRules:
    terms = {
        "product_id": 1,
        "guarantee_mode": "credit",
        "amount_min": 100_000,
        "amount_max": 3_000_000,
        "term_min_months": 3,
        "term_max_months": 24,
    }
    return ProductRules(**(terms | rules))


def verdict(rules: ProductRules, applicant: Applicant = FIRM) -> list[dict]:
    table = ProductTable([rules])
    verdicts = table.evaluate(applicant)
    return table.reasons(applicant, verdicts, 0) if not verdicts.eligible[0] else []


def test_a_product_without_rules_is_open_to_a_firm_within_its_terms():
    assert verdict(product()) == []


@pytest.mark.parametrize(
    ("rules", "rule", "reason_zh", "reason_en"),
    [
        (
            {"min_tax_rating": "B"},
            "tax_rating",
            "需纳税信用B级及以上，当前为C级",
            "Needs a tax credit rating of B or better; yours is C",
        ),
        (
            {"amount_max": 300_000},
            "amount",
            "申请金额需在10万元至30万元之间，当前为50万元",
            "The amount must be between ¥100,000 and ¥300,000; you asked for ¥500,000",
        ),
        (
            {"term_min_months": 18},
            "term",
            "期限需在18至24个月之间，当前为12个月",
            "The term must be 18 to 24 months; you asked for 12",
        ),
        (
            {"guarantee_mode": "collateral"},
            "guarantee",
            "该产品的担保方式为抵质押，您选择的是信用",
            "Needs collateral; you chose credit",
        ),
        (
            {"regions": ["11"]},
            "region",
            "仅限北京市的企业，当前注册地为广东省深圳市南山区",
            "Only for firms registered in 北京市; yours is in 广东省深圳市南山区",
        ),
        (
            {"industries_excluded": ["C"]},
            "industry",
            "不支持制造业",
            "Not offered to firms in Manufacturing",
        ),
        (
            {"enterprise_kinds": ["sole_proprietor"]},
            "kind",
            "仅限个体工商户，当前为公司",
            "Only for sole proprietors; yours is a company",
        ),
        (
            {"min_firm_age_years": 5},
            "firm_age",
            "需成立满5年，当前4.2年",
            "Needs 5 years since registration; yours has 4.2 years",
        ),
        (
            {"customs_classes": ["advanced_certified"]},
            "customs_class",
            "需海关信用等级为高级认证企业，当前无海关记录",
            "Needs a customs credit class of advanced certified; no customs record",
        ),
        (
            {"max_risk_grade": "B"},
            "risk_grade",
            "风险等级需不低于B级，当前为C级",
            "Needs a risk grade of B or better; yours is C",
        ),
        (
            {"max_probability_of_default": 0.03},
            "probability_of_default",
            "需预测违约概率不高于3.00%，当前为4.00%",
            "Needs a predicted default probability of at most 3.00%; yours is 4.00%",
        ),
        (
            {"min_annual_tax_paid": 100_000},
            "tax_paid",
            "需最近年度纳税额不低于10万元，当前为8万元",
            "Needs tax paid in the latest year of at least ¥100,000; yours is ¥80,000",
        ),
        (
            {"min_annual_revenue": 1_000_000},
            "revenue",
            "需最近年度营业收入不低于100万元，当前无记录",
            "Needs revenue in the latest year of at least ¥1,000,000; none on record",
        ),
        (
            {"policy_tags": ["tax_data"]},
            "policy_tag",
            "需授权向该银行共享纳税数据",
            "You need to authorise sharing of tax data with this bank",
        ),
    ],
)
def test_each_rule_a_firm_fails_says_why_and_what_would_change_it(rules, rule, reason_zh, reason_en):
    assert verdict(product(**rules)) == [{"rule": rule, "reason_zh": reason_zh, "reason_en": reason_en}]


@pytest.mark.parametrize(
    "rules",
    [
        {"min_tax_rating": "C"},
        {"regions": ["44"]},
        {"regions": ["4403"]},
        {"regions": ["440305", "11"]},
        {"industries_included": ["C"]},
        {"industries_included": ["39"]},
        {"industries_excluded": ["F"]},
        {"enterprise_kinds": ["company", "other"]},
        {"min_firm_age_years": 4},
        {"max_risk_grade": "C"},
        {"max_probability_of_default": 0.04},
        {"min_annual_tax_paid": 80_000},
    ],
)
def test_a_firm_that_meets_a_rule_passes_it(rules):
    assert verdict(product(**rules)) == []


def test_a_firm_that_can_offer_collateral_may_also_take_a_credit_or_guaranteed_loan():
    offers_collateral = FIRM.__class__(**{**FIRM.__dict__, "guarantee_mode": "collateral"})

    assert verdict(product(guarantee_mode="credit"), offers_collateral) == []
    assert verdict(product(guarantee_mode="guarantee"), offers_collateral) == []


def test_a_source_shared_with_the_products_bank_meets_its_policy_tag():
    authorised = FIRM.__class__(**{**FIRM.__dict__, "consent": {7: frozenset({"public_credit", "tax"})}})

    assert verdict(product(bank_id=7, policy_tags=["tax_data"]), authorised) == []


def test_a_product_of_a_bank_the_firm_shares_nothing_with_fails_on_consent_alone():
    other_bank_only = FIRM.__class__(**{**FIRM.__dict__, "consent": {8: frozenset({"public_credit", "tax"})}})

    assert [reason["rule"] for reason in verdict(product(bank_id=7), other_bank_only)] == ["consent"]
    assert [reason["rule"] for reason in verdict(product(bank_id=7, policy_tags=["tax_data"]), other_bank_only)] == [
        "consent",
        "policy_tag",
    ]


def test_where_consent_is_not_judged_no_product_fails_on_it():
    assert FIRM.consent is None
    assert verdict(product(bank_id=7)) == []


def test_a_firm_excluded_by_a_policy_rule_is_eligible_for_nothing_and_told_why():
    listed = FIRM.__class__(
        **{
            **FIRM.__dict__,
            "exclusions": ({"rule": "dishonest-judgment-debtor", "reason_zh": "失信被执行人", "reason_en": "listed"},),
        }
    )

    assert verdict(product(), listed) == [{"rule": "policy", "reason_zh": "失信被执行人", "reason_en": "listed"}]


def test_every_failed_rule_of_a_product_is_listed():
    reasons = verdict(product(min_tax_rating="A", max_risk_grade="A", term_min_months=24))

    assert [reason["rule"] for reason in reasons] == ["term", "tax_rating", "risk_grade"]


def test_all_products_are_judged_at_once_and_each_keeps_its_own_verdict():
    products = [product(product_id=i, min_tax_rating="ABMCD"[i % 5]) for i in range(10_000)]
    table = ProductTable(products)

    verdicts = table.evaluate(FIRM)

    # C meets minimums of C, D; fails A, B, M.
    assert verdicts.eligible.sum() == 4000
    assert np.array_equal(verdicts.eligible, np.array([i % 5 in (3, 4) for i in range(10_000)]))


def test_a_figure_just_below_a_limit_never_reads_as_reaching_it():
    just_short = FIRM.__class__(**{**FIRM.__dict__, "tax_paid": 14_999.0, "firm_age_years": 2.996})

    reasons = verdict(product(min_annual_tax_paid=15_000, min_firm_age_years=3.0), just_short)

    assert [reason["reason_zh"] for reason in reasons] == [
        "需成立满3年，当前2.99年",
        "需最近年度纳税额不低于1.5万元，当前为1.4999万元",
    ]


def test_a_firm_meets_a_minimum_age_on_the_anniversary_itself():
    a_year_old = FIRM.__class__(**{**FIRM.__dict__, "firm_age_years": 365 / 365.25})

    assert verdict(product(min_firm_age_years=1.0), a_year_old) == []


def plainly_failed(applicant: Applicant, rules: ProductRules) -> dict[str, bool]:
    """Each rule read as its product sheet states it, one product at a time: what the vector pass must agree
    with."""
    industry = {applicant.industry[:2], _section(applicant.industry)}
    tax = TAX_RATING_ORDINAL.get(applicant.tax_rating)
    grade = RISK_GRADE_RANK.get(applicant.grade)

    shared = (applicant.consent or {}).get(rules.bank_id, frozenset())

    def below(value, minimum):
        return minimum is not None and (math.isnan(value) or value < minimum)

    return {
        "policy": bool(applicant.exclusions),
        "guarantee": GUARANTEE_RANK[applicant.guarantee_mode] < GUARANTEE_RANK[rules.guarantee_mode],
        "amount": not rules.amount_min <= applicant.amount <= rules.amount_max,
        "term": not rules.term_min_months <= applicant.term_months <= rules.term_max_months,
        "region": bool(rules.regions) and not any(applicant.region.startswith(code) for code in rules.regions),
        "industry": bool(rules.industries_included)
        and not industry & set(rules.industries_included)
        or bool(industry & set(rules.industries_excluded)),
        "kind": bool(rules.enterprise_kinds) and applicant.kind not in rules.enterprise_kinds,
        "firm_age": below(applicant.firm_age_years + 1 / 365.25, rules.min_firm_age_years),
        "tax_rating": bool(rules.min_tax_rating) and (tax is None or tax < TAX_RATING_ORDINAL[rules.min_tax_rating]),
        "customs_class": bool(rules.customs_classes) and applicant.customs_class not in rules.customs_classes,
        "risk_grade": bool(rules.max_risk_grade) and grade > RISK_GRADE_RANK[rules.max_risk_grade],
        "probability_of_default": rules.max_probability_of_default is not None
        and applicant.probability_of_default > rules.max_probability_of_default,
        "tax_paid": below(applicant.tax_paid, rules.min_annual_tax_paid),
        "revenue": below(applicant.revenue, rules.min_annual_revenue),
        "consent": applicant.consent is not None and "public_credit" not in shared,
        "policy_tag": not all(TAG_SOURCE[tag] in shared for tag in rules.policy_tags),
    }


def some(values):
    return st.lists(st.sampled_from(values), max_size=2, unique=True)


def maybe(strategy):
    return st.none() | strategy


# Limits and figures drawn from one short list, so that a figure often sits exactly on a limit.
money = st.sampled_from([15_000.0, 80_000.0, 1_000_000.0])
products = st.builds(
    ProductRules,
    product_id=st.integers(1, 10**9),
    guarantee_mode=st.sampled_from(list(GUARANTEE_RANK)),
    amount_min=st.sampled_from([10_000.0, 100_000.0, 500_000.0]),
    amount_max=st.sampled_from([500_000.0, 3_000_000.0]),
    term_min_months=st.sampled_from([1, 6, 12]),
    term_max_months=st.sampled_from([12, 36]),
    regions=some(["44", "4403", "440305", "11", "3101"]),
    industries_included=some(["C", "39", "F", "51"]),
    industries_excluded=some(["K", "66", "39"]),
    enterprise_kinds=some(list(KIND_BITS)),
    min_firm_age_years=maybe(st.sampled_from([1.0, 2.0, 4.2])),
    min_tax_rating=st.sampled_from(["", *TAX_RATING_ORDINAL]),
    customs_classes=some(list(CUSTOMS_BITS)),
    max_risk_grade=st.sampled_from(["", *RISK_GRADE_RANK]),
    max_probability_of_default=maybe(st.sampled_from([0.02, 0.04, 0.1])),
    min_annual_tax_paid=maybe(money),
    min_annual_revenue=maybe(money),
    policy_tags=some(list(TAG_SOURCE)),
    bank_id=st.integers(1, 3),
)
applicants = st.builds(
    Applicant,
    region=st.sampled_from(["440305", "440105", "110101", "310115"]),
    industry=st.sampled_from(["3911", "5211", "6611", "4710", "0111"]),
    kind=st.sampled_from([*KIND_BITS, "unknown"]),
    firm_age_years=st.just(math.nan) | st.sampled_from([0.5, 1.0 - 1 / 365.25, 4.2, 10.0]),
    tax_rating=st.sampled_from(["", *TAX_RATING_ORDINAL]),
    customs_class=st.sampled_from(["", *CUSTOMS_BITS]),
    tax_paid=st.just(math.nan) | money,
    revenue=st.just(math.nan) | money,
    grade=st.sampled_from(list(RISK_GRADE_RANK)),
    probability_of_default=st.sampled_from([0.01, 0.04, 0.2]),
    amount=st.sampled_from([10_000.0, 500_000.0, 3_000_000.0, 9_000_000.0]),
    term_months=st.sampled_from([1, 12, 36, 60]),
    guarantee_mode=st.sampled_from(list(GUARANTEE_RANK)),
    consent=st.none()
    | st.dictionaries(
        st.integers(1, 3), st.frozensets(st.sampled_from(["public_credit", "tax", "customs", "bank"])), max_size=3
    ),
    exclusions=st.sampled_from([(), ({"rule": "x", "reason_zh": "x", "reason_en": "x"},)]),
)


@given(st.lists(products, min_size=1, max_size=30), st.lists(applicants, min_size=1, max_size=5))
@settings(max_examples=300, deadline=None)
def test_the_vector_pass_agrees_with_each_rule_read_plainly(catalogue, applicants):
    table = ProductTable(catalogue)

    for applicant in applicants:
        expected = [plainly_failed(applicant, rules) for rules in catalogue]
        verdicts = table.evaluate(applicant)

        for rule in RULES:
            assert verdicts.failed[rule].tolist() == [failed[rule] for failed in expected], rule
        eligible = [not any(failed.values()) for failed in expected]
        assert table.eligible_positions(applicant).tolist() == np.flatnonzero(eligible).tolist()


def test_one_applicant_cannot_change_what_the_table_tells_the_next():
    table = ProductTable([product(enterprise_kinds=["company"]), product(product_id=2)])
    verdicts = table.evaluate(FIRM)

    with pytest.raises(ValueError, match="read-only"):
        verdicts.failed["kind"][0] = True


def test_the_tax_ratings_rank_in_the_order_the_records_declare_them():
    """One order of A > B > M > C > D: the records' choices (the operator's minimum rating, a firm's rating) and
    the ordinal the model and eligibility read must never disagree."""
    assert list(TAX_RATING_ORDINAL) == list(TaxCreditRating.values)
    assert list(TAX_RATING_ORDINAL.values()) == sorted(TAX_RATING_ORDINAL.values(), reverse=True)
