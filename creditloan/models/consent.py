"""Consent (授权): what a firm lets the platform use, for what, for which banks, until when. A grant is kept
with the words the applicant agreed to; revoking it keeps the row and stamps when."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from creditloan.models.imports import RecordSource

# The sources a firm can authorise: everything but the registry, which is public.
CONSENT_SOURCES = [(value, label) for value, label in RecordSource.choices if value != RecordSource.ENTERPRISES]


class AuthorisationPurpose(models.TextChoices):
    FINANCING = "financing", _("Applying for loans (融资申请)")
    POST_LOAN = "post_loan", _("Managing a loan granted (贷后管理)")


class Authorisation(models.Model):
    enterprise = models.ForeignKey(
        "creditloan.Enterprise", on_delete=models.PROTECT, related_name="authorisations", verbose_name=_("enterprise")
    )
    # Empty only for a grant carried over from before the firm had an account here (the demo world's history).
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("granted by"),
    )
    sources = models.JSONField(_("data sources"))
    purpose = models.CharField(_("purpose"), max_length=16, choices=AuthorisationPurpose.choices)
    banks = models.ManyToManyField("creditloan.Bank", related_name="authorisations", verbose_name=_("banks"))
    text = models.TextField(_("the words agreed to"))
    granted_at = models.DateTimeField(_("granted at"))
    expires_on = models.DateField(_("valid until (inclusive)"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("revoked by"),
    )

    class Meta:
        verbose_name = _("authorisation")
        verbose_name_plural = verbose_name
        indexes = [models.Index(fields=["enterprise", "expires_on"], name="authorisation_firm_expiry")]
        constraints = [
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | Q(revoked_at__gte=F("granted_at")),
                name="authorisation_revoked_after_granted",
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True, revoked_by__isnull=True)
                | Q(revoked_at__isnull=False, revoked_by__isnull=False),
                name="authorisation_revocation_signed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id}: {', '.join(self.sources)} until {self.expires_on}"

    def is_active(self, at: dt.datetime | None = None) -> bool:
        """Granted, not revoked, not expired: an expired authorisation counts as none (as `in_force` asks it)."""
        at = at or timezone.now()
        return self.revoked_at is None and self.granted_at <= at and timezone.localdate(at) <= self.expires_on

    @staticmethod
    def in_force(at: dt.datetime | None = None, *, via: str = "") -> Q:
        """The grants in force at `at` (now): granted by then, not revoked, not expired. `via` is the path to the
        authorisation from the model queried ("authorisation__" from its banks' link table)."""
        at = at or timezone.now()
        return Q(
            **{
                f"{via}revoked_at__isnull": True,
                f"{via}granted_at__lte": at,
                f"{via}expires_on__gte": timezone.localdate(at),
            }
        )
