"""What API clients hold and what the API remembers for them.

A token is shown once, when it is issued, and only its SHA-256 is stored: a copy of the database gives nobody
a way in. Tokens are long random strings, so a plain hash (not a slow password hash) is what guards them.

An idempotency record keeps the first response to a write sent with an `Idempotency-Key`, so that the client
may send it again after a timeout and get the same answer, with nothing done twice.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from creditloan.models.imports import RecordSource


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user")
    )
    name = models.CharField(_("what it is for"), max_length=100)
    # The first characters, to tell tokens apart in a list without revealing them.
    prefix = models.CharField(_("token prefix"), max_length=8)
    digest = models.CharField(_("token digest"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("issued at"))
    expires_at = models.DateTimeField(_("expires at"))
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    # The account's session hash (an HMAC of its password hash) when the token was issued: a new password
    # ends every token issued before it, as it ends every session.
    password_mark = models.CharField(_("password mark"), max_length=64, default="")

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = verbose_name
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")), name="apitoken_expires_later"
            )
        ]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"


class IdempotencyRecord(models.Model):
    """The first response to one client's key on one operation. The request's fingerprint tells a true replay
    from a different request that reuses the key by mistake."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    key = models.CharField(_("idempotency key"), max_length=255)
    operation = models.CharField(_("operation"), max_length=200)
    fingerprint = models.CharField(_("request fingerprint"), max_length=64)
    status_code = models.PositiveSmallIntegerField(_("response status code"))
    body = models.JSONField(_("response body"))
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = verbose_name
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_once_per_user")]
        indexes = [models.Index(fields=["created_at"], name="idempotency_age")]

    def __str__(self) -> str:
        return f"{self.key} → {self.status_code}"


class SourceKey(models.Model):
    """A source system's key: it may push records of its one source and call nothing else. Kept as a hash,
    like a person's token."""

    source = models.CharField(_("source"), max_length=16, choices=RecordSource.choices)
    name = models.CharField(_("what it is for"), max_length=100)
    prefix = models.CharField(_("key prefix"), max_length=8)
    digest = models.CharField(_("key digest"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("issued at"))
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("source system key")
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.source}: {self.name})"
