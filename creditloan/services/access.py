"""The access log written where data is read: what an operator or a bank looked at, for the firm to see."""

from __future__ import annotations

from django.utils.translation import gettext as _

from creditloan.errors import DomainError, ErrorCode
from creditloan.models import (
    AccessLog,
    AccessPurpose,
    Dispute,
    KnockOutReview,
    User,
)


def disputes_seen(*, viewer: User, disputes: list[Dispute]) -> list[Dispute]:
    """An operator is shown disputes, each quoting a record of its firm: one access log row for each, written
    before they are shown. Returns the disputes."""
    _looks_record(
        viewer,
        [(dispute.enterprise_id, f"records:{dispute.source}", f"dispute #{dispute.pk}") for dispute in disputes],
        AccessPurpose.DISPUTE,
    )
    return disputes


def knockout_reviews_seen(*, viewer: User, reviews: list[KnockOutReview]) -> list[KnockOutReview]:
    """An operator is shown reviews of knock-outs, each quoting the public credit record behind the rule: one
    access log row for each, written before they are shown. Returns the reviews."""
    _looks_record(
        viewer,
        [(review.application.enterprise_id, "score", f"review #{review.pk}") for review in reviews],
        AccessPurpose.KNOCKOUT_REVIEW,
    )
    return reviews


def back_office_seen(*, viewer: User, looks: list[tuple[int, str, str]]) -> None:
    """A back-office (admin) page shows firms' credit data: (firm, what, reference) for each row it shows, as
    access log rows written before the page is rendered."""
    _looks_record(viewer, looks, AccessPurpose.BACK_OFFICE)


def _looks_record(viewer: User, looks: list[tuple[int, str, str]], purpose: str) -> None:
    """(firm, what, reference) for each thing shown at once, as access log rows."""
    AccessLog.objects.bulk_create(
        AccessLog(
            enterprise_id=enterprise_id,
            viewer=viewer,
            bank_id=viewer.bank_id,
            what=what,
            purpose=purpose,
            reference=reference,
        )
        for enterprise_id, what, reference in looks
    )


def access_record(*, viewer: User, enterprise_id: int, what: str, purpose: str, reference: str) -> AccessLog:
    """One look at a firm's credit data, by a bank officer or an operator: written before the data is shown."""
    if purpose not in AccessPurpose.values:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            _("purpose: '%(value)s' is not an access purpose") % {"value": purpose},
            field="purpose",
        )
    return AccessLog.objects.create(
        enterprise_id=enterprise_id,
        viewer=viewer,
        bank_id=viewer.bank_id,
        what=what[:200],
        purpose=purpose,
        reference=reference[:64],
    )
