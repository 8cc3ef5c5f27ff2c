"""Routing: top K offers within capacity, re-routing after a decline or a lapse, and what an approval, a
disbursement or a withdrawal closes."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from creditloan.errors import DomainError
from creditloan.models import Application, User
from creditloan.models.accounts import Role
from matching.models import Bank, BankMonth, Loan, LoanProduct, Offer, OfferStatus
from matching.routing import (
    application_route,
    application_withdraw,
    offer_approve,
    offer_decline,
    offer_disburse,
    offers_lapse_sweep,
    working_days_after,
)
from matching.states import offer_transition
from matching.tasks import route_application, sweep_lapsed_offers
from scoring.models import ModelVersion, Score
from tests.factories import EnterpriseFactory

BANKS = {"A": 10, "B": 10, "C": 10, "D": 10}


@pytest.fixture
def application(db) -> Application:
    now = timezone.now()
    firm = EnterpriseFactory()
    for position, (code, capacity) in enumerate(BANKS.items()):
        bank = Bank.objects.create(
            code=code, name=f"银行{code}", contact_email=f"{code}@example.com", monthly_capacity=capacity
        )
        LoanProduct.objects.create(
            bank=bank,
            code=f"{code}-1",
            name="信易贷",
            guarantee_mode="credit",
            amount_min=Decimal("100000"),
            amount_max=Decimal("3000000"),
            term_min_months=3,
            term_max_months=24,
            # Cheaper products first, so the ranking is A, B, C, D.
            rate_min=Decimal("0.040") + Decimal("0.005") * position,
            rate_max=Decimal("0.080") + Decimal("0.005") * position,
        )
    application = Application.objects.create(
        enterprise=firm,
        amount=Decimal("500000"),
        term_months=12,
        purpose="备货",
        guarantee_mode="credit",
        status="scored",
        submitted_at=now,
    )
    version = ModelVersion.objects.create(
        number=1, model_text="tree\n", manifest={}, sha256="0" * 64, beats_baseline=True, trained_at=now
    )
    Score.objects.create(
        enterprise=firm,
        application=application,
        model_version=version,
        as_of=now.date(),
        probability_of_default=0.02,
        points=640,
        grade="B",
        features={"firm_age_years": 8.0, "tax_rating": 4.0},
        reasons={"raised": [], "lowered": []},
        created_at=now,
    )
    return application


def banks_offered(application: Application, *statuses) -> list[str]:
    offers = application.offers.order_by("rank")
    if statuses:
        offers = offers.filter(status__in=statuses)
    return [offer.product.bank.code for offer in offers]


def test_the_top_three_products_are_offered_at_once_with_deadlines_in_working_days(application):
    offers = application_route(application_id=application.pk)

    application.refresh_from_db()
    assert application.status == "matched"
    assert [offer.product.bank.code for offer in offers] == ["A", "B", "C"]
    for offer in offers:
        assert offer.deadline == working_days_after(offer.offered_at, 3)
        assert offer.deadline.weekday() < 5


def test_a_bank_at_capacity_is_passed_over(application):
    Bank.objects.filter(code="A").update(monthly_capacity=0)

    application_route(application_id=application.pk)

    assert banks_offered(application) == ["B", "C", "D"]


def another_application_like(application: Application) -> Application:
    score = application.scores.get()
    twin = Application.objects.create(
        enterprise=application.enterprise,
        amount=application.amount,
        term_months=application.term_months,
        purpose=application.purpose,
        guarantee_mode=application.guarantee_mode,
        status="scored",
        submitted_at=timezone.now(),
    )
    score.pk, score.application = None, twin
    score.save()
    return twin


def test_offers_made_earlier_in_the_month_use_up_a_banks_capacity(application):
    Bank.objects.filter(code="A").update(monthly_capacity=1)
    later = another_application_like(application)

    application_route(application_id=application.pk)
    application_route(application_id=later.pk)

    assert banks_offered(application) == ["A", "B", "C"]
    assert banks_offered(later) == ["B", "C", "D"]
    assert BankMonth.objects.get(bank__code="A").offers == 1
    assert BankMonth.objects.get(bank__code="B").offers == 2


def test_a_new_month_starts_with_the_banks_full_capacity(application):
    bank = Bank.objects.get(code="A")
    bank.monthly_capacity = 1
    bank.save()
    last_month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    BankMonth.objects.create(bank=bank, month=last_month, offers=1)

    application_route(application_id=application.pk)

    assert banks_offered(application) == ["A", "B", "C"]


def test_a_declined_offer_routes_the_application_to_the_next_product(application):
    first, *_ = application_route(application_id=application.pk)

    offer_decline(offer_id=first.pk, by=None, reason="insufficient_credit")

    assert banks_offered(application, OfferStatus.OFFERED) == ["B", "C", "D"]


def test_a_lapsed_offer_routes_on_and_a_second_sweep_changes_nothing(application):
    first, *_ = application_route(application_id=application.pk)
    now = timezone.now()
    Offer.objects.filter(pk=first.pk).update(
        offered_at=now - dt.timedelta(days=5), deadline=now - dt.timedelta(minutes=1)
    )

    assert offers_lapse_sweep() == 1
    assert offers_lapse_sweep() == 0

    first.refresh_from_db()
    assert first.status == OfferStatus.LAPSED
    assert banks_offered(application, OfferStatus.OFFERED) == ["B", "C", "D"]


def test_when_every_product_declined_the_application_is_declined_by_every_bank(application):
    application_route(application_id=application.pk)
    while offer := application.offers.filter(status=OfferStatus.OFFERED).first():
        offer_decline(offer_id=offer.pk, by=None, reason="insufficient_credit")

    application.refresh_from_db()
    assert application.status == "declined"
    assert application.offers.count() == 4


def test_an_approval_grants_the_application_and_closes_the_other_open_offers(application):
    first, second, third = application_route(application_id=application.pk)
    offer_transition(offer_id=second.pk, event="accept")

    offer_approve(offer_id=second.pk, by=None, amount="450000", annual_rate="0.05", term_months=12)

    application.refresh_from_db()
    assert application.status == "granted"
    assert set(Offer.objects.filter(pk__in=[first.pk, third.pk]).values_list("status", flat=True)) == {"closed"}


def test_approval_terms_must_lie_within_the_products_ranges(application):
    _, second, _ = application_route(application_id=application.pk)
    offer_transition(offer_id=second.pk, event="accept")

    with pytest.raises(DomainError, match="annual_rate: 0.2 is outside the product's 0.0450–0.0850") as error:
        offer_approve(offer_id=second.pk, by=None, amount="450000", annual_rate="0.2", term_months=12)

    assert error.value.field == "annual_rate"
    second.refresh_from_db()
    assert second.status == OfferStatus.ACCEPTED


def test_a_disbursement_records_the_loan_on_the_approved_terms(application):
    first, *_ = application_route(application_id=application.pk)
    offer_transition(offer_id=first.pk, event="accept")
    offer_approve(offer_id=first.pk, by=None, amount="450000", annual_rate="0.05", term_months=12)

    with pytest.raises(DomainError, match="not within 0–450000"):
        offer_disburse(offer_id=first.pk, by=None, amount="500000", disbursed_on=dt.date(2026, 11, 25))
    loan = offer_disburse(offer_id=first.pk, by=None, amount="450000", disbursed_on=dt.date(2026, 11, 25))

    assert (loan.amount, loan.annual_rate, loan.term_months) == (Decimal("450000"), Decimal("0.05"), 12)
    assert Loan.objects.count() == 1


def test_a_withdrawal_closes_every_open_offer(application):
    application_route(application_id=application.pk)

    application_withdraw(application_id=application.pk)

    application.refresh_from_db()
    assert application.status == "withdrawn"
    assert set(application.offers.values_list("status", flat=True)) == {"closed"}


def test_an_application_eligible_for_nothing_is_not_eligible(application):
    LoanProduct.objects.update(min_tax_rating="A")

    assert application_route(application_id=application.pk) == []

    application.refresh_from_db()
    assert application.status == "not_eligible"


def test_working_days_skip_the_weekend():
    friday = dt.datetime(2026, 11, 27, 10, 0)

    assert working_days_after(friday, 1) == dt.datetime(2026, 11, 30, 10, 0)
    assert working_days_after(friday, 3) == dt.datetime(2026, 12, 2, 10, 0)


def test_the_routing_task_routes_once_and_a_second_run_changes_nothing(application):
    assert route_application.apply(args=[application.pk]).get() == 3
    assert route_application.apply(args=[application.pk]).get() == 0

    assert application.offers.count() == 3


def test_the_beat_sweep_lapses_what_is_due(application):
    first, *_ = application_route(application_id=application.pk)
    now = timezone.now()
    Offer.objects.filter(pk=first.pk).update(
        offered_at=now - dt.timedelta(days=5), deadline=now - dt.timedelta(minutes=1)
    )

    assert sweep_lapsed_offers.apply().get() == 1


def test_banks_officers_hear_of_a_new_offer_and_the_applicant_of_each_change_once_committed(
    application, django_capture_on_commit_callbacks, mailoutbox
):
    officer = User.objects.create_user(
        username="wang", email="wang@a.example", role=Role.BANK_OFFICER, bank=Bank.objects.get(code="A")
    )
    applicant = User.objects.create_user(username="zhang", email="zhang@firm.example")
    Application.objects.filter(pk=application.pk).update(applicant=applicant)

    with django_capture_on_commit_callbacks(execute=True):
        application_route(application_id=application.pk)

    assert [message.to for message in mailoutbox] == [[officer.email], [applicant.email]]
    assert "New application to review" in mailoutbox[0].subject
    assert "Offered to 3 bank products." in mailoutbox[1].body


def test_nothing_is_sent_for_a_change_that_is_rolled_back(application, mailoutbox):
    User.objects.create_user(
        username="wang", email="wang@a.example", role=Role.BANK_OFFICER, bank=Bank.objects.get(code="A")
    )

    application_route(application_id=application.pk)  # the test's transaction never commits

    assert mailoutbox == []
