"""A bank's decisions on an offer routed to it (matching.decisions): the terms an approval must keep, what an approval
and a payout record, a decline's reason, the loan's outcome as the next model's label, and only its own bank's officer
deciding."""

import datetime as dt
from decimal import Decimal

import pytest

from creditloan.errors import DomainError
from creditloan.models import Bank, User
from creditloan.models.accounts import Role
from matching.decisions import offer_accept, offer_approve, offer_decline, offer_disburse
from matching.models import (
    Loan,
    Offer,
    OfferStatus,
)
from matching.routing import (
    application_route,
)
from matching.states import offer_transition


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

    with pytest.raises(DomainError, match="annual_rate: 20.00% is outside the product's 4.50%–8.50%") as error:
        offer_approve(offer_id=second.pk, by=None, amount="450000", annual_rate="0.2", term_months=12)

    assert error.value.field == "annual_rate"
    second.refresh_from_db()
    assert second.status == OfferStatus.ACCEPTED


def test_a_disbursement_records_the_loan_on_the_approved_terms(application):
    first, *_ = application_route(application_id=application.pk)
    offer_transition(offer_id=first.pk, event="accept")
    offer_approve(offer_id=first.pk, by=None, amount="450000", annual_rate="0.05", term_months=12)

    with pytest.raises(DomainError, match="amount: 500,000 yuan is more than the 450,000 yuan approved"):
        offer_disburse(offer_id=first.pk, by=None, amount="500000", disbursed_on=dt.date(2026, 11, 25))
    loan = offer_disburse(offer_id=first.pk, by=None, amount="450000", disbursed_on=dt.date(2026, 11, 25))

    assert (loan.amount, loan.annual_rate, loan.term_months) == (Decimal("450000"), Decimal("0.05"), 12)
    assert Loan.objects.count() == 1


@pytest.mark.parametrize(
    ("reason", "note", "message"),
    [
        ("too_risky", "", "reason: “too_risky” is not a decline reason; choose from insufficient_credit, "),
        ("other", "  ", "note: a decline for “other” reasons must say what they are"),
        ("high_leverage", "长" * 501, "note: 501 characters, at most 500"),
    ],
)
def test_a_decline_gives_a_reason_from_the_list(application, reason, note, message):
    first, *_ = application_route(application_id=application.pk)

    with pytest.raises(DomainError, match=message) as error:
        offer_decline(offer_id=first.pk, by=None, reason=reason, note=note)

    assert error.value.field in ("reason", "note")
    first.refresh_from_db()
    assert first.status == OfferStatus.OFFERED


def test_a_decline_keeps_its_reason_and_the_banks_words(application):
    first, *_ = application_route(application_id=application.pk)

    offer_decline(offer_id=first.pk, by=None, reason="other", note="本行暂停该行业授信")

    first.refresh_from_db()
    assert (first.status, first.decline_reason, first.decline_note) == ("declined", "other", "本行暂停该行业授信")


@pytest.mark.parametrize("decision", ["accept", "decline", "approve", "disburse"])
def test_an_officer_cannot_decide_an_offer_routed_to_another_bank(application, decision):
    first, *_ = application_route(application_id=application.pk)
    stranger = User.objects.create_user(username="li", role=Role.BANK_OFFICER, bank=Bank.objects.get(code="D"))
    act = {
        "accept": lambda: offer_accept(offer_id=first.pk, by=stranger),
        "decline": lambda: offer_decline(offer_id=first.pk, by=stranger, reason="high_leverage"),
        "approve": lambda: offer_approve(
            offer_id=first.pk, by=stranger, amount="450000", annual_rate="0.05", term_months=12
        ),
        "disburse": lambda: offer_disburse(
            offer_id=first.pk, by=stranger, amount="450000", disbursed_on=dt.date(2026, 11, 25)
        ),
    }

    with pytest.raises(DomainError, match=f"offer #{first.pk} is not routed to your bank"):
        act[decision]()

    first.refresh_from_db()
    assert first.status == OfferStatus.OFFERED


def test_an_approval_is_repaid_by_one_of_the_products_methods(application):
    offer, _, _ = application_route(application_id=application.pk)
    offer.product.repayment_methods = ["equal_principal", "interest_first"]
    offer.product.save()
    offer_transition(offer_id=offer.pk, event="accept")
    terms = {"amount": str(offer.product.amount_min), "annual_rate": str(offer.product.rate_min), "term_months": 12}

    with pytest.raises(DomainError) as refused:
        offer_approve(offer_id=offer.pk, by=None, repayment_method="flexible", **terms)
    approved = offer_approve(offer_id=offer.pk, by=None, repayment_method="interest_first", **terms)

    assert refused.value.field == "repayment_method"
    assert "equal_principal, interest_first" in refused.value.message
    assert approved.approved_repayment_method == "interest_first"
