from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class GuaranteeMode(models.TextChoices):
    CREDIT = "credit", _("Credit, no collateral (信用)")
    GUARANTEE = "guarantee", _("Guarantee (保证)")
    COLLATERAL = "collateral", _("Collateral (抵质押)")


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    SCORED = "scored", _("Scored")
    NOT_ELIGIBLE = "not_eligible", _("Not eligible")
    MATCHED = "matched", _("Offered to banks")
    GRANTED = "granted", _("Loan granted")
    DECLINED = "declined", _("Declined by every bank")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Application(models.Model):
    """A firm asking for a loan: how much, for how long, what for, and on what security."""

    enterprise = models.ForeignKey(
        "creditloan.Enterprise", on_delete=models.PROTECT, related_name="applications", verbose_name=_("enterprise")
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("applicant"),
    )
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2)
    term_months = models.PositiveSmallIntegerField(_("term (months)"))
    purpose = models.CharField(_("purpose"), max_length=200)
    guarantee_mode = models.CharField(_("guarantee"), max_length=12, choices=GuaranteeMode.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=ApplicationStatus.choices, default=ApplicationStatus.SUBMITTED
    )
    submitted_at = models.DateTimeField(_("submitted at"))
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = verbose_name
        indexes = [
            models.Index(fields=["enterprise", "submitted_at"], name="application_firm_time"),
            models.Index(fields=["submitted_at"], name="application_time"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="application_amount_positive"),
            models.CheckConstraint(
                condition=Q(term_months__gte=1, term_months__lte=360), name="application_term_range"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.enterprise_id} {self.amount}"
