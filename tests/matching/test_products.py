"""Loan products: their rules are validated with errors that say what is wrong, and the verdicts an applicant
sees come from every offered product."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from creditloan.models import Bank, Enterprise
from matching.models import LoanProduct
from matching.selectors import applicant_of, eligibility
from scoring.models import ModelVersion, Score
from tests.factories import EnterpriseFactory


def product(bank, **changes) -> LoanProduct:
    values = {
        "bank": bank,
        "code": "HX-TAX",
        "name": "税易贷",
        "guarantee_mode": "credit",
        "repayment_methods": ["equal_instalments"],
        "amount_min": Decimal("100000"),
        "amount_max": Decimal("3000000"),
        "term_min_months": 3,
        "term_max_months": 12,
        "rate_min": Decimal("0.0385"),
        "rate_max": Decimal("0.0650"),
    } | changes
    return LoanProduct(**values)


def errors_of(item: LoanProduct) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as error:
        item.full_clean()
    return error.value.message_dict


def test_a_product_with_sound_rules_validates(bank):
    product(
        bank,
        regions=["44", "4403", "110105"],
        industries_included=["C", "51"],
        industries_excluded=["39"],
        enterprise_kinds=["company"],
        min_tax_rating="B",
        customs_classes=["advanced_certified"],
        max_risk_grade="C",
        max_probability_of_default=0.05,
        policy_tags=["tax_data"],
    ).full_clean()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"amount_max": Decimal("50000")}, "amount_max", "the maximum amount 50000 is below the minimum 100000"),
        ({"term_max_months": 2}, "term_max_months", "the longest term 2 is shorter than the shortest 3"),
        ({"rate_max": Decimal("0.03")}, "rate_max", "the highest rate 3.00% is below the lowest 3.85%"),
        ({"regions": ["99"]}, "regions", "not GB/T 2260 prefixes: 99"),
        ({"regions": ["4400"]}, "regions", "not GB/T 2260 prefixes: 4400"),
        ({"regions": ["44", "4403", "44"]}, "regions", "listed more than once: 44"),
        (
            {"industries_included": ["C"], "industries_excluded": ["C"]},
            "industries_excluded",
            "both included and excluded: C",
        ),
        ({"regions": ["4403x"]}, "regions", "not GB/T 2260 prefixes: 4403x"),
        ({"regions": "44"}, "regions", "a list of codes as text"),
        ({"industries_included": ["Z"]}, "industries_included", "not GB/T 4754 sections (A–T) or divisions (01–97): Z"),
        ({"industries_excluded": ["00"]}, "industries_excluded", "not GB/T 4754 sections"),
        (
            {"enterprise_kinds": ["bank"]},
            "enterprise_kinds",
            "unknown: bank; choose from company, sole_proprietor, cooperative, other",
        ),
        ({"customs_classes": ["gold"]}, "customs_classes", "unknown: gold"),
        ({"policy_tags": ["vip"]}, "policy_tags", "unknown: vip; choose from tax_data, customs_data, bank_data"),
        ({"repayment_methods": ["balloon"]}, "repayment_methods", "unknown: balloon"),
        ({"min_tax_rating": "E"}, "min_tax_rating", "not a valid choice"),
        ({"max_risk_grade": "F"}, "max_risk_grade", "not a valid choice"),
    ],
)
def test_a_broken_rule_is_refused_naming_the_field_and_the_problem(bank, changes, field, message):
    errors = errors_of(product(bank, **changes))

    assert field in errors
    assert message in " ".join(errors[field])


@pytest.mark.parametrize(
    "changes",
    [{"max_probability_of_default": 1.5}, {"min_firm_age_years": Decimal("-1")}, {"min_annual_revenue": Decimal("-5")}],
)
def test_the_database_refuses_impossible_limits_whatever_the_code_path(bank, changes):
    with pytest.raises(IntegrityError), transaction.atomic():
        product(bank, **changes).save()


@pytest.fixture
def firm_with_a_score(db) -> tuple[Enterprise, Score]:
    now = timezone.now()
    firm = EnterpriseFactory()
    version = ModelVersion.objects.create(
        number=1, model_text="tree\n", manifest={}, sha256="0" * 64, beats_baseline=True, trained_at=now
    )
    score = Score.objects.create(
        enterprise=firm,
        model_version=version,
        as_of=dt.date(2026, 10, 31),
        probability_of_default=0.04,
        points=560,
        grade="C",
        features={"firm_age_years": 8.5, "tax_rating": 2.0, "customs_class": None, "tax_paid_latest_year": 80000.0},
        reasons={"raised": [], "lowered": []},
        created_at=now,
    )
    return firm, score


def test_an_applicant_sees_every_offered_product_eligible_first_with_reasons_for_the_rest(bank, firm_with_a_score):
    firm, score = firm_with_a_score
    open_one = product(bank, code="HX-OPEN", name="信易贷")
    strict = product(bank, code="HX-TAX", min_tax_rating="B", regions=["11"])
    paused = product(bank, code="HX-PAUSED", active=False)
    for item in (strict, open_one, paused):
        item.save()
    applicant = applicant_of(enterprise=firm, score=score, amount=500_000, term_months=12, guarantee_mode="credit")

    verdicts = eligibility(applicant=applicant)

    assert [(v.product.code, v.eligible) for v in verdicts] == [("HX-OPEN", True), ("HX-TAX", False)]
    assert [reason["reason_zh"] for reason in verdicts[1].reasons] == [
        "仅限北京市的企业，当前注册地为广东省深圳市南山区",
        "需纳税信用B级及以上，当前为C级",
    ]


def test_a_paused_bank_offers_nothing(bank, firm_with_a_score):
    firm, score = firm_with_a_score
    product(bank).save()
    Bank.objects.filter(pk=bank.pk).update(active=False)
    applicant = applicant_of(enterprise=firm, score=score, amount=500_000, term_months=12, guarantee_mode="credit")

    assert eligibility(applicant=applicant) == []


def test_a_region_written_out_in_full_is_kept_as_the_prefix_it_stands_for(bank):
    item = product(bank, regions=["440300", "110000", "440305"])

    item.full_clean()

    assert item.regions == ["4403", "11", "440305"]
