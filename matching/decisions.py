"""A bank's decisions on an offer routed to it, each only by an officer of that bank: 接单 (accept), decline with a
reason (the application then routes on), approve on terms within the product's ranges (the application is
granted and its other offers close) and pay out (放款); the loan's repayments are reported afterwards
(matching.outcomes). Every move goes through matching.states; the applicant hears of each by e-mail once it is
committed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from creditloan.errors import DomainError, ErrorCode
from creditloan.models import Application
from creditloan.states import application_transition
from creditloan.values import LOAN_AMOUNT_LARGEST, grouped, percent_text, read_amount, read_for_field, read_rate
from matching import notifications
from matching.escalations import decision_deadline_for, escalations_resolve
from matching.models import (
    OPEN_OFFER_STATES,
    DeclineReason,
    EscalationResolution,
    Loan,
    Offer,
)
from matching.routing import route_on
from matching.states import offer_transition

NOTE_MAX = Offer._meta.get_field("decline_note").max_length


def _check_officer(offer_id: int, by) -> None:
    """A decision on an offer is its bank's: an officer of another bank is refused (None: the system)."""
    if by is not None and not Offer.objects.filter(pk=offer_id, bank_id=by.bank_id).exists():
        raise DomainError(
            ErrorCode.FORBIDDEN, _("offer #%(number)s is not routed to your bank") % {"number": offer_id}, field="offer"
        )


@transaction.atomic
def offer_accept(*, offer_id: int, by) -> Offer:
    """接单: the bank takes the application up for review."""
    _check_officer(offer_id, by)
    offer = Offer.objects.select_related("product__bank").filter(pk=offer_id).first()
    # Counted from now, as the transition stamps 接单 within this same transaction (an offer that does not exist is
    # refused by it).
    deadline = decision_deadline_for(offer, accepted_at=timezone.now()) if offer is not None else None
    offer = offer_transition(offer_id=offer_id, event="accept", by=by, decision_deadline=deadline)
    notifications.offer_accepted(offer)
    return offer


@transaction.atomic
def offer_decline(*, offer_id: int, by, reason: str, note: str = "") -> Offer:
    """The bank declines, with a reason from DeclineReason ("other" explained in `note`); the application moves
    on to the next ranked product."""
    _check_officer(offer_id, by)
    if reason not in DeclineReason.values:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            _("reason: “%(reason)s” is not a decline reason; choose from %(allowed)s")
            % {"reason": reason, "allowed": ", ".join(DeclineReason.values)},
            field="reason",
        )
    note = (note or "").strip()
    if reason == DeclineReason.OTHER and not note:
        raise DomainError(
            ErrorCode.INVALID_INPUT, _("note: a decline for “other” reasons must say what they are"), field="note"
        )
    if len(note) > NOTE_MAX:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            _("note: %(length)d characters, at most %(most)d") % {"length": len(note), "most": NOTE_MAX},
            field="note",
        )
    offer = offer_transition(offer_id=offer_id, event="decline", by=by, decline_reason=reason, decline_note=note)
    escalations_resolve(offer_ids=[offer.pk], resolution=EscalationResolution.DECIDED_LATE, by=by)
    application = Application.objects.select_for_update().get(pk=offer.application_id)
    notifications.offer_declined(offer, route_on(application), application)
    return offer


@transaction.atomic
def offer_approve(*, offer_id: int, by, amount, annual_rate, term_months: int, repayment_method: str = "") -> Offer:
    """A bank grants the loan on terms within its product's ranges, repaid by one of the product's methods (its
    first when none is named); the application is granted and every other open offer closes."""
    _check_officer(offer_id, by)
    offer = Offer.objects.select_related("product").get(pk=offer_id)
    product = offer.product
    methods = product.listed_repayment_methods
    repayment_method = repayment_method or product.usual_repayment_method
    if methods and repayment_method not in methods:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            _("repayment_method: %(method)s is not one of the product's: %(methods)s")
            % {"method": repayment_method, "methods": ", ".join(methods)},
            field="repayment_method",
        )
    amount = read_for_field(_loan_amount, amount, field="amount", labelled=_("amount: %(problem)s"))
    annual_rate = read_for_field(read_rate, annual_rate, field="annual_rate", labelled=_("annual_rate: %(problem)s"))
    # Each in the words and units its reader uses: yuan grouped in thousands, rates in percent, months.
    term, term_min, term_max = (
        Decimal(months) for months in (term_months, product.term_min_months, product.term_max_months)
    )
    checks = [
        ("amount", amount, product.amount_min, product.amount_max, grouped,
         _("amount: %(value)s yuan is outside the product's %(low)s–%(high)s yuan")),
        ("annual_rate", annual_rate, product.rate_min, product.rate_max, percent_text,
         _("annual_rate: %(value)s is outside the product's %(low)s–%(high)s")),
        ("term_months", term, term_min, term_max, int,
         _("term_months: %(value)s months is outside the product's %(low)s–%(high)s months")),
    ]  # fmt: skip
    for field, value, low, high, shown, message in checks:
        if not low <= value <= high:
            words = message % {"value": shown(value), "low": shown(low), "high": shown(high)}
            raise DomainError(ErrorCode.INVALID_INPUT, words, field=field)
    offer = offer_transition(
        offer_id=offer_id,
        event="approve",
        by=by,
        approved_amount=amount,
        approved_rate=annual_rate,
        approved_term_months=term_months,
        approved_repayment_method=repayment_method,
    )
    escalations_resolve(offer_ids=[offer.pk], resolution=EscalationResolution.DECIDED_LATE, by=by)
    application_transition(application_id=offer.application_id, event="grant")
    notifications.offer_approved(offer, amount=amount, annual_rate=annual_rate, term_months=term_months)
    others = list(Offer.objects.filter(application_id=offer.application_id, status__in=OPEN_OFFER_STATES))
    for other in others:
        offer_transition(offer_id=other.pk, event="close")
    escalations_resolve(offer_ids=[other.pk for other in others], resolution=EscalationResolution.CLOSED)
    return offer


@transaction.atomic
def offer_disburse(*, offer_id: int, by, amount, disbursed_on: dt.date) -> Loan:
    """放款反馈: the loan as paid out, at most the approved amount; it is what the next models learn from."""
    _check_officer(offer_id, by)
    offer = Offer.objects.get(pk=offer_id)
    amount = read_for_field(_loan_amount, amount, field="amount", labelled=_("amount: %(problem)s"))
    if offer.approved_amount is not None and amount > offer.approved_amount:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            _("amount: %(value)s yuan is more than the %(approved)s yuan approved")
            % {"value": grouped(amount), "approved": grouped(offer.approved_amount)},
            field="amount",
        )
    offer = offer_transition(offer_id=offer_id, event="disburse", by=by)
    loan = Loan.objects.create(
        offer=offer,
        amount=amount,
        annual_rate=offer.approved_rate,
        term_months=offer.approved_term_months,
        disbursed_on=disbursed_on,
    )
    notifications.loan_disbursed(loan)
    return loan


def _loan_amount(raw) -> Decimal:
    """A loan's amount as a bank approves or pays it out: more than 0, at most what its column holds."""
    return read_amount(raw, minimum=Decimal("0.01"), maximum=LOAN_AMOUNT_LARGEST)
