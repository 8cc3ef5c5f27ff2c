"""Credit records, one model per source, as the source systems report them.

Each row keeps where it came from (the source system and that system's own record id, unique together, so
a re-import updates in place) and which import file and row last set its values.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class Sourced(models.Model):
    """Where a row's values came from: the source system, and the import file and row that last set them."""

    source = models.CharField(_("source system"), max_length=64)
    # Provenance only: the file is created in the same transaction as the rows that point at it, and a
    # database-level check per imported row would cost the bulk load a lookup each (Django still applies
    # SET_NULL when a file is deleted through the ORM). Nothing looks records up by file, so no index either:
    # every imported row would pay for its upkeep.
    import_file = models.ForeignKey(
        "creditloan.ImportFile",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
        db_index=False,
        verbose_name=_("import file"),
    )
    source_row = models.PositiveIntegerField(_("row in the source file"), null=True, blank=True)
    ingested_at = models.DateTimeField(_("first ingested"))
    updated_at = models.DateTimeField(_("last updated"))

    class Meta:
        abstract = True


class CreditRecord(Sourced):
    # No index of its own: each record model's (enterprise, date) index serves lookups by firm as well.
    enterprise = models.ForeignKey(
        "creditloan.Enterprise",
        on_delete=models.PROTECT,
        related_name="%(class)ss",
        db_index=False,
        verbose_name=_("enterprise"),
    )
    source_record_id = models.CharField(_("record id at the source"), max_length=64)

    class Meta:
        abstract = True
        constraints = [
            models.UniqueConstraint(fields=["source", "source_record_id"], name="%(class)s_unique_per_source"),
        ]


class PublicCreditKind(models.TextChoices):
    ADMINISTRATIVE_PENALTY = "administrative_penalty", _("Administrative penalty (行政处罚)")
    ADMINISTRATIVE_LICENCE = "administrative_licence", _("Administrative licence (行政许可)")
    DISHONEST_JUDGMENT_DEBTOR = "dishonest_judgment_debtor", _("Dishonest judgment debtor (失信被执行人)")
    SERIOUS_DISHONESTY_LIST = "serious_dishonesty_list", _("Serious-dishonesty list (严重失信主体名单)")
    ABNORMAL_OPERATION_LIST = "abnormal_operation_list", _("Abnormal-operation list (经营异常名录)")
    CREDIT_COMMITMENT = "credit_commitment", _("Credit commitment (信用承诺)")
    COMMITMENT_BREACH = "commitment_breach", _("Broken credit commitment (违背信用承诺)")
    COMMENDATION = "commendation", _("Commendation (表彰)")


class PenaltySeverity(models.TextChoices):
    MINOR = "minor", _("Minor (轻微)")
    ORDINARY = "ordinary", _("Ordinary (一般)")
    SERIOUS = "serious", _("Serious (严重)")


