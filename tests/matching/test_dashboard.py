"""The dashboards' figures read each stage's own time: the funnel (applications, and a bank's own offers), how
fast banks answer, what a bank paid out and why it declined."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from creditloan.models import Enterprise
from matching import dashboard
from matching.dashboard import Spread
from matching.models import Loan, Offer
from tests.factories import ApplicationFactory, BankFactory, EnterpriseFactory, LoanProductFactory

START = timezone.now() - dt.timedelta(days=20)
SINCE = timezone.localdate(START) - dt.timedelta(days=1)


def hours(n: float) -> dt.datetime:
    return START + dt.timedelta(hours=n)


def offer(product, *, status: str, accepted=None, decided=None, disbursed=None, **fields) -> Offer:
    """An offer made at START to the product, with each stage's time given in hours after it (None: not reached)."""
    return Offer.objects.create(
        application=ApplicationFactory(enterprise=Enterprise.objects.first(), submitted_at=START),
        product=product,
        bank=product.bank,
        rank=1,
        status=status,
        offered_at=START,
        deadline=hours(72),
        accepted_at=None if accepted is None else hours(accepted),
        decided_at=None if decided is None else hours(decided),
        disbursed_at=None if disbursed is None else hours(disbursed),
        **fields,
    )


@pytest.fixture
def products(db) -> dict:
    EnterpriseFactory()  # the one firm every application here is from
    return {code: LoanProductFactory(bank=BankFactory(code=code)) for code in ("A", "B")}


@pytest.fixture
def offers_at_a(products) -> dict[str, Offer]:
    """Bank A's offers, one at each point a bank's answer can leave it."""
    a = products["A"]
    return {
        "under_review": offer(a, status="accepted", accepted=2),
        "declined_after_review": offer(a, status="declined", accepted=4, decided=28, decline_reason="high_leverage"),
        "declined_at_once": offer(a, status="declined", decided=6, decline_reason="insufficient_credit"),
        "approved": offer(a, status="approved", accepted=8, decided=56),
        "paid_out": offer(a, status="disbursed", accepted=10, decided=82, disbursed=130),
        "lapsed": offer(a, status="lapsed"),
    }


def test_the_funnel_counts_each_stage_from_its_own_time(offers_at_a, products):
    # Approved and paid out before stages kept their own times: its 接单 time was overwritten, yet it was taken up.
    offer(products["B"], status="disbursed", decided=30, disbursed=50)

    steps = dashboard.funnel(since=SINCE)

    assert steps == {"applied": 7, "matched": 7, "offered": 7, "accepted": 5, "approved": 3, "disbursed": 2}


def test_a_banks_funnel_counts_only_its_own_offers(offers_at_a, products):
    offer(products["B"], status="disbursed", accepted=1, decided=2, disbursed=3)

    assert dashboard.bank_funnel(since=SINCE, bank=products["A"].bank) == {
        "offered": 6,
        "accepted": 4,
        "approved": 2,
        "disbursed": 1,
    }
    assert dashboard.bank_funnel(since=SINCE, bank=products["B"].bank) == {
        "offered": 1,
        "accepted": 1,
        "approved": 1,
        "disbursed": 1,
    }


def test_answer_times_measure_the_first_answer_and_review_to_decision_in_calendar_hours(offers_at_a, products):
    times = dashboard.answer_times(since=SINCE, bank=products["A"].bank)

    # First answers after 2, 4, 6, 8 and 10 hours (the lapsed offer never answered); decisions 24, 48 and 72
    # hours after 接单 (the offer declined at once had no review).
    assert times.first_answer == Spread(count=5, median=6.0, p90=pytest.approx(9.2))
    assert times.decision == Spread(count=3, median=48.0, p90=pytest.approx(67.2))


def test_a_banks_figures_read_the_decision_not_the_acceptance(offers_at_a, products):
    Loan.objects.create(
        offer=offers_at_a["paid_out"], amount=Decimal("300000"), annual_rate=Decimal("0.05"), term_months=12,
        disbursed_on=timezone.localdate(hours(130)),
    )  # fmt: skip

    (figures,) = dashboard.bank_figures(since=SINCE, bank=products["A"].bank)

    assert (figures.offers, figures.answered, figures.approved, figures.declined, figures.lapsed) == (6, 5, 2, 2, 1)
    assert (figures.approval_rate, figures.median_response_hours, figures.median_decision_hours) == (0.5, 6.0, 48.0)
    assert figures.disbursed_amount == 300000.0


def test_a_bank_with_no_answers_has_no_answer_times(products):
    offer(products["B"], status="offered")

    times = dashboard.answer_times(since=SINCE, bank=products["B"].bank)

    assert times.first_answer == times.decision == Spread(count=0, median=None, p90=None)


def test_decline_reasons_are_the_banks_own_most_given_first(offers_at_a, products):
    offer(products["A"], status="declined", decided=9, decline_reason="high_leverage")
    offer(products["B"], status="declined", decided=9, decline_reason="collateral")

    reasons = dashboard.decline_reasons(since=SINCE, bank=products["A"].bank)

    assert reasons == [("high_leverage", 2), ("insufficient_credit", 1)]


def test_payouts_by_month_can_be_one_banks(offers_at_a, products):
    paid_at_b = offer(products["B"], status="disbursed", accepted=1, decided=2, disbursed=3)
    day = timezone.localdate(START)
    for paid, amount in ((offers_at_a["paid_out"], "300000"), (paid_at_b, "700000")):
        Loan.objects.create(
            offer=paid, amount=Decimal(amount), annual_rate=Decimal("0.05"), term_months=12, disbursed_on=day
        )

    assert dashboard.disbursed_by_month(since=SINCE, bank=products["A"].bank) == [(f"{day:%Y-%m}", 300000.0, 1)]
    assert dashboard.disbursed_by_month(since=SINCE) == [(f"{day:%Y-%m}", 1000000.0, 2)]
