"""Credentials of the API: people's bearer tokens, source systems' keys, and the Idempotency-Key answers kept."""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from creditloan.errors import DomainError, ErrorCode
from creditloan.models import (
    ApiToken,
    IdempotencyRecord,
    RecordSource,
    SourceKey,
    User,
    token_digest,
)
from creditloan.values import choice_required

API_TOKEN_DAYS = 90


def api_token_issue(*, user: User, name: str, days: int = API_TOKEN_DAYS) -> tuple[ApiToken, str]:
    """A new API token for the account: the token itself is returned once, here, and only its hash is kept."""
    if not user.is_active:
        raise DomainError(ErrorCode.FORBIDDEN, _("this account is not active"))
    if not 1 <= days <= 366:
        raise DomainError(ErrorCode.INVALID_INPUT, _("days: give 1 to 366"), field="days")
    raw = secrets.token_urlsafe(32)
    now = timezone.now()
    token = ApiToken.objects.create(
        user=user,
        name=(name or "").strip()[:100] or "API client",
        prefix=raw[:8],
        digest=token_digest(raw),
        created_at=now,
        expires_at=now + dt.timedelta(days=days),
        password_mark=user.get_session_auth_hash(),
    )
    return token, raw


def api_token_revoke(*, user: User, token_id: int) -> ApiToken:
    token = ApiToken.objects.filter(pk=token_id, user=user, revoked_at__isnull=True).first()
    if token is None:
        raise DomainError(ErrorCode.NOT_FOUND, _("no active API token #%(number)s of yours") % {"number": token_id})
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    return token


def source_key_issue(*, source: str, name: str) -> tuple[SourceKey, str]:
    """A key for one source system to push its records; returned once, its hash kept."""
    choice_required(
        source,
        RecordSource.values,
        field="source",
        refused=_("source: '%(value)s' is not one of %(allowed)s"),
        code=ErrorCode.IMPORT_SOURCE,
    )
    raw = "src_" + secrets.token_urlsafe(32)
    key = SourceKey.objects.create(
        source=source,
        name=(name or "").strip()[:100] or source,
        prefix=raw[4:12],
        digest=token_digest(raw),
        created_at=timezone.now(),
    )
    return key, raw


def idempotency_records_prune(*, now: dt.datetime | None = None) -> int:
    """Forget the answers kept for Idempotency-Keys once a client can no longer be retrying them
    (IDEMPOTENCY_KEEP_HOURS, a day by default); a key sent again after that is a new request."""
    cutoff = (now or timezone.now()) - dt.timedelta(hours=settings.IDEMPOTENCY_KEEP_HOURS)
    deleted, _by_model = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
