"""The offer's state machine: a test per (state, event) pair, and two officers deciding one offer at once. (The
application's is the core's: tests/creditloan/test_states.py.)"""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from creditloan.errors import DomainError, ErrorCode
from creditloan.models import User
from creditloan.models.accounts import Role
from matching.models import Offer, OfferStatus, first_answer_at
from matching.states import OFFER_EVENTS, OFFER_TRANSITIONS, offer_transition
from tests.concurrency import at_once
from tests.factories import ApplicationFactory, BankFactory, LoanProductFactory


@pytest.fixture
def offer(db) -> Offer:
    now = timezone.now()
    application = ApplicationFactory(submitted_at=now)
    product = LoanProductFactory(bank=BankFactory(code="HX", name="华信银行"))
    return Offer.objects.create(
        application=application,
        product=product,
        bank=product.bank,
        rank=1,
        offered_at=now,
        deadline=now + dt.timedelta(days=3),
    )


# What an event must record beside the new state (the database refuses a decline without a reason).
EVENT_FIELDS = {"decline": {"decline_reason": "other", "decline_note": "政策调整"}}
STATE_FIELDS = {OfferStatus.DECLINED: EVENT_FIELDS["decline"]}


@pytest.mark.parametrize("state", OfferStatus.values)
@pytest.mark.parametrize("event", OFFER_EVENTS)
def test_an_offer_moves_exactly_as_its_table_says(offer, state, event):
    Offer.objects.filter(pk=offer.pk).update(status=state, **STATE_FIELDS.get(state, {}))
    target = OFFER_TRANSITIONS.get((state, event))

    if target is None:
        with pytest.raises(DomainError) as error:
            offer_transition(offer_id=offer.pk, event=event, **EVENT_FIELDS.get(event, {}))
        assert error.value.code == ErrorCode.INVALID_TRANSITION
        offer.refresh_from_db()
        assert offer.status == state
    else:
        assert offer_transition(offer_id=offer.pk, event=event, **EVENT_FIELDS.get(event, {})).status == target


def test_accepting_records_who_took_the_offer_up_and_when_and_decides_nothing(offer):
    officer = User.objects.create_user(username="wang", role=Role.BANK_OFFICER, bank=offer.product.bank)

    accepted = offer_transition(offer_id=offer.pk, event="accept", by=officer)

    accepted.refresh_from_db()
    assert accepted.accepted_by == officer and accepted.accepted_at is not None
    assert (accepted.decided_at, accepted.decided_by, accepted.disbursed_at) == (None, None, None)


def test_accept_approve_and_pay_out_each_keep_their_own_time_and_officer(offer):
    wang = User.objects.create_user(username="wang", role=Role.BANK_OFFICER, bank=offer.product.bank)
    li = User.objects.create_user(username="li", role=Role.BANK_OFFICER, bank=offer.product.bank)

    accepted = offer_transition(offer_id=offer.pk, event="accept", by=wang)
    approved = offer_transition(offer_id=offer.pk, event="approve", by=li)
    paid = offer_transition(offer_id=offer.pk, event="disburse", by=wang)

    paid.refresh_from_db()
    assert (paid.accepted_at, paid.accepted_by) == (accepted.accepted_at, wang)
    assert (paid.decided_at, paid.decided_by) == (approved.decided_at, li)
    assert offer.offered_at <= paid.accepted_at <= paid.decided_at <= paid.disbursed_at


def test_a_decline_after_acceptance_keeps_the_acceptance_apart(offer):
    wang = User.objects.create_user(username="wang", role=Role.BANK_OFFICER, bank=offer.product.bank)
    li = User.objects.create_user(username="li", role=Role.BANK_OFFICER, bank=offer.product.bank)
    accepted = offer_transition(offer_id=offer.pk, event="accept", by=wang)

    declined = offer_transition(offer_id=offer.pk, event="decline", by=li, **EVENT_FIELDS["decline"])

    declined.refresh_from_db()
    assert (declined.status, declined.accepted_at, declined.accepted_by) == (
        OfferStatus.DECLINED,
        accepted.accepted_at,
        wang,
    )
    assert declined.decided_by == li and declined.decided_at >= declined.accepted_at
    assert declined.disbursed_at is None