class PublicCreditRecord(CreditRecord):
    """公共信用信息: penalties, licences, lists, commitments and commendations from the authorities."""

    kind = models.CharField(_("kind"), max_length=32, choices=PublicCreditKind.choices)
    severity = models.CharField(_("severity"), max_length=10, choices=PenaltySeverity.choices, blank=True)
    authority = models.CharField(_("deciding authority"), max_length=200)
    title = models.CharField(_("title"), max_length=300, blank=True)
    decision_date = models.DateField(_("decision date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    repaired_on = models.DateField(_("repaired on (信用修复)"), null=True, blank=True)
    fine_amount = models.DecimalField(_("fine (yuan)"), max_digits=16, decimal_places=2, null=True, blank=True)

    class Meta(CreditRecord.Meta):
        verbose_name = _("public credit record")
        verbose_name_plural = _("public credit records")
        indexes = [models.Index(fields=["enterprise", "decision_date"], name="publiccredit_firm_date")]
        constraints = [
            *CreditRecord.Meta.constraints,
            # Only a penalty has a severity, and every penalty has one: 过惩相当 rules depend on it.
            models.CheckConstraint(
                condition=(
                    Q(kind=PublicCreditKind.ADMINISTRATIVE_PENALTY) & ~Q(severity="")
                    | ~Q(kind=PublicCreditKind.ADMINISTRATIVE_PENALTY) & Q(severity="")
                ),
                name="publiccredit_severity_iff_penalty",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("decision_date")),
                name="publiccredit_end_after_decision",
            ),
            models.CheckConstraint(
                condition=Q(repaired_on__isnull=True) | Q(repaired_on__gte=F("decision_date")),
                name="publiccredit_repair_after_decision",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.decision_date}"


class TaxCreditRating(models.TextChoices):
    """纳税信用等级, best first; M is a new or small firm without a full year of history."""

    A = "A", "A"
    B = "B", "B"
    M = "M", "M"
    C = "C", "C"
    D = "D", "D"


class TaxRecord(CreditRecord):
    """A tax year as the tax bureau reports it (银税互动)."""

    tax_year = models.PositiveSmallIntegerField(_("tax year"))
    rating = models.CharField(_("tax credit rating"), max_length=1, choices=TaxCreditRating.choices, blank=True)
    rated_on = models.DateField(_("rating published on"))
    tax_paid = models.DecimalField(_("tax paid (yuan)"), max_digits=16, decimal_places=2)
    declared_revenue = models.DecimalField(_("declared revenue (yuan)"), max_digits=16, decimal_places=2)
    arrears = models.DecimalField(_("tax arrears (yuan)"), max_digits=16, decimal_places=2, default=0)

    class Meta(CreditRecord.Meta):
        verbose_name = _("tax record")
        verbose_name_plural = _("tax records")
        indexes = [models.Index(fields=["enterprise", "rated_on"], name="tax_firm_date")]
        constraints = [
            *CreditRecord.Meta.constraints,
            models.CheckConstraint(
                condition=Q(tax_paid__gte=0) & Q(declared_revenue__gte=0) & Q(arrears__gte=0),
                name="tax_amounts_not_negative",
            ),
            models.CheckConstraint(condition=Q(tax_year__gte=1990), name="tax_year_plausible"),
        ]

    def __str__(self) -> str:
        return f"tax {self.tax_year} {self.rating or '-'}"


class CustomsCreditClass(models.TextChoices):
    ADVANCED_CERTIFIED = "advanced_certified", _("Advanced certified enterprise (高级认证企业, AEO)")
    REGISTERED = "registered", _("Other registered enterprise (其他注册登记和备案企业)")
    DISHONEST = "dishonest", _("Dishonest enterprise (失信企业)")


class CustomsRecord(CreditRecord):
    """A year of a firm's trade as customs reports it."""

    year = models.PositiveSmallIntegerField(_("year"))
    reported_on = models.DateField(_("reported on"))
    credit_class = models.CharField(_("customs credit class"), max_length=20, choices=CustomsCreditClass.choices)
    import_value = models.DecimalField(_("import value (yuan)"), max_digits=16, decimal_places=2)
    export_value = models.DecimalField(_("export value (yuan)"), max_digits=16, decimal_places=2)
    violations = models.PositiveIntegerField(_("violations"), default=0)

    class Meta(CreditRecord.Meta):
        verbose_name = _("customs record")
        verbose_name_plural = _("customs records")
        indexes = [models.Index(fields=["enterprise", "reported_on"], name="customs_firm_date")]
        constraints = [
            *CreditRecord.Meta.constraints,
            models.CheckConstraint(
                condition=Q(import_value__gte=0) & Q(export_value__gte=0), name="customs_values_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"customs {self.year} {self.credit_class}"


class BankRecord(CreditRecord):
    """What a bank shares about its relationship with a firm, as of a date."""

    reporting_bank = models.CharField(_("reporting bank"), max_length=64)
    as_of = models.DateField(_("as of"))
    outstanding_balance = models.DecimalField(_("outstanding balance (yuan)"), max_digits=16, decimal_places=2)
    credit_limit = models.DecimalField(_("credit limit (yuan)"), max_digits=16, decimal_places=2)
    max_overdue_days = models.PositiveIntegerField(_("max days overdue"), default=0)
    deposit_turnover = models.DecimalField(_("deposit turnover (yuan)"), max_digits=16, decimal_places=2)
    repayments_on_time = models.PositiveIntegerField(_("repayments on time"), default=0)
    repayments_late = models.PositiveIntegerField(_("repayments late"), default=0)

    class Meta(CreditRecord.Meta):
        verbose_name = _("bank-shared record")
        verbose_name_plural = _("bank-shared records")
        indexes = [models.Index(fields=["enterprise", "as_of"], name="bank_firm_date")]
        constraints = [
            *CreditRecord.Meta.constraints,
            models.CheckConstraint(
                condition=Q(outstanding_balance__gte=0) & Q(credit_limit__gte=0) & Q(deposit_turnover__gte=0),
                name="bank_amounts_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reporting_bank} as of {self.as_of}"
