"""督办: holding a bank to its decision once it has accepted (接单) an offer.

Accepting sets the offer's decision deadline (the product's or the bank's working days, on the official calendar).
The beat sweep escalates each accepted offer past it, once: the bank's officers are told to decide, the applicant that
the platform is urging the bank, and the offer enters the operator's queue. From there the operator urges the bank
again (logged and messaged) or re-routes the application (matching.routing.offer_reroute_overdue). A decision,
however late, or the offer closing for another reason, resolves the escalation."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from creditloan.calendar import calendar_known_until, working_days_after
from creditloan.errors import DomainError, ErrorCode
from matching import notifications
from matching.models import (
    OPEN_OFFER_STATES,
    Escalation,
    EscalationUrge,
    Offer,
    OfferStatus,
)


def decision_deadline_for(offer: Offer, *, accepted_at: dt.datetime) -> dt.datetime:
    """By when the bank must decide an offer it accepts at `accepted_at`: the product's working days, else the
    bank's."""
    return working_days_after(accepted_at, offer.product.days_to_decide)


def overdue_decisions(*, now: dt.datetime) -> QuerySet[Offer]:
    """Accepted offers past their decision deadline that are not escalated yet."""
    return Offer.objects.filter(
        status=OfferStatus.ACCEPTED, decision_deadline__lt=now, escalation__isnull=True
    ).order_by("decision_deadline")


def offers_escalate_overdue(*, now: dt.datetime | None = None) -> int:
    """Escalate every accepted offer past its decision deadline, once each: safe to run twice, and an offer another
    sweep (or an officer deciding it) holds right now is left to them. Returns how many were escalated."""
    now = now or timezone.now()
    escalated = 0
    for offer_id in overdue_decisions(now=now).values_list("pk", flat=True):
        with transaction.atomic():
            offer = (
                Offer.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(pk=offer_id, status=OfferStatus.ACCEPTED, escalation__isnull=True)
                .select_related("product__bank", "application")
                .first()
            )
            if offer is None:
                continue
            Escalation.objects.create(offer=offer, opened_at=now)
            notifications.decision_overdue(offer)
            escalated += 1
    return escalated


def escalations_resolve(*, offer_ids, resolution: str, by=None) -> int:
    """Resolve the open escalations of these offers (a late decision, a re-routing, or the offer closed for another
    reason). Returns how many were resolved."""
    return Escalation.objects.filter(offer_id__in=list(offer_ids), resolved_at__isnull=True).update(
        resolved_at=timezone.now(), resolution=resolution, resolved_by=by
    )


def escalation_open_locked(escalation_id: int) -> Escalation:
    """An open escalation whose offer still waits for the bank's decision, its offer's row locked; refused otherwise
    with what became of it."""
    escalation = Escalation.objects.select_related("offer__product__bank").filter(pk=escalation_id).first()
    if escalation is None:
        raise DomainError(
            ErrorCode.NOT_FOUND,
            _("escalation #%(number)s does not exist") % {"number": escalation_id},
            field="escalation",
        )
    offer = Offer.objects.select_for_update().get(pk=escalation.offer_id)
    escalation.refresh_from_db()
    if escalation.resolved_at is not None or offer.status not in OPEN_OFFER_STATES:
        shown = escalation.get_resolution_display() if escalation.resolution else offer.get_status_display()
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            _("escalation #%(number)s is resolved already: %(what)s") % {"number": escalation.pk, "what": shown},
            field="escalation",
        )
    escalation.offer = offer
    return escalation


@transaction.atomic
def escalation_urge(*, escalation_id: int, by) -> EscalationUrge:
    """The operator urges the bank again to decide: logged, and its officers messaged."""
    escalation = escalation_open_locked(escalation_id)
    urge = EscalationUrge.objects.create(escalation=escalation, urged_at=timezone.now(), urged_by=by)
    notifications.decision_urged(escalation.offer)
    return urge


def escalation_queue(*, status: str = "open") -> QuerySet[Escalation]:
    """The operator's 督办 queue: open escalations, the longest overdue first; or every one, newest first."""
    escalations = Escalation.objects.select_related(
        "offer__product__bank", "offer__application__enterprise", "resolved_by"
    ).prefetch_related("urges")
    if status == "open":
        return escalations.filter(resolved_at__isnull=True).order_by("offer__decision_deadline", "pk")
    return escalations.order_by("-opened_at", "-pk")


def escalations_open_count() -> int:
    return Escalation.objects.filter(resolved_at__isnull=True, offer__status=OfferStatus.ACCEPTED).count()


def open_deadlines_past_calendar() -> int:
    """Open offers whose deadline (to accept, or to decide) falls after the last day the official calendar is known:
    counted on Monday–Friday, so possibly on a holiday. The operator is warned to enter that year's notice."""
    known_until = calendar_known_until()
    after = timezone.make_aware(dt.datetime.combine(known_until + dt.timedelta(days=1), dt.time.min))
    to_accept = Offer.objects.filter(status=OfferStatus.OFFERED, deadline__gte=after)
    to_decide = Offer.objects.filter(status=OfferStatus.ACCEPTED, decision_deadline__gte=after)
    return to_accept.count() + to_decide.count()