def test_a_decline_without_acceptance_is_the_first_answer_and_the_decision(offer):
    wang = User.objects.create_user(username="wang", role=Role.BANK_OFFICER, bank=offer.product.bank)

    declined = offer_transition(offer_id=offer.pk, event="decline", by=wang, **EVENT_FIELDS["decline"])

    declined.refresh_from_db()
    assert (declined.accepted_at, declined.accepted_by, declined.decided_by) == (None, None, wang)
    answered = Offer.objects.annotate(answered_at=first_answer_at()).get(pk=offer.pk).answered_at
    assert answered == declined.decided_at is not None


@pytest.mark.parametrize("event", ["lapse", "close"])
def test_a_lapse_or_close_stamps_no_stage(offer, event):
    moved = offer_transition(offer_id=offer.pk, event=event)

    moved.refresh_from_db()
    assert (moved.accepted_at, moved.decided_at, moved.disbursed_at) == (None, None, None)


def test_fields_passed_on_accept_are_saved_beside_its_stamp(offer):
    officer = User.objects.create_user(username="wang", role=Role.BANK_OFFICER, bank=offer.product.bank)
    later = offer.deadline + dt.timedelta(days=7)

    offer_transition(offer_id=offer.pk, event="accept", by=officer, deadline=later)

    offer.refresh_from_db()
    assert (offer.deadline, offer.accepted_by) == (later, officer)


def test_a_final_state_says_it_is_final(offer):
    Offer.objects.filter(pk=offer.pk).update(status=OfferStatus.DISBURSED)

    with pytest.raises(DomainError, match="is “Disbursed \\(放款\\)”: it cannot decline \\(that state is final\\)"):
        offer_transition(offer_id=offer.pk, event="decline", **EVENT_FIELDS["decline"])


def test_an_unknown_event_is_named(offer):
    with pytest.raises(DomainError, match="unknown offer event 'cancel'"):
        offer_transition(offer_id=offer.pk, event="cancel")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("event", ["accept", "decline", "lapse"])
def test_two_hands_on_one_offer_at_once_exactly_one_wins_each_time(offer, event):
    def act() -> str:
        try:
            offer_transition(offer_id=offer.pk, event=event, **EVENT_FIELDS.get(event, {}))
        except DomainError as error:
            return str(error.code)
        return "done"

    for _ in range(20):
        Offer.objects.filter(pk=offer.pk).update(status=OfferStatus.OFFERED)

        outcomes = at_once([act, act])

        assert sorted(outcomes) == ["done", "invalid_transition"]
        offer.refresh_from_db()
        assert offer.status == OFFER_TRANSITIONS[(OfferStatus.OFFERED, event)]


def test_the_database_refuses_a_decline_without_a_reason_from_the_list(offer):
    with pytest.raises(IntegrityError), transaction.atomic():
        Offer.objects.filter(pk=offer.pk).update(status=OfferStatus.DECLINED, decline_reason="")
    with pytest.raises(IntegrityError), transaction.atomic():
        Offer.objects.filter(pk=offer.pk).update(status=OfferStatus.DECLINED, decline_reason="other")

    Offer.objects.filter(pk=offer.pk).update(status=OfferStatus.DECLINED, decline_reason="high_leverage")


def test_a_payout_keeps_when_and_by_whom_the_loan_was_approved(offer):
    officer = User.objects.create_user(username="wang", role=Role.BANK_OFFICER, bank=offer.product.bank)
    offer_transition(offer_id=offer.pk, event="accept", by=officer)
    approved = offer_transition(offer_id=offer.pk, event="approve", by=officer)

    paid = offer_transition(offer_id=offer.pk, event="disburse", by=None)

    assert (paid.status, paid.decided_at, paid.decided_by) == (OfferStatus.DISBURSED, approved.decided_at, officer)
    assert paid.disbursed_at >= approved.decided_at
