"""The life of an offer: an explicit state machine, one place that moves it (the application's is the core's,
creditloan/states.py, and reads the same way).

Every move is an event looked up in a table of (state, event) → new state. The transition function locks the
row (select_for_update), checks the table against the state as it is now in the database, and saves; an event
the table does not allow from the current state is refused with a message naming both. So two officers acting
on one offer at once cannot both succeed: the second sees the first's result and is refused.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from creditloan.states import transition_locked
from matching.models import Offer, OfferStatus

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

OFFER_EVENTS = sorted({event for _, event in OFFER_TRANSITIONS})


@transaction.atomic
def offer_transition(*, offer_id: int, event: str, by=None, **fields) -> Offer:
    """Move an offer by `event` under a row lock, stamping when and (for a bank's decision) by whom."""
    offer = transition_locked(
        Offer,
        offer_id,
        event,
        table=OFFER_TRANSITIONS,
        events=OFFER_EVENTS,
        states=OfferStatus,
        unknown=_("unknown offer event '%(event)s'"),
        thing=_("offer #%(number)d"),
        fields=fields,
    )
    changed = ["status", *fields]
    # The bank's answer is stamped, not the payout: that is the loan's own day (Loan.disbursed_on), and restamping
    # would lose when the loan was approved and make a bank that answered in time look late.
    if event in ("accept", "decline", "approve"):
        offer.decided_at = timezone.now()
        offer.decided_by = by
        changed += ["decided_at", "decided_by"]
    if event == "accept":
        offer.accepted_at = offer.decided_at
        changed.append("accepted_at")
    offer.save(update_fields=changed)
    return offer
