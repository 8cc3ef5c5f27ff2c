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
    # 督办 came to nothing: the operator re-routes an accepted offer not decided in time.
    (OfferStatus.ACCEPTED, "lapse"): OfferStatus.LAPSED,
}

OFFER_EVENTS = sorted({event for _, event in OFFER_TRANSITIONS})

# The stage an event records: (its time's field, its officer's field). A lapse or close is nobody's answer.
STAGE_STAMPS: dict[str, tuple[str, str | None]] = {
    "accept": ("accepted_at", "accepted_by"),
    "approve": ("decided_at", "decided_by"),
    "decline": ("decided_at", "decided_by"),
    "disburse": ("disbursed_at", None),
}


@transaction.atomic
def offer_transition(*, offer_id: int, event: str, by=None, **fields) -> Offer:
    """Move an offer by `event` under a row lock, stamping when its stage happened and (for 接单 and the decision)
    by whom."""
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
    # Each stage keeps its own time, so none overwrites another: 接单, the decision (approve or decline) and the
    # payout. The payout's value date is the loan's own (Loan.disbursed_on); this is when it was recorded.
    stamps = STAGE_STAMPS.get(event)
    if stamps is not None:
        at_field, by_field = stamps
        setattr(offer, at_field, timezone.now())
        changed.append(at_field)
        if by_field is not None:
            setattr(offer, by_field, by)
            changed.append(by_field)
    offer.save(update_fields=changed)
    return offer
