"""The repayment schedule: principal that sums to the amount to the fen, the figures a bank's own formula gives,
and a module that imports without Django."""

import subprocess
import sys
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from matching.models import RepaymentMethod
from matching.repayment import METHODS, repayment_schedule

REPO = Path(__file__).resolve().parents[2]

TERMS = [
    ("400000.00", "0.0450", 12),
    ("100000.01", "0.0385", 7),
    ("1234567.89", "0.0401", 36),
    ("3000000.00", "0.0799", 24),
    ("150000.00", "0", 5),
    ("0.05", "0.0600", 8),
]


def annuity(amount: str, annual_rate: str, months: int) -> Decimal:
    """The equal instalment by its textbook formula A·r·(1+r)^n / ((1+r)^n − 1), in exact fractions, to the fen."""
    a, r = Fraction(amount), Fraction(annual_rate) / 12
    growth = (1 + r) ** months
    exact = a * r * growth / (growth - 1)
    return (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(("amount", "annual_rate", "months"), TERMS)
def test_the_principal_repaid_sums_to_the_amount_to_the_fen(method, amount, annual_rate, months):
    schedule = repayment_schedule(amount=amount, annual_rate=annual_rate, term_months=months, method=method)

    assert sum(instalment.principal for instalment in schedule.instalments) == Decimal(amount)
    assert [instalment.number for instalment in schedule.instalments] == list(range(1, months + 1))
    assert schedule.instalments[-1].balance == 0
    assert all(instalment.principal >= 0 and instalment.interest >= 0 for instalment in schedule.instalments)
    assert all(instalment.payment.as_tuple().exponent == -2 for instalment in schedule.instalments)
    assert schedule.total_repayment == sum(instalment.payment for instalment in schedule.instalments)
    assert schedule.total_repayment == Decimal(amount) + schedule.total_interest


def test_400000_at_4_5_percent_over_a_year_in_equal_instalments_is_34151_41_a_month():
    schedule = repayment_schedule(amount="400000", annual_rate="0.0450", term_months=12, method="equal_instalments")

    payments = [instalment.payment for instalment in schedule.instalments]
    assert annuity("400000", "0.0450", 12) == Decimal("34151.41")
    assert payments[:-1] == [Decimal("34151.41")] * 11
    assert payments[-1] == Decimal("34151.40")  # the last takes up the rounding
    assert schedule.instalments[0].interest == Decimal("1500.00")  # 400,000 × 4.5% ÷ 12
    assert schedule.monthly_rate == Decimal("0.00375")
    assert schedule.total_interest == Decimal("9816.91")
    assert schedule.total_repayment == Decimal("409816.91")


# A real loan's terms: with interest, and an amount the fen's rounding does not swamp.
LOANS = [(amount, rate, months) for amount, rate, months in TERMS if rate != "0" and Decimal(amount) >= 1000]


@pytest.mark.parametrize(("amount", "annual_rate", "months"), LOANS)
def test_equal_instalments_are_the_textbook_annuity_and_the_last_differs_by_rounding_only(amount, annual_rate, months):
    schedule = repayment_schedule(
        amount=amount, annual_rate=annual_rate, term_months=months, method="equal_instalments"
    )

    expected = annuity(amount, annual_rate, months)
    assert {instalment.payment for instalment in schedule.instalments[:-1]} <= {expected}
    assert abs(schedule.last_payment - expected) <= Decimal("0.01") * months


def test_equal_principal_repays_a_twelfth_each_month_and_its_first_month_carries_a_full_months_interest():
    schedule = repayment_schedule(amount="400000", annual_rate="0.0450", term_months=12, method="equal_principal")

    first, last = schedule.instalments[0], schedule.instalments[-1]
    assert (first.principal, first.interest, first.payment) == (
        Decimal("33333.33"),
        Decimal("1500.00"),
        Decimal("34833.33"),
    )
    assert (last.principal, last.interest) == (Decimal("33333.37"), Decimal("125.00"))
    payments = [instalment.payment for instalment in schedule.instalments]
    assert payments == sorted(payments, reverse=True)
    assert schedule.total_interest == Decimal("9750.00")  # 400,000 × 0.375% × (12 + 11 + … + 1) / 12


def test_interest_first_pays_interest_monthly_and_the_principal_with_the_last_payment():
    schedule = repayment_schedule(amount="400000", annual_rate="0.0450", term_months=12, method="interest_first")

    assert [instalment.payment for instalment in schedule.instalments[:-1]] == [Decimal("1500.00")] * 11
    assert (schedule.instalments[-1].principal, schedule.last_payment) == (Decimal("400000.00"), Decimal("401500.00"))
    assert schedule.total_interest == Decimal("18000.00")
    assert not schedule.upper_bound


def test_draw_and_repay_any_time_is_shown_as_its_upper_bound_the_whole_amount_for_the_whole_term():
    flexible = repayment_schedule(amount="400000", annual_rate="0.0450", term_months=12, method="flexible")
    interest_first = repayment_schedule(amount="400000", annual_rate="0.0450", term_months=12, method="interest_first")

    assert flexible.upper_bound
    assert flexible.instalments == interest_first.instalments


def test_without_interest_equal_instalments_split_the_amount_and_the_last_takes_the_remainder():
    schedule = repayment_schedule(amount="100000", annual_rate="0", term_months=3, method="equal_instalments")

    assert [instalment.payment for instalment in schedule.instalments] == [
        Decimal("33333.33"),
        Decimal("33333.33"),
        Decimal("33333.34"),
    ]
    assert schedule.total_interest == 0


@pytest.mark.parametrize(
    ("terms", "message"),
    [
        ({"method": "balloon"}, "unknown repayment method 'balloon'"),
        ({"amount": "0"}, "not a positive number of yuan and fen"),
        ({"amount": "100.001"}, "not a positive number of yuan and fen"),
        ({"annual_rate": "-0.01"}, "is negative"),
        ({"term_months": 0}, "is not a whole number of months from 1"),
        ({"term_months": True}, "is not a whole number of months from 1"),
    ],
)
def test_terms_no_loan_can_have_are_refused_with_what_is_wrong(terms, message):
    given = {"amount": "1000", "annual_rate": "0.05", "term_months": 12, "method": "equal_principal"} | terms

    with pytest.raises(ValueError, match=message):
        repayment_schedule(**given)


def test_the_schedules_methods_are_the_products_repayment_methods():
    assert set(METHODS) == set(RepaymentMethod.values)


def test_the_schedule_imports_no_django():
    check = "import sys, matching.repayment; sys.exit(any(m.split('.')[0] == 'django' for m in sys.modules))"

    result = subprocess.run([sys.executable, "-c", check], cwd=REPO, capture_output=True, text=True)

    assert result.returncode == 0, result.stderr or "matching.repayment imports Django"
