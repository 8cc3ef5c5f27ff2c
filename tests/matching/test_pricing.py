"""Pricing: the LPR in force and the sane range it sets for a product's rates, and the estimated credit line and
rate a firm sees for a product before it applies."""

import datetime as dt
import importlib
import math
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError

from creditloan.errors import DomainError
from creditloan.models import LoanPrimeRate
from matching.pricing import (
    CEILING_WITHOUT_LPR,
    applicant_estimate,
    credit_line_estimate,
    prime_rate_in_force,
    product_rate_bounds,
)
from matching.selectors import applicant_from
from matching.services import prime_rate_record
from scoring.ml.scale import GRADES
from scoring.models import Score
from tests.matching.test_products import product

PRODUCT = {"amount_min": 100_000, "amount_max": 3_000_000, "rate_min": "0.0385", "rate_max": "0.0650"}


@pytest.fixture
def lpr_only(db):
    """The published LPRs the migration keeps, replaced by one known figure."""
    LoanPrimeRate.objects.all().delete()
    return LoanPrimeRate.objects.create(
        effective_on=dt.date(2025, 5, 20), one_year=Decimal("0.0300"), five_year=Decimal("0.0350")
    )


def test_a_new_installation_keeps_the_published_lpr(db):
    """The migration's own figures (a test that empties the tables takes them away, so they are put back here)."""
    LoanPrimeRate.objects.all().delete()
    migration = importlib.import_module("creditloan.migrations.0019_loan_prime_rate")
    migration.published_rates_add(apps, None)

    assert prime_rate_in_force(dt.date(2026, 12, 7)).one_year == Decimal("0.0300")
    assert prime_rate_in_force(dt.date(2024, 11, 1)).one_year == Decimal("0.0310")


def test_the_estimate_reads_the_firms_grade_and_figures_as_the_rules_do(bank):
    score = Score(grade="A", features={"tax_paid_latest_year": 50_000.0, "declared_revenue_latest_year": None})
    applicant = applicant_from(
        region="440305", industry="C", kind="company", features=score.features, grade=score.grade,
        probability_of_default=0.01, exclusions=(), amount=300_000, term_months=12, guarantee_mode="credit",
    )  # fmt: skip
    estimate = applicant_estimate(applicant, product(bank))
    assert (estimate.amount, estimate.basis, estimate.rate) == (Decimal(500_000), "tax", Decimal("0.0385"))


def test_the_lpr_in_force_is_the_latest_published_on_or_before_the_day(lpr_only):
    LoanPrimeRate.objects.create(
        effective_on=dt.date(2026, 1, 20), one_year=Decimal("0.0280"), five_year=Decimal("0.0330")
    )
    assert prime_rate_in_force(dt.date(2026, 1, 19)).one_year == Decimal("0.0300")
    assert prime_rate_in_force(dt.date(2026, 1, 20)).one_year == Decimal("0.0280")
    assert prime_rate_in_force(dt.date(2025, 5, 19)) is None


def test_product_rates_lie_from_half_to_four_times_the_lpr(lpr_only):
    bounds = product_rate_bounds(dt.date(2026, 1, 1))
    assert (bounds.floor, bounds.ceiling) == (Decimal("0.0150"), Decimal("0.1200"))


def test_without_any_lpr_only_the_fixed_ceiling_holds(db):
    LoanPrimeRate.objects.all().delete()
    bounds = product_rate_bounds()
    assert (bounds.floor, bounds.ceiling, bounds.prime_rate) == (0, CEILING_WITHOUT_LPR, None)


def test_a_product_at_95_percent_a_year_is_refused_naming_the_lpr(lpr_only, bank):
    with pytest.raises(ValidationError) as refused:
        product(bank, rate_max=Decimal("0.9500")).full_clean()
    message = refused.value.message_dict["rate_max"][0]
    assert "95.00%" in message and "12.00%" in message and "3.00%" in message


def test_a_rate_below_half_the_lpr_is_refused_as_too_low(lpr_only, bank):
    with pytest.raises(ValidationError) as refused:
        product(bank, rate_min=Decimal("0.0004")).full_clean()
    assert "0.04%" in refused.value.message_dict["rate_min"][0]


def test_a_product_within_the_bounds_is_accepted(lpr_only, bank):
    product(bank, rate_min=Decimal("0.0150"), rate_max=Decimal("0.1200")).full_clean()


