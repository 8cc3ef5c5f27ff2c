"""Whether a person may act for a firm, as the core's writes ask it; each refuses in its own service's words."""

from __future__ import annotations

from django.db import models

from creditloan.errors import DomainError, ErrorCode
from creditloan.identity.selectors import Permission, acts_for, firms_acted_for
from creditloan.models import Enterprise, User


def acting_for_required(user: User, enterprise: Enterprise, *, may: Permission, refused: str) -> None:
    """Refuses (forbidden, on the firm's field) unless the person may act for the firm in this way: `refused`
    says so, with the firm's %(uscc)s."""
    if not acts_for(user, enterprise, may=may):
        raise DomainError(ErrorCode.FORBIDDEN, refused % {"uscc": enterprise.uscc}, field="enterprise")


def locked_for(model: type[models.Model], row_id: int, *, user: User, may: Permission, missing: str, field: str):
    """Row `row_id` of a firm's (an application, an authorisation), locked for the change, when the person may act
    for its firm in this way; otherwise not found, as if it were not there (`missing`, with its %(number)s)."""
    row = model.objects.select_for_update().filter(pk=row_id, enterprise__in=firms_acted_for(user, may=may)).first()
    if row is None:
        raise DomainError(ErrorCode.NOT_FOUND, missing % {"number": row_id}, field=field)
    return row
