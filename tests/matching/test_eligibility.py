"""Eligibility: each rule type, the reason it gives, and what would change the verdict."""

import math

import numpy as np
import pytest

from matching.eligibility import Applicant, ProductRules, ProductTable

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
            "需提供抵质押方式，当前选择信用",
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
            "需风险等级B级或更好，当前为C级",
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
            "需授权共享纳税数据",
            "You need to authorise sharing of tax data",
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


def test_an_authorised_source_meets_its_policy_tag():
    authorised = FIRM.__class__(**{**FIRM.__dict__, "authorised_sources": frozenset({"tax"})})

    assert verdict(product(policy_tags=["tax_data"]), authorised) == []


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
