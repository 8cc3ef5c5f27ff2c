"""An agent's request answered by the firm's legal representative: approved with what the agent may do and until
when, refused, or revoked; one table of moves."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from creditloan.errors import DomainError, ErrorCode
from creditloan.identity.selectors import delegations_answerable_by
from creditloan.models import (
    EnterpriseMembership,
    MembershipStatus,
    User,
)

# The longest an agent's delegation may run before the legal representative grants it again.
DELEGATION_LONGEST = dt.timedelta(days=366)


# What the legal representative may do with an agent's request or delegation: from which states, to which.
DELEGATION_MOVES = {
    "approve": ({MembershipStatus.PENDING}, MembershipStatus.ACTIVE),
    "refuse": ({MembershipStatus.PENDING}, MembershipStatus.REFUSED),
    "revoke": ({MembershipStatus.PENDING, MembershipStatus.ACTIVE}, MembershipStatus.REVOKED),
}


def _delegation_move(*, by: User, membership_id: int, event: str, **fields) -> EnterpriseMembership:
    """One answer of the legal representative to an agent of a firm they represent, under a row lock: the move
    must start from a state the table allows; `fields` are what the answer sets besides the state."""
    delegation = (
        delegations_answerable_by(by).select_for_update().filter(pk=membership_id).select_related("user", "enterprise")
    ).first()
    if delegation is None:
        raise DomainError(
            ErrorCode.NOT_FOUND,
            _("no request #%(number)s to a firm you represent") % {"number": membership_id},
            field="delegation",
        )
    allowed, target = DELEGATION_MOVES[event]
    if delegation.status not in allowed:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            _("request #%(number)d was already answered: %(status)s")
            % {"number": delegation.pk, "status": delegation.get_status_display()},
        )
    fields |= {"status": target, "decided_at": timezone.now(), "decided_by": by}
    for name, value in fields.items():
        setattr(delegation, name, value)
    delegation.save(update_fields=list(fields))
    return delegation


@transaction.atomic
def delegation_approve(
    *,
    by: User,
    membership_id: int,
    may_apply: bool,
    may_consent: bool,
    may_view_report: bool,
    valid_until: dt.date,
) -> EnterpriseMembership:
    """The legal representative lets the agent act for the firm: what they may do, until when."""
    if not (may_apply or may_consent or may_view_report):
        raise DomainError(
            ErrorCode.INVALID_INPUT, _("permissions: choose at least one thing the agent may do"), field="permissions"
        )
    today = timezone.localdate()
    if not isinstance(valid_until, dt.date) or not today <= valid_until <= today + DELEGATION_LONGEST:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            _("valid_until: a day from today to %(last)s") % {"last": today + DELEGATION_LONGEST},
            field="valid_until",
        )
    return _delegation_move(
        by=by,
        membership_id=membership_id,
        event="approve",
        may_apply=may_apply,
        may_consent=may_consent,
        may_view_report=may_view_report,
        valid_until=valid_until,
    )


@transaction.atomic
def delegation_refuse(*, by: User, membership_id: int) -> EnterpriseMembership:
    return _delegation_move(by=by, membership_id=membership_id, event="refuse")


@transaction.atomic
def delegation_revoke(*, by: User, membership_id: int) -> EnterpriseMembership:
    """The legal representative ends an agent's delegation at once, or a request before answering it."""
    return _delegation_move(by=by, membership_id=membership_id, event="revoke")
