"""What proves who a person is: the one-time codes sent to a mobile number, the agreements accepted at sign-up,
and every attempt to claim a firm as its legal representative (the failed ones are shown to the firm's verified
legal representative, and they throttle the next attempts)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class PhoneCodePurpose(models.TextChoices):
    CONFIRM = "confirm", _("Confirm the mobile number")
    RESET = "reset", _("Reset the password")


class PhoneCode(models.Model):
    """A one-time code sent by SMS. Only its keyed digest is kept; it expires in minutes and allows few tries.
    The rows are also the send throttle: how many went to a number or from an address lately."""

    phone = models.CharField(_("mobile phone"), max_length=20)
    purpose = models.CharField(_("purpose"), max_length=16, choices=PhoneCodePurpose.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("user"),
    )
    digest = models.CharField(_("code digest"), max_length=64)
    address = models.GenericIPAddressField(_("requested from"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"))
    expires_at = models.DateTimeField(_("expires at"))
    attempts = models.PositiveSmallIntegerField(_("wrong tries"), default=0)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("one-time code")
        verbose_name_plural = _("one-time codes")
        indexes = [
            models.Index(fields=["phone", "sent_at"], name="phonecode_phone_time"),
            models.Index(fields=["address", "sent_at"], name="phonecode_address_time"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(expires_at__gt=models.F("sent_at")), name="phonecode_expires")
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} · {self.sent_at:%Y-%m-%d %H:%M}"


class AgreementDocument(models.TextChoices):
    USER_AGREEMENT = "user_agreement", _("User agreement")
    PRIVACY_NOTICE = "privacy_notice", _("Privacy notice")


class AgreementAcceptance(models.Model):
    """A person accepted this version of the user agreement or the privacy notice (个人信息保护法), then."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agreements", verbose_name=_("user")
    )
    document = models.CharField(_("document"), max_length=24, choices=AgreementDocument.choices)
    version = models.CharField(_("version"), max_length=16)
    accepted_at = models.DateTimeField(_("accepted at"))
    address = models.GenericIPAddressField(_("accepted from"), null=True, blank=True)

    class Meta:
        verbose_name = _("agreement accepted")
        verbose_name_plural = _("agreements accepted")
        constraints = [models.UniqueConstraint(fields=["user", "document", "version"], name="agreement_accepted_once")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_document_display()} {self.version}"


class ClaimAttempt(models.Model):
    """One try at claiming a firm as its legal representative (or 经营者, 负责人), and whether the person's
    verified identity matched the registry's."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    enterprise = models.ForeignKey(
        "creditloan.Enterprise", on_delete=models.CASCADE, related_name="claim_attempts", verbose_name=_("enterprise")
    )
    succeeded = models.BooleanField(_("succeeded"))
    attempted_at = models.DateTimeField(_("when"))
    address = models.GenericIPAddressField(_("from"), null=True, blank=True)

    class Meta:
        verbose_name = _("claim attempt")
        verbose_name_plural = _("claim attempts")
        indexes = [
            models.Index(fields=["user", "attempted_at"], name="claim_user_time"),
            models.Index(fields=["enterprise", "attempted_at"], name="claim_firm_time"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.enterprise_id}: {'ok' if self.succeeded else 'refused'}"
