"""The banks taking part. Core's accounts, consent and access log point at them, and matching's products, offers
and monthly capacity hang off them."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Bank(models.Model):
    """A participating bank."""

    # What the operator sets, on the banks page and through the API alike.
    OPERATOR_FIELDS = [
        "code",
        "name",
        "contact_email",
        "contact_phone",
        "response_deadline_days",
        "decision_deadline_days",
        "monthly_capacity",
        "active",
    ]

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200, unique=True)
    contact_email = models.EmailField(_("contact e-mail"))
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    response_deadline_days = models.PositiveSmallIntegerField(
        _("time to accept (working days)"), default=3, validators=[MinValueValidator(1)]
    )
    # Once it has accepted (接单), how long the bank has to approve or decline: 渝惠融's rule is 10 working days.
    decision_deadline_days = models.PositiveSmallIntegerField(
        _("time to decide once accepted (working days)"), default=10, validators=[MinValueValidator(1)]
    )
    monthly_capacity = models.PositiveIntegerField(_("offers it can take a month"))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        # The table keeps the name it had when banks lived in matching (migration 0018 moved the model, not the
        # rows).
        db_table = "matching_bank"
        verbose_name = _("bank")
        verbose_name_plural = verbose_name
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(response_deadline_days__gte=1), name="bank_deadline_positive"),
            models.CheckConstraint(condition=Q(decision_deadline_days__gte=1), name="bank_decision_deadline_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class LoanPrimeRate(models.Model):
    """The loan prime rate (贷款市场报价利率, LPR) the National Interbank Funding Center publishes on the 20th of
    each month, as the operator keeps it: what banks price their loans from, and what a product's rates are
    checked against."""

    effective_on = models.DateField(_("in force from"), unique=True)
    one_year = models.DecimalField(_("1-year LPR"), max_digits=6, decimal_places=4)
    five_year = models.DecimalField(_("5-year-and-over LPR"), max_digits=6, decimal_places=4)
    recorded_at = models.DateTimeField(_("recorded or corrected at"), auto_now=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        verbose_name = _("loan prime rate (LPR)")
        verbose_name_plural = _("loan prime rates (LPR)")
        ordering = ["-effective_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(one_year__gt=0, one_year__lt=1, five_year__gt=0, five_year__lt=1), name="lpr_rates_range"
            ),
        ]

    def __str__(self) -> str:
        return f"LPR {self.effective_on}: {self.one_year} / {self.five_year}"
