from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from creditloan.models import GuaranteeMode


class Bank(models.Model):
    """A participating bank."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200, unique=True)
    contact_email = models.EmailField(_("contact e-mail"))
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    response_deadline_days = models.PositiveSmallIntegerField(_("response deadline (working days)"), default=3)
    monthly_capacity = models.PositiveIntegerField(_("offers it can take a month"))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("bank")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(response_deadline_days__gte=1), name="bank_deadline_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class RepaymentMethod(models.TextChoices):
    EQUAL_INSTALMENTS = "equal_instalments", _("Equal instalments (等额本息)")
    EQUAL_PRINCIPAL = "equal_principal", _("Equal principal (等额本金)")
    INTEREST_FIRST = "interest_first", _("Interest monthly, principal at maturity (先息后本)")
    FLEXIBLE = "flexible", _("Draw and repay any time (随借随还)")


class LoanProduct(models.Model):
    """A bank's loan product and its terms."""

    bank = models.ForeignKey(Bank, on_delete=models.PROTECT, related_name="products")
    code = models.CharField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    guarantee_mode = models.CharField(_("guarantee"), max_length=12, choices=GuaranteeMode.choices)
    repayment_methods = models.JSONField(_("repayment methods"), default=list)
    amount_min = models.DecimalField(_("minimum amount (yuan)"), max_digits=14, decimal_places=2)
    amount_max = models.DecimalField(_("maximum amount (yuan)"), max_digits=14, decimal_places=2)
    term_min_months = models.PositiveSmallIntegerField(_("shortest term (months)"))
    term_max_months = models.PositiveSmallIntegerField(_("longest term (months)"))
    rate_min = models.DecimalField(_("lowest annual rate"), max_digits=6, decimal_places=4)
    rate_max = models.DecimalField(_("highest annual rate"), max_digits=6, decimal_places=4)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("loan product")
        ordering = ["bank", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_min__gt=0, amount_max__gte=F("amount_min")), name="product_amount_range"
            ),
            models.CheckConstraint(
                condition=Q(term_min_months__gte=1, term_max_months__gte=F("term_min_months")),
                name="product_term_range",
            ),
            models.CheckConstraint(
                condition=Q(rate_min__gt=0, rate_max__gte=F("rate_min"), rate_max__lt=1), name="product_rate_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bank.name} · {self.name}"


class OfferStatus(models.TextChoices):
    OFFERED = "offered", _("Offered, awaiting the bank")
    ACCEPTED = "accepted", _("Accepted for review (接单)")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")
    LAPSED = "lapsed", _("Lapsed, no answer in time")
    CLOSED = "closed", _("Closed, another bank granted or the applicant withdrew")
    DISBURSED = "disbursed", _("Disbursed (放款)")


class Offer(models.Model):
    """An application routed to one bank product, and the bank's answer."""

    application = models.ForeignKey("creditloan.Application", on_delete=models.CASCADE, related_name="offers")
    product = models.ForeignKey(LoanProduct, on_delete=models.PROTECT, related_name="offers")
    rank = models.PositiveSmallIntegerField(_("rank among the matches"))
    status = models.CharField(max_length=12, choices=OfferStatus.choices, default=OfferStatus.OFFERED)
    offered_at = models.DateTimeField()
    deadline = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    decline_reason = models.CharField(max_length=32, blank=True)
    approved_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    approved_rate = models.DecimalField(max_digits=6, decimal_places=4, null=True, blank=True)
    approved_term_months = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("offer")
        indexes = [
            models.Index(fields=["product", "status"], name="offer_product_status"),
            models.Index(fields=["status", "deadline"], name="offer_status_deadline"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["application", "product"], name="offer_one_per_product"),
            models.CheckConstraint(condition=Q(deadline__gt=F("offered_at")), name="offer_deadline_after_offer"),
        ]

    def __str__(self) -> str:
        return f"offer #{self.pk} ({self.get_status_display()})"


class LoanOutcome(models.TextChoices):
    PERFORMING = "performing", _("Performing")
    REPAID = "repaid", _("Repaid")
    DEFAULTED = "defaulted", _("Defaulted (90+ days overdue)")


class Loan(models.Model):
    """A disbursed loan and how it ended: the label the scoring model learns from."""

    offer = models.OneToOneField(Offer, on_delete=models.PROTECT, related_name="loan")
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    annual_rate = models.DecimalField(max_digits=6, decimal_places=4)
    term_months = models.PositiveSmallIntegerField()
    disbursed_on = models.DateField()
    outcome = models.CharField(max_length=12, choices=LoanOutcome.choices, default=LoanOutcome.PERFORMING)
    outcome_on = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("loan")
        indexes = [models.Index(fields=["disbursed_on"], name="loan_disbursed_on")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="loan_amount_positive"),
            models.CheckConstraint(
                condition=Q(outcome=LoanOutcome.PERFORMING, outcome_on__isnull=True)
                | (~Q(outcome=LoanOutcome.PERFORMING) & Q(outcome_on__gte=F("disbursed_on"))),
                name="loan_outcome_dated",
            ),
        ]

    def __str__(self) -> str:
        return f"loan {self.amount} ({self.get_outcome_display()})"
