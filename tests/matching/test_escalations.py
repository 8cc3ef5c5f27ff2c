"""Deadlines at every stage a bank holds an application, and 督办 when it is late to decide: the deadline to accept
(the product's or the bank's), the deadline to decide once accepted, the sweep that escalates, urging the bank,
re-routing, and a late decision resolving it."""

import datetime as dt

import pytest
from django.utils import timezone

from creditloan.calendar import calendar_day_set, working_days_after
from creditloan.errors import DomainError, ErrorCode
from creditloan.flows.applications import application_withdraw
from creditloan.models import Application, Bank, User
from creditloan.models.accounts import Role
from matching.decisions import offer_accept, offer_approve, offer_decline
from matching.escalations import (
    escalation_queue,
    escalation_urge,
    escalations_open_count,
    offers_escalate_overdue,
    open_deadlines_past_calendar,
)
from matching.models import Escalation, EscalationResolution, EscalationUrge, LoanProduct, Offer, OfferStatus
from matching.offers import application_timeline
from matching.routing import NextStep, application_route, offer_reroute_overdue
from matching.tasks import sweep_lapsed_offers
from tests.factories import member_of


@pytest.fixture
def officer(application) -> User:
    return User.objects.create_user(
        username="wang", email="wang@a.example", role=Role.BANK_OFFICER, bank=Bank.objects.get(code="A")
    )


@pytest.fixture
def operator(db) -> User:
    return User.objects.create_user(username="ops", role=Role.OPERATOR)


@pytest.fixture
def applicant(application) -> User:
    applicant = User.objects.create_user(username="zhang", email="zhang@firm.example")
    member_of(applicant, application.enterprise)
    Application.objects.filter(pk=application.pk).update(applicant=applicant)
    return applicant


def offer_at(application, code: str) -> Offer:
    return application.offers.get(bank__code=code)


def decide_by(offer: Offer, days: int) -> bool:
    """The offer's decision deadline is `days` working days after its 接单 (counted from the moment the accept
    service began, a few milliseconds before the transition stamped accepted_at)."""
    return abs(offer.decision_deadline - working_days_after(offer.accepted_at, days)) < dt.timedelta(seconds=1)


def overdue(offer: Offer, *, by: dt.timedelta = dt.timedelta(minutes=1)) -> Offer:
    """The accepted offer's decision deadline moved into the past."""
    Offer.objects.filter(pk=offer.pk).update(decision_deadline=timezone.now() - by)
    offer.refresh_from_db()
    return offer


@pytest.fixture
def accepted(application, officer) -> Offer:
    """Bank A's offer, routed and accepted (接单) by its officer."""
    application_route(application_id=application.pk)
    return offer_accept(offer_id=offer_at(application, "A").pk, by=officer)


def test_the_deadline_to_accept_is_the_products_own_when_it_has_one(application):
    LoanProduct.objects.filter(bank__code="B").update(accept_deadline_days=7)
    Bank.objects.filter(code="C").update(response_deadline_days=5)

    application_route(application_id=application.pk)

    for code, days in {"A": 3, "B": 7, "C": 5}.items():
        offer = offer_at(application, code)
        assert offer.deadline == working_days_after(offer.offered_at, days)
        assert offer.decision_deadline is None


def test_accepting_sets_the_deadline_to_decide_10_working_days_on_by_default(accepted):
    assert accepted.status == OfferStatus.ACCEPTED
    assert decide_by(accepted, 10)
    assert not decide_by(accepted, 9)


def test_the_deadline_to_decide_is_the_products_then_the_banks(application, officer):
    Bank.objects.filter(code="A").update(decision_deadline_days=4)
    application_route(application_id=application.pk)
    a_offer = offer_accept(offer_id=offer_at(application, "A").pk, by=officer)
    LoanProduct.objects.filter(bank__code="B").update(decision_deadline_days=2)
    b_officer = User.objects.create_user(username="li", role=Role.BANK_OFFICER, bank=Bank.objects.get(code="B"))
    b_offer = offer_accept(offer_id=offer_at(application, "B").pk, by=b_officer)

    assert decide_by(a_offer, 4)
    assert decide_by(b_offer, 2)


def test_an_accepted_offer_in_time_is_not_escalated(accepted):
    assert offers_escalate_overdue() == 0
    assert not Escalation.objects.exists()


def test_the_sweep_escalates_an_offer_past_its_decision_deadline_once(
    accepted, applicant, officer, django_capture_on_commit_callbacks, mailoutbox
):
    overdue(accepted)

    with django_capture_on_commit_callbacks(execute=True):
        escalated = offers_escalate_overdue()
    again = offers_escalate_overdue()

    assert (escalated, again) == (1, 0)
    escalation = Escalation.objects.get()
    assert (escalation.offer_id, escalation.resolved_at) == (accepted.pk, None)
    assert [message.to for message in mailoutbox] == [[officer.email], [applicant.email]]
    assert "Overdue, please decide" in mailoutbox[0].subject and "督办" in mailoutbox[0].subject
    assert "please decide now" in mailoutbox[0].body
    assert "the platform is urging it to decide" in mailoutbox[1].body
    assert list(escalation_queue()) == [escalation]
    assert escalations_open_count() == 1


def test_the_beat_task_escalates_as_well_as_lapsing(accepted):
    overdue(accepted)

    assert sweep_lapsed_offers.apply().get() == 1
    assert Escalation.objects.filter(offer=accepted).exists()


