"""An application's offers as the applicant and the bank read them: the terms of the loan an offer granted, with
its repayments (matching.repayment's schedule), and everything that happened to the application, in time order.

The timeline reads matching's offers and loans and scoring's first score, so it lives here rather than in the
core, which may import neither."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from creditloan.models import Application
from creditloan.models.applications import ApplicationStatus
from matching.models import Escalation, Loan, Offer, OfferStatus, RepaymentMethod
from matching.repayment import Schedule, repayment_schedule
from scoring.models import Score


@dataclass(frozen=True)
class LoanTerms:
    """What an approved or paid-out offer grants: the loan as paid out once it is (the bank may pay out less than
    it approved), as approved before; the repayment method of the schedule; and the schedule itself.

    `method_agreed`: the bank named the method when it approved. For an offer approved before that was kept,
    `method_named` says whether the product lists `method` (False: it lists none, and the schedule is equal
    instalments', the usual one) and `other_methods` are the product's others, which may have been agreed instead."""

    amount: Decimal
    annual_rate: Decimal
    term_months: int
    method: str
    method_agreed: bool
    method_named: bool
    other_methods: tuple[str, ...]
    approved_amount: Decimal
    disbursed_on: dt.date | None
    schedule: Schedule

    @property
    def method_label(self) -> str:
        return RepaymentMethod(self.method).label

    @property
    def other_method_labels(self) -> list[str]:
        return [RepaymentMethod(method).label for method in self.other_methods]

    @property
    def paid_out_less(self) -> bool:
        return self.disbursed_on is not None and self.amount < self.approved_amount


def offer_terms(offer: Offer) -> LoanTerms | None:
    """The terms of an approved or paid-out offer with its repayment schedule; None for any other offer (or one
    whose terms were never recorded). The schedule follows the method the bank approved (the product's first for
    offers approved before it was kept)."""
    if offer.status not in (OfferStatus.APPROVED, OfferStatus.DISBURSED) or offer.approved_amount is None:
        return None
    loan = _loan_of(offer)
    if loan is not None:
        amount, annual_rate, term_months = loan.amount, loan.annual_rate, loan.term_months
    else:
        amount, annual_rate, term_months = offer.approved_amount, offer.approved_rate, offer.approved_term_months
    if annual_rate is None or not term_months:
        return None
    listed = offer.product.listed_repayment_methods
    if offer.approved_repayment_method:
        method, agreed, listed = offer.approved_repayment_method, True, [offer.approved_repayment_method]
    else:  # approved before the method was kept: the product's usual one, said to be so
        method, agreed = offer.product.usual_repayment_method, False
    return LoanTerms(
        amount=amount,
        annual_rate=annual_rate,
        term_months=term_months,
        method=method,
        method_agreed=agreed,
        method_named=bool(listed),
        other_methods=tuple(listed[1:]),
        approved_amount=offer.approved_amount,
        disbursed_on=loan.disbursed_on if loan is not None else None,
        schedule=repayment_schedule(amount=amount, annual_rate=annual_rate, term_months=term_months, method=method),
    )


@dataclass(frozen=True)
class TimelineStep:
    """One thing that happened: `at` is a time, a day (a payout is recorded by its day), or None when it was not
    recorded (a withdrawal from before its time was kept); `what` is submitted, scored, offered, accepted,
    escalated, approved, disbursed, declined, lapsed or withdrawn; `offer` the offer it concerns, if any."""

    at: dt.datetime | dt.date | None
    what: str
    offer: Offer | None = None

    @property
    def day_only(self) -> bool:
        return isinstance(self.at, dt.date) and not isinstance(self.at, dt.datetime)

    @property
    def due(self) -> dt.datetime | None:
        """By when the bank must take the step this one leaves open: accept an offer still waiting for it, decide one
        it accepted and has not decided yet. None once the offer has moved on."""
        if self.offer is None:
            return None
        if self.what == "offered" and self.offer.status == OfferStatus.OFFERED:
            return self.offer.deadline
        if self.what == "accepted" and self.offer.status == OfferStatus.ACCEPTED:
            return self.offer.decision_deadline
        return None


def application_timeline(application: Application) -> list[TimelineStep]:
    """What happened to the application, oldest first. Each step is read from the row that records it, so none
    is lost when a status moves on: an offer approved and then paid out keeps its approval (the offer's
    decided_at) beside its payout (the loan's day). A withdrawal made before its time was kept is the last step,
    undated."""
    dated: list[tuple[dt.datetime, int, TimelineStep]] = []

    def add(at: dt.datetime, step: TimelineStep) -> None:
        dated.append((at, len(dated), step))  # the order added breaks ties: an approval before its payout

    add(application.submitted_at, TimelineStep(application.submitted_at, "submitted"))
    first_score = Score.objects.filter(application=application).order_by("created_at").only("created_at").first()
    if first_score is not None:
        add(first_score.created_at, TimelineStep(first_score.created_at, "scored"))
    offers = (
        Offer.objects.filter(application=application)
        .select_related("product__bank", "loan", "escalation")
        .order_by("rank")
    )
    for offer in offers:
        add(offer.offered_at, TimelineStep(offer.offered_at, "offered", offer))
        if offer.accepted_at is not None:
            add(offer.accepted_at, TimelineStep(offer.accepted_at, "accepted", offer))
        escalation = escalation_of(offer)
        if escalation is not None:
            add(escalation.opened_at, TimelineStep(escalation.opened_at, "escalated", offer))
        if offer.decided_at is not None and offer.status in (
            OfferStatus.APPROVED,
            OfferStatus.DISBURSED,
            OfferStatus.DECLINED,
        ):
            what = OfferStatus.APPROVED if offer.status == OfferStatus.DISBURSED else offer.status
            add(offer.decided_at, TimelineStep(offer.decided_at, str(what), offer))
        elif offer.status == OfferStatus.LAPSED:
            # Not accepted in time: when its deadline passed; accepted and not decided: when the operator re-routed.
            at = escalation.resolved_at if escalation is not None and escalation.resolved_at else offer.deadline
            add(at, TimelineStep(at, "lapsed", offer))
        loan = _loan_of(offer)
        if loan is not None:
            # A payout is recorded by its day: placed at that day's start, but never before its approval.
            start = timezone.make_aware(dt.datetime.combine(loan.disbursed_on, dt.time.min))
            add(max(start, offer.decided_at or start), TimelineStep(loan.disbursed_on, "disbursed", offer))
    if application.withdrawn_at is not None:
        add(application.withdrawn_at, TimelineStep(application.withdrawn_at, "withdrawn"))
    steps = [step for _at, _order, step in sorted(dated, key=lambda entry: (entry[0], entry[1]))]
    if application.status == ApplicationStatus.WITHDRAWN and application.withdrawn_at is None:
        # Withdrawn before its time was kept: the last step all the same, since nothing follows a withdrawal.
        steps.append(TimelineStep(None, "withdrawn"))
    return steps


def _loan_of(offer: Offer) -> Loan | None:
    if offer.status != OfferStatus.DISBURSED:
        return None
    try:
        return offer.loan
    except Loan.DoesNotExist:
        return None


def escalation_of(offer: Offer) -> Escalation | None:
    """The offer's 督办, if it was ever escalated."""
    try:
        return offer.escalation
    except Escalation.DoesNotExist:
        return None


def escalation_open(offer: Offer) -> bool:
    """Whether the bank is late to decide the offer and the platform is urging it (an open 督办)."""
    escalation = escalation_of(offer)
    return escalation is not None and escalation.resolved_at is None
