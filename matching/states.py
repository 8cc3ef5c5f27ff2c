"""The life of an application and of an offer: explicit state machines, one place that moves them.

Every move is an event looked up in a table of (state, event) → new state. The transition functions lock the
row (select_for_update), check the table against the state as it is now in the database, and save; an event
the table does not allow from the current state is refused with a message naming both. So two officers acting
on one offer at once cannot both succeed: the second sees the first's result and is refused.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from creditloan.errors import DomainError, ErrorCode
from creditloan.models import Application
from creditloan.models.applications import ApplicationStatus
from matching.models import Offer, OfferStatus

APPLICATION_TRANSITIONS: dict[tuple[str, str], str] = {
    (ApplicationStatus.SUBMITTED, "score"): ApplicationStatus.SCORED,
    # exclude: a policy rule, when scored; or no product the application is eligible for, when matched
    (ApplicationStatus.SUBMITTED, "exclude"): ApplicationStatus.NOT_ELIGIBLE,
    (ApplicationStatus.SCORED, "exclude"): ApplicationStatus.NOT_ELIGIBLE,
    (ApplicationStatus.SCORED, "match"): ApplicationStatus.MATCHED,
    (ApplicationStatus.MATCHED, "grant"): ApplicationStatus.GRANTED,
    (ApplicationStatus.MATCHED, "exhaust"): ApplicationStatus.DECLINED,  # every ranked product declined or lapsed
    (ApplicationStatus.SUBMITTED, "withdraw"): ApplicationStatus.WITHDRAWN,
    (ApplicationStatus.SCORED, "withdraw"): ApplicationStatus.WITHDRAWN,
    (ApplicationStatus.MATCHED, "withdraw"): ApplicationStatus.WITHDRAWN,
    # A knock-out that no longer holds (the record repaired or found wrong, or a person's review overturned
    # it): the application is scored again and matched.
    (ApplicationStatus.NOT_ELIGIBLE, "reinstate"): ApplicationStatus.SCORED,
}

OFFER_TRANSITIONS: dict[tuple[str, str], str] = {
    (OfferStatus.OFFERED, "accept"): OfferStatus.ACCEPTED,
    (OfferStatus.OFFERED, "decline"): OfferStatus.DECLINED,
    (OfferStatus.ACCEPTED, "decline"): OfferStatus.DECLINED,
    (OfferStatus.ACCEPTED, "approve"): OfferStatus.APPROVED,
    (OfferStatus.APPROVED, "disburse"): OfferStatus.DISBURSED,
    (OfferStatus.OFFERED, "lapse"): OfferStatus.LAPSED,
    (OfferStatus.OFFERED, "close"): OfferStatus.CLOSED,  # another bank granted, or the applicant withdrew
    (OfferStatus.ACCEPTED, "close"): OfferStatus.CLOSED,
}

APPLICATION_EVENTS = sorted({event for _, event in APPLICATION_TRANSITIONS})
OFFER_EVENTS = sorted({event for _, event in OFFER_TRANSITIONS})


def _refusal(thing: str, current: str, event: str, table: dict) -> DomainError:
    """Says what the thing is now and what can still happen to it; `thing` names it in the reader's language."""
    allowed = sorted(event_ for (state, event_) in table if state == current)
    said = {"thing": thing, "status": current.label, "event": event, "allowed": ", ".join(allowed)}
    return DomainError(
        ErrorCode.INVALID_TRANSITION,
        _("%(thing)s is “%(status)s”: it cannot %(event)s (from here it can: %(allowed)s)") % said
        if allowed
        else _("%(thing)s is “%(status)s”: it cannot %(event)s (that state is final)") % said,
        field="status",
    )


@transaction.atomic
def application_transition(*, application_id: int, event: str, **fields) -> Application:
    """Move an application by `event` under a row lock; `fields` are saved with the new state."""
    if event not in APPLICATION_EVENTS:
        raise DomainError(
            ErrorCode.INVALID_INPUT, _("unknown application event '%(event)s'") % {"event": event}, field="event"
        )
    application = Application.objects.select_for_update().get(pk=application_id)
    target = APPLICATION_TRANSITIONS.get((application.status, event))
    if target is None:
        raise _refusal(
            _("application #%(number)d") % {"number": application.pk},
            ApplicationStatus(application.status),
            event,
            APPLICATION_TRANSITIONS,
        )
    application.status = target
    for name, value in fields.items():
        setattr(application, name, value)
    application.save(update_fields=["status", *fields])
    return application


@transaction.atomic
def offer_transition(*, offer_id: int, event: str, by=None, **fields) -> Offer:
    """Move an offer by `event` under a row lock, stamping when and (for a bank's decision) by whom."""
    if event not in OFFER_EVENTS:
        raise DomainError(
            ErrorCode.INVALID_INPUT, _("unknown offer event '%(event)s'") % {"event": event}, field="event"
        )
    offer = Offer.objects.select_for_update().get(pk=offer_id)
    target = OFFER_TRANSITIONS.get((offer.status, event))
    if target is None:
        raise _refusal(
            _("offer #%(number)d") % {"number": offer.pk}, OfferStatus(offer.status), event, OFFER_TRANSITIONS
        )
    offer.status = target
    changed = ["status", *fields]
    for name, value in fields.items():
        setattr(offer, name, value)
    if event in ("accept", "decline", "approve", "disburse"):
        offer.decided_at = timezone.now()
        offer.decided_by = by
        changed += ["decided_at", "decided_by"]
    offer.save(update_fields=changed)
    return offer
