"""An application's offers as people read them: the terms and repayments of a granted loan, and a timeline that
keeps every step however far the application has moved on."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from creditloan.flows.applications import application_withdraw
from creditloan.models import Application
from matching.decisions import offer_accept, offer_approve, offer_decline, offer_disburse
from matching.models import Offer
from matching.offers import application_timeline, offer_terms
from matching.routing import offers_lapse_sweep
from tests.factories import offer_world, score_of


@pytest.fixture
def world(db):
    """offer_world's application, submitted an hour ago, scored a minute later and offered to bank A a minute after
    that."""
    world = offer_world()
    application, offer = world["application"], world["offer"]
    application.submitted_at = timezone.now() - dt.timedelta(hours=1)
    application.save(update_fields=["submitted_at"])
    score_of(application, created_at=application.submitted_at + dt.timedelta(minutes=1))
    offered_at = application.submitted_at + dt.timedelta(minutes=2)
    Offer.objects.filter(pk=offer.pk).update(offered_at=offered_at, deadline=offered_at + dt.timedelta(days=3))
    offer.refresh_from_db()
    return world


def approve(world, **terms) -> Offer:
    """Bank A's officer takes the offer up and approves it: 400,000 yuan at 4.5% for 12 months unless told."""
    offer_accept(offer_id=world["offer"].pk, by=world["officer_a"])
    terms = {"amount": "400000", "annual_rate": "0.0450", "term_months": 12} | terms
    return offer_approve(offer_id=world["offer"].pk, by=world["officer_a"], **terms)


def second_offer(world) -> Offer:
    """The application offered to bank B's product too, three minutes after it was submitted, to answer in five
    days."""
    product, offered_at = world["products"]["B"], world["application"].submitted_at + dt.timedelta(minutes=3)
    return Offer.objects.create(
        application=world["application"],
        product=product,
        bank=product.bank,
        rank=2,
        offered_at=offered_at,
        deadline=offered_at + dt.timedelta(days=5),
    )


def test_the_timeline_keeps_the_review_and_the_approval_after_the_loan_is_paid_out(world):
    approved = approve(world)
    offer_disburse(offer_id=approved.pk, by=world["officer_a"], amount="380000", disbursed_on=timezone.localdate())

    steps = application_timeline(world["application"])

    assert [step.what for step in steps] == ["submitted", "scored", "offered", "accepted", "approved", "disbursed"]
    assert steps[3].at == approved.accepted_at <= approved.decided_at == steps[4].at
    assert (steps[5].at, steps[5].day_only, steps[5].offer.loan.amount) == (
        timezone.localdate(),
        True,
        Decimal("380000"),
    )


def test_a_decline_is_a_step_with_the_banks_reason_and_a_withdrawal_is_dated_when_it_happened(world):
    other = second_offer(world)
    offer_decline(offer_id=world["offer"].pk, by=world["officer_a"], reason="high_leverage", note="负债率 80%")
    application = application_withdraw(application_id=world["application"].pk)

    steps = application_timeline(application)

    assert [(step.what, step.offer) for step in steps] == [
        ("submitted", None),
        ("scored", None),
        ("offered", world["offer"]),
        ("offered", other),
        ("declined", world["offer"]),
        ("withdrawn", None),
    ]
    declined = steps[4].offer
    assert (declined.decline_reason, declined.decline_note) == ("high_leverage", "负债率 80%")
    assert steps[-1].at == application.withdrawn_at is not None


def test_a_withdrawal_from_before_its_time_was_kept_is_the_last_step_undated(world):
    application = application_withdraw(application_id=world["application"].pk)
    Application.objects.filter(pk=application.pk).update(withdrawn_at=None)
    application.refresh_from_db()

    steps = application_timeline(application)

    assert (steps[-1].what, steps[-1].at) == ("withdrawn", None)


def test_an_offer_nobody_answered_is_a_step_at_its_deadline(world):
    second_offer(world)  # still open, so the application waits for it rather than being declined
    offers_lapse_sweep(now=world["offer"].deadline + dt.timedelta(minutes=5))

    steps = application_timeline(world["application"])

    assert [step.what for step in steps][-2:] == ["offered", "lapsed"]
    assert steps[-1].at == world["offer"].deadline


def test_an_approved_offers_terms_are_the_approved_ones_repaid_by_the_method_the_bank_approved(world):
    world["products"]["A"].repayment_methods = ["equal_principal", "equal_instalments"]
    world["products"]["A"].save()

    terms = offer_terms(approve(world, repayment_method="equal_instalments"))

    assert (terms.amount, terms.annual_rate, terms.term_months) == (Decimal("400000"), Decimal("0.0450"), 12)
    assert (terms.method, terms.method_agreed, terms.other_methods) == ("equal_instalments", True, ())
    assert terms.schedule.first_payment == Decimal("34151.41")
    assert terms.disbursed_on is None and not terms.paid_out_less


def test_an_approval_naming_no_method_takes_the_products_first(world):
    world["products"]["A"].repayment_methods = ["equal_principal", "equal_instalments"]
    world["products"]["A"].save()

    approved = approve(world)

    assert approved.approved_repayment_method == "equal_principal"
    assert offer_terms(approved).schedule.first_payment == Decimal("34833.33")


def test_an_offer_approved_before_the_method_was_kept_is_shown_in_the_products_first_and_says_so(world):
    world["products"]["A"].repayment_methods = ["equal_principal", "equal_instalments"]
    world["products"]["A"].save()
    approved = approve(world)
    Offer.objects.filter(pk=approved.pk).update(approved_repayment_method="")
    approved.refresh_from_db()

    terms = offer_terms(approved)

    assert (terms.method, terms.method_agreed, terms.method_named) == ("equal_principal", False, True)
    assert terms.other_methods == ("equal_instalments",)


def test_a_paid_out_loans_terms_are_what_was_paid_out(world):
    approved = approve(world)
    offer_disburse(offer_id=approved.pk, by=world["officer_a"], amount="380000", disbursed_on=timezone.localdate())

    terms = offer_terms(Offer.objects.get(pk=approved.pk))

    assert (terms.amount, terms.approved_amount, terms.paid_out_less) == (Decimal("380000"), Decimal("400000"), True)
    assert terms.disbursed_on == timezone.localdate()
    assert sum(instalment.principal for instalment in terms.schedule.instalments) == Decimal("380000")


def test_a_product_naming_no_method_is_repaid_in_equal_instalments(world):
    world["products"]["A"].repayment_methods = []
    world["products"]["A"].save()

    terms = offer_terms(approve(world))

    assert terms.method == "equal_instalments"
    assert terms.schedule.first_payment == Decimal("34151.41")


def test_an_offer_not_granted_has_no_terms(world):
    assert offer_terms(world["offer"]) is None
    declined = offer_decline(offer_id=world["offer"].pk, by=world["officer_a"], reason="collateral")
    assert offer_terms(declined) is None
