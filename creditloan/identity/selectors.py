"""For which firms a person may act, and for what: the one place every read and write of a firm's data asks. A
membership is in force when it is active and, for an agent, not past its day; each permission is asked by name."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.db.models import Case, Q, QuerySet, When
from django.utils import timezone

from creditloan.models import (
    ClaimAttempt,
    Enterprise,
    EnterpriseMembership,
    MembershipRelation,
    MembershipStatus,
    User,
)

# What a person may do for a firm: a legal representative everything, an agent what was delegated.
Permission = Literal["apply", "consent", "view_report"]
PERMISSIONS: tuple[Permission, ...] = ("apply", "consent", "view_report")


def onboarding_step(user: User) -> str | None:
    """The page of the next thing a new applicant must do before acting for a firm, or None when done."""
    if not user.phone_confirmed:
        return "phone_confirm"
    if not user.identity_verified:
        return "identity_verify"
    return None


def memberships_in_force(user: User, *, may: Permission | None = None, on: dt.date | None = None) -> QuerySet:
    """The person's memberships that let them act today (or on `on`), with the permission asked for."""
    if not user.is_authenticated:
        return EnterpriseMembership.objects.none()
    on = on or timezone.localdate()
    memberships = EnterpriseMembership.objects.filter(user=user, status=MembershipStatus.ACTIVE).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=on)
    )
    if may is not None:
        if may not in PERMISSIONS:
            raise ValueError(f"unknown permission {may!r}")
        memberships = memberships.filter(**{f"may_{may}": True})
    return memberships


def firms_acted_for(user: User, *, may: Permission) -> QuerySet[Enterprise]:
    """The firms the person may act for in this way: every query of a firm's data starts from these."""
    return Enterprise.objects.filter(pk__in=memberships_in_force(user, may=may).values("enterprise_id"))


def acts_for(user: User, enterprise: Enterprise | int, *, may: Permission) -> bool:
    enterprise_id = enterprise if isinstance(enterprise, int) else enterprise.pk
    return memberships_in_force(user, may=may).filter(enterprise_id=enterprise_id).exists()


def firms_represented_by(user: User) -> QuerySet[Enterprise]:
    """The firms whose verified legal representative the person is: they decide who else acts for them."""
    return Enterprise.objects.filter(
        pk__in=EnterpriseMembership.objects.filter(
            user=user, relation=MembershipRelation.LEGAL_REPRESENTATIVE, status=MembershipStatus.ACTIVE
        ).values("enterprise_id")
    )


def delegations_answerable_by(user: User) -> QuerySet[EnterpriseMembership]:
    """Agents' requests and delegations of every firm the person represents: theirs to approve, refuse or end."""
    return EnterpriseMembership.objects.filter(
        relation=MembershipRelation.AUTHORISED_AGENT, enterprise__in=firms_represented_by(user)
    )


def delegations_of(enterprise_id: int) -> QuerySet[EnterpriseMembership]:
    """Every agent's request to the firm and its answer, waiting ones first, then the newest."""
    return (
        EnterpriseMembership.objects.filter(enterprise_id=enterprise_id, relation=MembershipRelation.AUTHORISED_AGENT)
        .select_related("user")
        # Waiting first: the legal representative's next thing to do.
        .order_by(Case(When(status=MembershipStatus.PENDING, then=0), default=1), "-created_at")
    )


def requests_of(user: User) -> QuerySet[EnterpriseMembership]:
    """The person's own requests to act as an agent that wait for an answer or were refused. Until approved, a
    request says nothing of the firm, not even its name: the person is not verified for it."""
    return EnterpriseMembership.objects.filter(
        user=user,
        relation=MembershipRelation.AUTHORISED_AGENT,
        status__in=[MembershipStatus.PENDING, MembershipStatus.REFUSED],
    ).order_by("-created_at")


def failed_claims_of(enterprise_id: int) -> QuerySet[ClaimAttempt]:
    """Who tried to claim the firm as its legal representative and did not match the registry."""
    return (
        ClaimAttempt.objects.filter(enterprise_id=enterprise_id, succeeded=False)
        .select_related("user")
        .order_by("-attempted_at")
    )
