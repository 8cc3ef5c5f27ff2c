"""Disputes (异议): a firm contests one of its records; the operator must answer within the deadline."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from creditloan.models.imports import RecordSource

# The record tables a dispute can name, by the source they hold.
DISPUTABLE_SOURCES = {
    "public_credit": "creditloan.PublicCreditRecord",
    "tax": "creditloan.TaxRecord",
    "customs": "creditloan.CustomsRecord",
    "bank": "creditloan.BankRecord",
}


def _answered_with_an_answer(*, asked_at: str, name: str) -> models.CheckConstraint:
    """A firm's request (a dispute, a review of a knock-out) is open with no answer, or answered: by someone, not
    before it was asked (`asked_at`, the field of when), and with what was found."""
    return models.CheckConstraint(
        condition=Q(status="open", resolved_at__isnull=True, resolved_by__isnull=True)
        | (~Q(status="open") & Q(resolved_at__gte=F(asked_at), resolved_by__isnull=False) & ~Q(resolution="")),
        name=name,
    )


class DisputeStatus(models.TextChoices):
    OPEN = "open", _("Open, being checked")
    CORRECTED = "corrected", _("Corrected: the record was wrong")
    UPHELD = "upheld", _("Upheld: the record stands")


class Dispute(models.Model):
    enterprise = models.ForeignKey(
        "creditloan.Enterprise", on_delete=models.PROTECT, related_name="disputes", verbose_name=_("enterprise")
    )
    source = models.CharField(
        _("source"), max_length=16, choices=[(key, RecordSource(key).label) for key in DISPUTABLE_SOURCES]
    )
    record_id = models.BigIntegerField(_("record"))
    record_summary = models.CharField(_("the record as it stood"), max_length=300)
    reason = models.TextField(_("why it is wrong"))
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("raised by")
    )
    raised_at = models.DateTimeField(_("raised at"))
    due_on = models.DateField(_("answer due"))
    status = models.CharField(_("status"), max_length=12, choices=DisputeStatus.choices, default=DisputeStatus.OPEN)
    resolution = models.TextField(_("the answer"), blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("resolved by"),
    )

    class Meta:
        verbose_name = _("dispute")
        verbose_name_plural = verbose_name
        indexes = [models.Index(fields=["status", "due_on"], name="dispute_queue")]
        constraints = [
            # One open dispute a record: a second would only split the answer.
            models.UniqueConstraint(
                fields=["source", "record_id"], condition=Q(status="open"), name="dispute_one_open_per_record"
            ),
            _answered_with_an_answer(asked_at="raised_at", name="dispute_resolved_with_an_answer"),
        ]

    def __str__(self) -> str:
        return f"dispute #{self.pk} ({self.get_status_display()})"


class KnockOutReviewStatus(models.TextChoices):
    OPEN = "open", _("Open, with a person")
    OVERTURNED = "overturned", _("Overturned: the application goes on")
    UPHELD = "upheld", _("Upheld: the rule applies")


class KnockOutReview(models.Model):
    """An applicant's request that a person look again at an automated knock-out (人工复核): a policy rule of
    the scoring ruled the application out, and the applicant says why it should not apply (过惩相当)."""

    application = models.OneToOneField(
        "creditloan.Application",
        on_delete=models.PROTECT,
        related_name="knockout_review",
        verbose_name=_("application"),
    )
    rules = models.JSONField(_("the rules that ruled it out"))
    reason = models.TextField(_("why it should not apply"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    requested_at = models.DateTimeField(_("asked at"))
    due_on = models.DateField(_("answer due"))
    status = models.CharField(
        _("status"), max_length=12, choices=KnockOutReviewStatus.choices, default=KnockOutReviewStatus.OPEN
    )
    resolution = models.TextField(_("the answer"), blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("resolved by"),
    )

    class Meta:
        verbose_name = _("review of a knock-out")
        verbose_name_plural = verbose_name
        indexes = [models.Index(fields=["status", "due_on"], name="knockout_review_queue")]
        constraints = [
            _answered_with_an_answer(asked_at="requested_at", name="knockout_review_resolved_with_an_answer"),
        ]

    def __str__(self) -> str:
        return f"review #{self.pk} ({self.get_status_display()})"
