"""Reads for the applicant's pages: only the firms a person acts for, and their applications."""

from __future__ import annotations

from django.db.models import QuerySet

from creditloan.models import Application, EnterpriseMembership, User


def memberships_of(user: User) -> QuerySet[EnterpriseMembership]:
    return EnterpriseMembership.objects.filter(user=user).select_related("enterprise").order_by("enterprise__name")


def membership_of(user: User, enterprise_id: int) -> EnterpriseMembership | None:
    return memberships_of(user).filter(enterprise_id=enterprise_id).first()


def applications_of(user: User) -> QuerySet[Application]:
    """The applications of every firm the person acts for, newest first, whoever submitted them."""
    return (
        Application.objects.filter(enterprise__memberships__user=user)
        .select_related("enterprise")
        .order_by("-submitted_at")
    )


def application_of(user: User, application_id: int) -> Application | None:
    return applications_of(user).filter(pk=application_id).first()


def application_timeline(application: Application) -> list[tuple]:
    """What happened to the application, oldest first: (when, what happened, the offer it concerns)."""
    events = [(application.submitted_at, "submitted", None)]
    score = application.scores.order_by("created_at").first()
    if score is not None:
        events.append((score.created_at, "scored", None))
    for offer in application.offers.select_related("product__bank"):
        events.append((offer.offered_at, "offered", offer))
        if offer.decided_at is not None:
            events.append((offer.decided_at, offer.status, offer))
    return sorted(events, key=lambda event: event[0])