def test_the_operator_keeps_an_lpr_and_corrects_it(db):
    prime, created = prime_rate_record(
        effective_on=dt.date(2026, 11, 20), one_year=Decimal("0.029"), five_year=Decimal("0.034")
    )
    assert created and prime_rate_in_force(dt.date(2026, 12, 1)).one_year == Decimal("0.029")
    prime, created = prime_rate_record(
        effective_on=dt.date(2026, 11, 20), one_year=Decimal("0.028"), five_year=Decimal("0.034")
    )
    assert not created and LoanPrimeRate.objects.get(effective_on=dt.date(2026, 11, 20)).one_year == Decimal("0.028")


@pytest.mark.parametrize("rate", [Decimal(0), Decimal("0.21")])
def test_an_lpr_out_of_any_history_is_refused(db, rate):
    with pytest.raises(DomainError) as refused:
        prime_rate_record(effective_on=dt.date(2026, 11, 20), one_year=rate, five_year=Decimal("0.034"))
    assert refused.value.field == "one_year"


def test_the_line_is_a_multiple_of_tax_paid_by_grade_rounded_down_to_ten_thousand():
    estimate = credit_line_estimate(grade="B", tax_paid=123_456.0, revenue=3e6, **PRODUCT)
    assert (estimate.amount, estimate.basis) == (Decimal(980_000), "tax")  # 8 × 123,456 = 987,648 > 25 % of 3e6


def test_a_firm_paying_little_tax_on_large_revenue_is_sized_by_its_revenue():
    estimate = credit_line_estimate(grade="B", tax_paid=1_000.0, revenue=2e6, **PRODUCT)
    assert (estimate.amount, estimate.basis) == (Decimal(500_000), "revenue")


def test_without_tax_figures_the_line_is_a_share_of_revenue():
    estimate = credit_line_estimate(grade="C", tax_paid=math.nan, revenue=2_345_678.0, **PRODUCT)
    assert (estimate.amount, estimate.basis) == (Decimal(460_000), "revenue")  # 20 % of 2,345,678


def test_without_tax_or_revenue_figures_there_is_no_line_but_still_a_rate():
    estimate = credit_line_estimate(grade="A", tax_paid=math.nan, revenue=math.nan, **PRODUCT)
    assert (estimate.amount, estimate.basis, estimate.rate) == (None, "", Decimal("0.0385"))


def test_a_small_firm_is_told_its_figures_fall_short_of_the_minimum():
    estimate = credit_line_estimate(grade="D", tax_paid=5_000.0, revenue=math.nan, **PRODUCT)
    assert estimate.amount == Decimal(20_000) and estimate.below_minimum


@pytest.mark.parametrize("grade", GRADES)
@pytest.mark.parametrize("tax_paid", [0.0, 9_999.0, 1e5, 3e5, 1e6, 1e9])
@pytest.mark.parametrize("revenue", [math.nan, 1e4, 1e7, 1e11])
def test_the_line_never_exceeds_the_products_largest_amount_and_the_rate_stays_in_its_range(grade, tax_paid, revenue):
    estimate = credit_line_estimate(grade=grade, tax_paid=tax_paid, revenue=revenue, **PRODUCT)
    assert estimate.amount is None or 0 <= estimate.amount <= PRODUCT["amount_max"]
    assert not estimate.capped or estimate.amount == PRODUCT["amount_max"]
    assert Decimal(PRODUCT["rate_min"]) <= estimate.rate <= Decimal(PRODUCT["rate_max"])


def test_grade_a_gets_the_products_lowest_rate_and_e_its_highest_even_off_the_rounding_step():
    product = PRODUCT | {"rate_min": "0.0398", "rate_max": "0.0652"}
    rates = [credit_line_estimate(grade=grade, tax_paid=1e5, revenue=math.nan, **product).rate for grade in GRADES]
    assert rates == [Decimal("0.0398"), Decimal("0.0460"), Decimal("0.0525"), Decimal("0.0590"), Decimal("0.0652")]


def test_a_better_grade_never_gets_a_smaller_line_or_a_higher_rate():
    estimates = [credit_line_estimate(grade=grade, tax_paid=1e5, revenue=math.nan, **PRODUCT) for grade in GRADES]
    assert [e.amount for e in estimates] == sorted((e.amount for e in estimates), reverse=True)
    assert [e.rate for e in estimates] == sorted(e.rate for e in estimates)
    assert (estimates[0].rate, estimates[-1].rate) == (Decimal("0.0385"), Decimal("0.0650"))