def test_an_offer_not_yet_accepted_lapses_and_is_never_escalated(application):
    application_route(application_id=application.pk)
    now = timezone.now()
    Offer.objects.filter(bank__code="A").update(
        offered_at=now - dt.timedelta(days=5), deadline=now - dt.timedelta(minutes=1)
    )

    assert sweep_lapsed_offers.apply().get() == 1
    assert offer_at(application, "A").status == OfferStatus.LAPSED
    assert not Escalation.objects.exists()


@pytest.mark.parametrize("decision", ["approve", "decline"])
def test_a_late_decision_resolves_the_escalation(accepted, officer, decision):
    overdue(accepted)
    offers_escalate_overdue()

    if decision == "approve":
        offer_approve(offer_id=accepted.pk, by=officer, amount="500000", annual_rate="0.05", term_months=12)
    else:
        offer_decline(offer_id=accepted.pk, by=officer, reason="high_leverage")

    escalation = Escalation.objects.get()
    assert escalation.resolution == EscalationResolution.DECIDED_LATE
    assert (escalation.resolved_at is not None, escalation.resolved_by) == (True, officer)
    assert list(escalation_queue()) == []


def test_the_operator_urges_the_bank_again_logged_and_messaged(
    accepted, officer, operator, django_capture_on_commit_callbacks, mailoutbox
):
    overdue(accepted)
    offers_escalate_overdue()
    escalation = Escalation.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        urge = escalation_urge(escalation_id=escalation.pk, by=operator)

    assert (urge.escalation_id, urge.urged_by) == (escalation.pk, operator)
    assert EscalationUrge.objects.count() == 1
    assert [message.to for message in mailoutbox] == [[officer.email]]
    assert "Reminder, overdue" in mailoutbox[0].subject
    assert f"application #{accepted.application_id}" in mailoutbox[0].body
    escalation.refresh_from_db()
    assert escalation.resolved_at is None  # urging keeps it open


def test_re_routing_closes_the_offer_as_not_decided_in_time_and_offers_the_next_product(
    application, accepted, applicant, officer, operator, django_capture_on_commit_callbacks, mailoutbox
):
    overdue(accepted)
    offers_escalate_overdue()
    escalation = Escalation.objects.get()
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        offer, next_step = offer_reroute_overdue(escalation_id=escalation.pk, by=operator)

    assert (offer.status, next_step) == (OfferStatus.LAPSED, NextStep.OFFERED)
    assert offer_at(application, "D").status == OfferStatus.OFFERED
    escalation.refresh_from_db()
    assert (escalation.resolution, escalation.resolved_by) == (EscalationResolution.REROUTED, operator)
    assert [message.to for message in mailoutbox] == [[officer.email], [applicant.email]]
    assert "routed it on" in mailoutbox[0].body
    assert "did not decide in time, so the platform moved your application on" in mailoutbox[1].body
    assert "It has gone on to the next bank's product." in mailoutbox[1].body


def test_a_resolved_escalation_can_be_neither_urged_nor_re_routed(accepted, officer, operator):
    overdue(accepted)
    offers_escalate_overdue()
    escalation = Escalation.objects.get()
    offer_decline(offer_id=accepted.pk, by=officer, reason="high_leverage")

    with pytest.raises(DomainError, match="is resolved already: The bank decided, late") as refusal:
        escalation_urge(escalation_id=escalation.pk, by=operator)
    with pytest.raises(DomainError, match="is resolved already") as rerouting:
        offer_reroute_overdue(escalation_id=escalation.pk, by=operator)

    assert refusal.value.code == rerouting.value.code == ErrorCode.INVALID_TRANSITION
    assert not EscalationUrge.objects.exists()
    accepted.refresh_from_db()
    assert accepted.status == OfferStatus.DECLINED


def test_an_escalation_that_does_not_exist_is_refused_by_its_number(operator):
    with pytest.raises(DomainError, match="escalation #999 does not exist") as refusal:
        escalation_urge(escalation_id=999, by=operator)

    assert (refusal.value.code, refusal.value.field) == (ErrorCode.NOT_FOUND, "escalation")


def test_a_withdrawal_resolves_the_escalation_as_closed(application, accepted):
    overdue(accepted)
    offers_escalate_overdue()

    application_withdraw(application_id=application.pk)

    escalation = Escalation.objects.get()
    assert escalation.resolution == EscalationResolution.CLOSED
    assert escalations_open_count() == 0


def test_the_timeline_shows_each_deadline_and_the_escalation(application, accepted):
    open_steps = {step.what: step.due for step in application_timeline(application) if step.offer is not None}
    assert open_steps["accepted"] == accepted.decision_deadline

    overdue(accepted)
    offers_escalate_overdue()
    steps = [
        step for step in application_timeline(application) if step.offer is not None and step.offer.pk == accepted.pk
    ]

    assert [step.what for step in steps] == ["offered", "accepted", "escalated"]
    assert [step.due for step in steps] == [None, accepted.decision_deadline, None]
    b_offered = next(
        step for step in application_timeline(application) if step.what == "offered" and step.offer.bank.code == "B"
    )
    assert b_offered.due == offer_at(application, "B").deadline


def test_deadlines_past_the_known_calendar_are_counted_for_the_operator(accepted):
    assert open_deadlines_past_calendar() == 0

    Offer.objects.filter(pk=accepted.pk).update(decision_deadline=timezone.make_aware(dt.datetime(2027, 1, 5, 10)))

    assert open_deadlines_past_calendar() == 1
    calendar_day_set(date=dt.date(2027, 1, 1), working=False, note="元旦")
    assert open_deadlines_past_calendar() == 0
