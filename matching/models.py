from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from creditloan.models import Bank, CustomsCreditClass, EnterpriseKind, GuaranteeMode, TaxCreditRating
from creditloan.reference.industries import DIVISIONS, SECTIONS
from creditloan.reference.regions import REGIONS
from creditloan.values import percent_text
from matching.pricing import product_rate_bounds
from scoring.ml.scale import GRADES


class BankMonth(models.Model):
    """How many offers a bank was sent in a calendar month (Beijing time). Routing checks capacity against it
    and adds to it under the bank's row lock, in the transaction that creates the offers: the month's count
    stays one row to read however many offers the month holds."""

    bank = models.ForeignKey(Bank, on_delete=models.CASCADE, related_name="months", verbose_name=_("bank"))
    month = models.DateField(_("month (its first day)"))
    offers = models.PositiveIntegerField(_("offers sent"), default=0)

    class Meta:
        verbose_name = _("bank month")
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(fields=["bank", "month"], name="bankmonth_one_per_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="bankmonth_first_day"),
        ]

    def __str__(self) -> str:
        return f"{self.bank_id} {self.month:%Y-%m}: {self.offers}"


class RepaymentMethod(models.TextChoices):
    EQUAL_INSTALMENTS = "equal_instalments", _("Equal instalments (等额本息)")
    EQUAL_PRINCIPAL = "equal_principal", _("Equal principal (等额本金)")
    INTEREST_FIRST = "interest_first", _("Interest monthly, principal at maturity (先息后本)")
    FLEXIBLE = "flexible", _("Draw and repay any time (随借随还)")


class PolicyTag(models.TextChoices):
    """Conditions of a product beyond the firm's figures: data the applicant must have authorised."""

    TAX_DATA = "tax_data", _("Tax data authorised (税易贷)")
    CUSTOMS_DATA = "customs_data", _("Customs data authorised")
    BANK_DATA = "bank_data", _("Bank-shared data authorised")


class LoanProduct(models.Model):
    """A bank's loan product: its terms, and the rules a firm must meet to be offered it. An empty rule
    (an empty list, a blank or null minimum) does not restrict."""

    bank = models.ForeignKey(Bank, on_delete=models.PROTECT, related_name="products", verbose_name=_("bank"))
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

    regions = models.JSONField(
        _("regions (GB/T 2260 prefixes)"), default=list, blank=True, help_text=_("e.g. 44 (a province), 4403, 440305")
    )
    industries_included = models.JSONField(
        _("industries included (GB/T 4754)"), default=list, blank=True, help_text=_("sections (C) or divisions (39)")
    )
    industries_excluded = models.JSONField(_("industries excluded (GB/T 4754)"), default=list, blank=True)
    enterprise_kinds = models.JSONField(_("kinds of firm"), default=list, blank=True)
    min_firm_age_years = models.DecimalField(
        _("minimum years since registration"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    min_tax_rating = models.CharField(
        _("minimum tax credit rating"), max_length=1, choices=TaxCreditRating.choices, blank=True
    )
    customs_classes = models.JSONField(_("customs credit classes accepted"), default=list, blank=True)
    max_risk_grade = models.CharField(
        _("worst risk grade accepted"), max_length=1, choices=[(grade, grade) for grade in GRADES], blank=True
    )
    max_probability_of_default = models.FloatField(_("highest probability of default accepted"), null=True, blank=True)
    min_annual_tax_paid = models.DecimalField(
        _("minimum tax paid in the latest year (yuan)"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    min_annual_revenue = models.DecimalField(
        _("minimum revenue in the latest year (yuan)"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    policy_tags = models.JSONField(_("policy tags"), default=list, blank=True)
    # Blank: the bank's own deadlines hold for the product.
    accept_deadline_days = models.PositiveSmallIntegerField(
        _("time to accept (working days; blank: the bank's)"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    decision_deadline_days = models.PositiveSmallIntegerField(
        _("time to decide once accepted (working days; blank: the bank's)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
    )

    class Meta:
        verbose_name = _("loan product")
        verbose_name_plural = verbose_name
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
            models.CheckConstraint(
                condition=Q(max_probability_of_default__isnull=True)
                | Q(max_probability_of_default__gt=0, max_probability_of_default__lte=1),
                name="product_max_pd_range",
            ),
            models.CheckConstraint(
                condition=(Q(min_firm_age_years__isnull=True) | Q(min_firm_age_years__gte=0))
                & (Q(min_annual_tax_paid__isnull=True) | Q(min_annual_tax_paid__gte=0))
                & (Q(min_annual_revenue__isnull=True) | Q(min_annual_revenue__gte=0)),
                name="product_minimums_not_negative",
            ),
            models.CheckConstraint(
                condition=(Q(accept_deadline_days__isnull=True) | Q(accept_deadline_days__gte=1))
                & (Q(decision_deadline_days__isnull=True) | Q(decision_deadline_days__gte=1)),
                name="product_deadlines_positive",
            ),
            # What the offers' (product, bank) foreign key points at.
            models.UniqueConstraint(fields=["id", "bank"], name="product_id_with_bank"),
        ]

    def __str__(self) -> str:
        return f"{self.bank.name} · {self.name}"

    @property
    def days_to_accept(self) -> int:
        """Working days the bank has to take an offer of this product up (接单): the product's own, else the bank's."""
        return self.accept_deadline_days or self.bank.response_deadline_days

    @property
    def days_to_decide(self) -> int:
        """Working days the bank has to decide once it has accepted: the product's own, else the bank's."""
        return self.decision_deadline_days or self.bank.decision_deadline_days

    @property
    def listed_repayment_methods(self) -> list[str]:
        """The product's repayment methods, in its order, leaving out any clean() would refuse."""
        return [method for method in self.repayment_methods if method in RepaymentMethod.values]

    @property
    def usual_repayment_method(self) -> str:
        """What a loan is repaid by unless another of the product's methods is agreed: its first, or equal
        instalments (the usual one) when it names none."""
        listed = self.listed_repayment_methods
        return listed[0] if listed else RepaymentMethod.EQUAL_INSTALMENTS.value

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.pk is not None and self.bank_id is not None:
            stored_bank = LoanProduct.objects.filter(pk=self.pk).values_list("bank_id", flat=True).first()
            if stored_bank not in (None, self.bank_id) and self.offers.exists():
                errors["bank"] = _(
                    "applications have been routed to this product at its bank; make a new product for another bank"
                )
        if self.amount_min is not None and self.amount_max is not None and self.amount_min > self.amount_max:
            errors["amount_max"] = _("the maximum amount %(max)s is below the minimum %(min)s") % {
                "max": self.amount_max,
                "min": self.amount_min,
            }
        if self.term_min_months and self.term_max_months and self.term_min_months > self.term_max_months:
            errors["term_max_months"] = _("the longest term %(max)s is shorter than the shortest %(min)s") % {
                "max": self.term_max_months,
                "min": self.term_min_months,
            }
        if self.rate_min is not None and self.rate_max is not None and self.rate_min > self.rate_max:
            errors["rate_max"] = _("the highest rate %(max)s is below the lowest %(min)s") % {
                "max": percent_text(self.rate_max),
                "min": percent_text(self.rate_min),
            }
        errors.update(self._rate_bound_errors())
        checks = {
            "repayment_methods": (self.repayment_methods, RepaymentMethod.values),
            "enterprise_kinds": (self.enterprise_kinds, EnterpriseKind.values),
            "customs_classes": (self.customs_classes, CustomsCreditClass.values),
            "policy_tags": (self.policy_tags, PolicyTag.values),
        }
        for field, (values, known) in checks.items():
            problem = _unknown(values, known)
            if problem:
                errors[field] = problem
        for field in ("regions", "industries_included", "industries_excluded"):
            problem = _list_problem(getattr(self, field))
            if problem:
                errors[field] = problem
        if "regions" not in errors:
            # A code written out in full (440300 for 深圳市) is kept as the prefix it stands for (4403), or it
            # would match only firms registered at exactly that code.
            self.regions = [shortest_region_prefix(code) for code in self.regions]
            unknown = [prefix for prefix in self.regions if not region_prefix_exists(prefix)]
            if unknown:
                errors["regions"] = _(
                    "not GB/T 2260 prefixes: %(codes)s (2, 4 or 6 digits of a region that exists)"
                ) % {"codes": ", ".join(map(str, unknown))}
        both = set(self.industries_included or []) & set(self.industries_excluded or [])
        if both and "industries_excluded" not in errors:
            errors["industries_excluded"] = _("both included and excluded: %(codes)s") % {
                "codes": ", ".join(sorted(both))
            }
        for field in ("regions", "industries_included", "industries_excluded", "enterprise_kinds", "customs_classes"):
            values = getattr(self, field)
            if field not in errors and isinstance(values, list) and len(set(values)) != len(values):
                errors[field] = _("listed more than once: %(codes)s") % {
                    "codes": ", ".join(sorted({v for v in values if values.count(v) > 1}))
                }
        for field in ("industries_included", "industries_excluded"):
            if field not in errors:
                unknown = [code for code in getattr(self, field) if code not in SECTIONS and code not in DIVISIONS]
                if unknown:
                    errors[field] = _("not GB/T 4754 sections (A–T) or divisions (01–97): %(codes)s") % {
                        "codes": ", ".join(map(str, unknown))
                    }
        if errors:
            raise ValidationError(errors)

    def _rate_bound_errors(self) -> dict[str, str]:
        bounds = product_rate_bounds()
        prime = bounds.prime_rate
        errors = {}
        if self.rate_max is not None and self.rate_max > bounds.ceiling:
            if prime is None:
                errors["rate_max"] = _(
                    "the highest rate %(rate)s is above %(ceiling)s a year, the platform's ceiling until an LPR is kept"
                ) % {
                    "rate": percent_text(self.rate_max),
                    "ceiling": percent_text(bounds.ceiling),
                }
            else:
                errors["rate_max"] = _(
                    "the highest rate %(rate)s is above %(ceiling)s, the platform's ceiling of four times the 1-year "
                    "LPR (%(lpr)s since %(since)s)"
                ) % {
                    "rate": percent_text(self.rate_max),
                    "ceiling": percent_text(bounds.ceiling),
                    "lpr": percent_text(prime.one_year),
                    "since": prime.effective_on.isoformat(),
                }
        if prime is not None and self.rate_min is not None and self.rate_min < bounds.floor:
            errors["rate_min"] = _("the lowest rate %(rate)s is below %(floor)s, half the 1-year LPR of %(lpr)s") % {
                "rate": percent_text(self.rate_min),
                "floor": percent_text(bounds.floor),
                "lpr": percent_text(prime.one_year),
            }
        return errors


def shortest_region_prefix(code):
    """440300 → 4403, 440000 → 44; anything else unchanged (it is checked next)."""
    if isinstance(code, str) and len(code) == 6 and code.isdigit():
        if code.endswith("0000"):
            return code[:2]
        if code.endswith("00"):
            return code[:4]
    return code


def region_prefix_exists(prefix) -> bool:
    """A province (44), a prefecture (4403) or a county-level code (440305) listed in GB/T 2260."""
    if not isinstance(prefix, str) or len(prefix) not in (2, 4, 6) or not prefix.isdigit():
        return False
    if len(prefix) == 4 and prefix.endswith("00"):  # 4400 is no prefecture: the province is 44
        return False
    return (prefix + "0" * (6 - len(prefix))) in REGIONS or any(code.startswith(prefix) for code in REGIONS)


def _list_problem(values) -> str | None:
    if not isinstance(values, list) or not all(isinstance(value, str) for value in values):
        return str(_('a list of codes as text, e.g. ["44", "4403"]'))
    return None


def _unknown(values, known) -> str | None:
    problem = _list_problem(values)
    if problem:
        return problem
    unknown = [value for value in values if value not in known]
    if unknown:
        return str(
            _("unknown: %(values)s; choose from %(known)s") % {"values": ", ".join(unknown), "known": ", ".join(known)}
        )
    return None


class OfferStatus(models.TextChoices):
    OFFERED = "offered", _("Offered, awaiting the bank")
    ACCEPTED = "accepted", _("Accepted for review (接单)")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")
    LAPSED = "lapsed", _("Lapsed, no answer in time")
    CLOSED = "closed", _("Closed, another bank granted or the applicant withdrew")
    DISBURSED = "disbursed", _("Disbursed (放款)")


# Offers a bank may still act on: its queue, and what closes when another bank grants or the applicant withdraws.
OPEN_OFFER_STATES = (OfferStatus.OFFERED, OfferStatus.ACCEPTED)


# Why a bank declines, as the applicant is told it (in the e-mail's sentence, so lower case).
DECLINE_REASON_WORDS = {
    "insufficient_credit": _("the credit record is not sufficient"),
    "high_leverage": _("debt is too high"),
    "insufficient_revenue": _("revenue is too low"),
    "industry_policy": _("the industry is outside the bank's lending policy"),
    "collateral": _("the guarantee or collateral is not sufficient"),
    "incomplete_information": _("the application is incomplete"),
    "other": _("another reason"),
}


class DeclineReason(models.TextChoices):
    INSUFFICIENT_CREDIT = "insufficient_credit", _("Credit record not sufficient (信用记录不足)")
    HIGH_LEVERAGE = "high_leverage", _("Debt too high (负债水平过高)")
    INSUFFICIENT_REVENUE = "insufficient_revenue", _("Revenue too low (经营收入不足)")
    INDUSTRY_POLICY = "industry_policy", _("Industry outside the bank's policy (行业政策限制)")
    COLLATERAL = "collateral", _("Guarantee or collateral not sufficient (担保或抵质押不足)")
    INCOMPLETE_INFORMATION = "incomplete_information", _("Application incomplete (申请资料不完整)")
    OTHER = "other", _("Other, explained in the note (其他)")


class Offer(models.Model):
    """An application routed to one bank product, and the bank's answer."""

    application = models.ForeignKey(
        "creditloan.Application", on_delete=models.CASCADE, related_name="offers", verbose_name=_("application")
    )
    product = models.ForeignKey(LoanProduct, on_delete=models.PROTECT, related_name="offers", verbose_name=_("product"))
    # The product's bank, kept on the offer: a bank's queue is read from its own index, and the bank an
    # application was routed to (and whose officers may see it) stays what it was. On PostgreSQL a foreign key
    # on (product, bank) holds it to the product's bank.
    bank = models.ForeignKey(Bank, on_delete=models.PROTECT, related_name="offers", verbose_name=_("bank routed to"))
    rank = models.PositiveSmallIntegerField(_("rank among the matches"))
    status = models.CharField(_("status"), max_length=12, choices=OfferStatus.choices, default=OfferStatus.OFFERED)
    offered_at = models.DateTimeField(_("offered at"))
    deadline = models.DateTimeField(_("deadline to accept"))
    # When the bank took it up for review (接单), kept apart from its decision: the first answer is what its
    # deadline measures, and the applicant's timeline shows both.
    accepted_at = models.DateTimeField(_("accepted by the bank at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="offers_accepted",
        verbose_name=_("accepted by"),
    )
    # The bank's decision only (approve or decline), never its 接单 or the payout: each stage keeps its own time.
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("decided by")
    )
    # When the payout was recorded; the loan's own value date stays Loan.disbursed_on.
    disbursed_at = models.DateTimeField(_("paid out at"), null=True, blank=True)
    # Set when it is accepted: by when the bank must approve or decline; past it, the offer is escalated (督办).
    decision_deadline = models.DateTimeField(_("decide by"), null=True, blank=True)
    decline_reason = models.CharField(_("decline reason"), max_length=32, choices=DeclineReason.choices, blank=True)
    decline_note = models.CharField(_("the bank's words on a decline"), max_length=500, blank=True)
    approved_amount = models.DecimalField(_("approved amount"), max_digits=14, decimal_places=2, null=True, blank=True)
    approved_rate = models.DecimalField(
        _("approved annual rate"), max_digits=6, decimal_places=4, null=True, blank=True
    )
    approved_term_months = models.PositiveSmallIntegerField(_("approved term (months)"), null=True, blank=True)
    # One of the product's methods, agreed when the bank approves; blank on offers approved before it was kept.
    approved_repayment_method = models.CharField(
        _("approved repayment method"), max_length=20, choices=RepaymentMethod.choices, blank=True
    )

    class Meta:
        verbose_name = _("offer")
        verbose_name_plural = verbose_name
        indexes = [
            models.Index(fields=["product", "status"], name="offer_product_status"),
            models.Index(fields=["status", "deadline"], name="offer_status_deadline"),
            models.Index(fields=["bank", "status"], name="offer_bank_status"),
            # A bank's queue as officers read it: the open offers, soonest deadline first.
            models.Index(
                fields=["bank", "deadline", "id"],
                condition=Q(status__in=OPEN_OFFER_STATES),
                name="offer_bank_open_by_deadline",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["application", "product"], name="offer_one_per_product"),
            models.CheckConstraint(condition=Q(deadline__gt=F("offered_at")), name="offer_deadline_after_offer"),
            # A decline says why, from the list; "other" says it in words.
            models.CheckConstraint(
                condition=~Q(status=OfferStatus.DECLINED) | Q(decline_reason__in=DeclineReason.values),
                name="offer_decline_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(decline_reason=DeclineReason.OTHER) | ~Q(decline_note=""),
                name="offer_other_reason_explained",
            ),
        ]

    def __str__(self) -> str:
        return f"offer #{self.pk} ({self.get_status_display()})"

    def clean(self) -> None:
        if self.product_id is not None and self.bank_id != self.product.bank_id:
            raise ValidationError(
                {"bank": _("an offer goes to its product's bank, %(bank)s") % {"bank": self.product.bank}}
            )


def first_answer_at() -> Coalesce:
    """When the bank first answered an offer, as its deadline measures it: taking the offer up for review (接单)
    when it did, else its decision."""
    return Coalesce("accepted_at", "decided_at")


class EscalationResolution(models.TextChoices):
    DECIDED_LATE = "decided_late", _("The bank decided, late")
    REROUTED = "rerouted", _("Re-routed by the operator to the next product")
    CLOSED = "closed", _("Closed: another bank granted, the applicant withdrew or revoked consent")


class Escalation(models.Model):
    """督办: an accepted offer its bank did not decide by its decision deadline, opened once by the sweep and worked
    from the operator's queue until the bank decides or the operator re-routes the application."""

    offer = models.OneToOneField(Offer, on_delete=models.CASCADE, related_name="escalation", verbose_name=_("offer"))
    opened_at = models.DateTimeField(_("opened at"))
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolution = models.CharField(_("resolution"), max_length=16, choices=EscalationResolution.choices, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("resolved by"),
    )

    class Meta:
        verbose_name = _("escalation (督办)")
        verbose_name_plural = _("escalations (督办)")
        indexes = [models.Index(fields=["resolved_at", "opened_at"], name="escalation_open_by_age")]
        constraints = [
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True, resolution="")
                | Q(resolved_at__isnull=False, resolution__in=EscalationResolution.values),
                name="escalation_resolved_with_resolution",
            ),
        ]

    def __str__(self) -> str:
        return f"escalation of offer #{self.offer_id}"


class EscalationUrge(models.Model):
    """The operator urged the bank again about an escalated offer: who, when, and the message sent."""

    escalation = models.ForeignKey(
        Escalation, on_delete=models.CASCADE, related_name="urges", verbose_name=_("escalation")
    )
    urged_at = models.DateTimeField(_("urged at"))
    urged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("urged by")
    )

    class Meta:
        verbose_name = _("urging of a bank")
        verbose_name_plural = _("urgings of banks")
        ordering = ["-urged_at"]

    def __str__(self) -> str:
        return f"urged {self.urged_at:%Y-%m-%d %H:%M}"


class LoanOutcome(models.TextChoices):
    PERFORMING = "performing", _("Performing")
    REPAID = "repaid", _("Repaid")
    DEFAULTED = "defaulted", _("Defaulted (90+ days past due, or reported defaulted or written off)")


class LoanStatus(models.TextChoices):
    """A loan's repayment status as its bank reports it (还款状态); matching.outcomes says which count as a
    default."""

    CURRENT = "current", _("Current (正常)")
    PAST_DUE = "past_due", _("Past due (逾期)")
    REPAID = "repaid", _("Repaid in full (结清)")
    DEFAULTED = "defaulted", _("Defaulted (违约)")
    WRITTEN_OFF = "written_off", _("Written off (核销)")


class ReportChannel(models.TextChoices):
    PAGE = "page", _("Officer's page")
    API = "api", _("API")
    IMPORT = "import", _("Bank-shared import")


class Loan(models.Model):
    """A disbursed loan and how it ended: the label the scoring model learns from."""

    offer = models.OneToOneField(Offer, on_delete=models.PROTECT, related_name="loan", verbose_name=_("offer"))
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    annual_rate = models.DecimalField(_("annual rate"), max_digits=6, decimal_places=4)
    term_months = models.PositiveSmallIntegerField(_("term (months)"))
    disbursed_on = models.DateField(_("paid out on"))
    outcome = models.CharField(_("outcome"), max_length=12, choices=LoanOutcome.choices, default=LoanOutcome.PERFORMING)
    outcome_on = models.DateField(_("outcome known on"), null=True, blank=True)
    # When the platform learned the outcome: the models page counts the outcomes a champion has not seen. Empty
    # for outcomes recorded before reports were kept.
    outcome_known_at = models.DateTimeField(_("outcome known at"), null=True, blank=True)
    # The latest report (matching.outcomes), kept here for the bank's list of its loans; blank before the first.
    reported_status = models.CharField(
        _("latest reported status"), max_length=12, choices=LoanStatus.choices, blank=True
    )
    reported_days_past_due = models.PositiveIntegerField(_("days past due, as last reported"), default=0)
    reported_as_of = models.DateField(_("latest report as of"), null=True, blank=True)

    class Meta:
        verbose_name = _("loan")
        verbose_name_plural = verbose_name
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


class LoanStatusReport(models.Model):
    """A bank's report of one loan's repayment status as of a day (贷后还款情况): one a day per loan, kept as
    reported. The loan's outcome, the label the risk model learns from, is read from them
    (matching.outcomes)."""

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="status_reports", verbose_name=_("loan"))
    as_of = models.DateField(_("as of"))
    status = models.CharField(_("status"), max_length=12, choices=LoanStatus.choices)
    days_past_due = models.PositiveIntegerField(_("days past due"), default=0)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("reported by")
    )
    channel = models.CharField(_("reported through"), max_length=8, choices=ReportChannel.choices)
    reported_at = models.DateTimeField(_("reported at"))

    class Meta:
        verbose_name = _("loan status report")
        verbose_name_plural = _("loan status reports")
        ordering = ["loan", "as_of"]
        constraints = [
            models.UniqueConstraint(fields=["loan", "as_of"], name="loanstatusreport_one_a_day"),
            # Past due means at least a day late; current and repaid mean not late at all.
            models.CheckConstraint(
                condition=Q(status=LoanStatus.PAST_DUE, days_past_due__gte=1)
                | Q(status__in=[LoanStatus.CURRENT, LoanStatus.REPAID], days_past_due=0)
                | Q(status__in=[LoanStatus.DEFAULTED, LoanStatus.WRITTEN_OFF]),
                name="loanstatusreport_days_fit_status",
            ),
        ]

    def __str__(self) -> str:
        return f"loan #{self.loan_id} on {self.as_of}: {self.status}"


class MatchingSettings(models.Model):
    """The operator's ranking weights and how many products an application is offered to at once, kept as
    numbered versions: a ranking names the version that produced it, so it can be explained and replayed."""

    number = models.PositiveIntegerField(_("version"), unique=True)
    weight_approval = models.FloatField(_("weight: chance the bank approves"), default=0.5)
    weight_price = models.FloatField(_("weight: price to the applicant"), default=0.2)
    weight_fit = models.FloatField(_("weight: fit of amount and term"), default=0.15)
    weight_response = models.FloatField(_("weight: the bank's response record"), default=0.15)
    top_k = models.PositiveSmallIntegerField(_("products offered at once"), default=3)
    note = models.CharField(_("why this version"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("published at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("published by")
    )

    class Meta:
        verbose_name = _("matching settings")
        verbose_name_plural = _("matching settings")
        ordering = ["-number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weight_approval__gte=0, weight_price__gte=0, weight_fit__gte=0, weight_response__gte=0)
                & (Q(weight_approval__gt=0) | Q(weight_price__gt=0) | Q(weight_fit__gt=0) | Q(weight_response__gt=0)),
                name="matchingsettings_weights_are_shares",
            ),
            models.CheckConstraint(condition=Q(top_k__gte=1), name="matchingsettings_offers_someone"),
        ]

    def __str__(self) -> str:
        return f"v{self.number}"


class ApprovalModelVersion(models.Model):
    """A learned model of which applicants each bank approves (matching.ranking.ApprovalModel), numbered."""

    number = models.PositiveIntegerField(_("version"), unique=True)
    coefficients = models.JSONField(_("coefficients"))
    metrics = models.JSONField(_("held-out metrics"), default=dict)
    trained_at = models.DateTimeField(_("trained at"))

    class Meta:
        verbose_name = _("approval model")
        verbose_name_plural = verbose_name
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"v{self.number}"


class Ranking(models.Model):
    """An application's eligible products in order, with every term that placed them and the versions of the
    weights, the approval model and the score that produced them."""

    application = models.ForeignKey(
        "creditloan.Application", on_delete=models.CASCADE, related_name="rankings", verbose_name=_("application")
    )
    score = models.ForeignKey("scoring.Score", on_delete=models.PROTECT, related_name="+", verbose_name=_("score"))
    settings = models.ForeignKey(
        MatchingSettings, on_delete=models.PROTECT, related_name="rankings", verbose_name=_("matching settings")
    )
    approval_model = models.ForeignKey(
        ApprovalModelVersion, null=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("approval model")
    )
    entries = models.JSONField(_("products, best first, with their terms"))
    created_at = models.DateTimeField(_("ranked at"))

    class Meta:
        verbose_name = _("ranking")
        verbose_name_plural = verbose_name
        indexes = [models.Index(fields=["application", "created_at"], name="ranking_application_time")]

    def __str__(self) -> str:
        return f"ranking of #{self.application_id}"


class WarningKind(models.TextChoices):
    """The serious negative records a lending bank is warned of (早发现、早预警): the lists, a serious penalty, a
    D tax rating. A minor or ordinary penalty, a C rating and the rest are weighed when the firm applies, not
    sent to its lenders."""

    DISHONEST_JUDGMENT_DEBTOR = "dishonest_judgment_debtor", _("Dishonest judgment debtor (失信被执行人)")
    SERIOUS_DISHONESTY_LIST = "serious_dishonesty_list", _("Serious-dishonesty list (严重失信主体名单)")
    SERIOUS_PENALTY = "serious_penalty", _("Serious administrative penalty (严重行政处罚)")
    TAX_RATING_D = "tax_rating_d", _("Tax credit rating D (纳税信用D级)")
    ABNORMAL_OPERATION_LIST = "abnormal_operation_list", _("Abnormal-operation list (经营异常名录)")


# The record tables a warning can name, by the consent source that covers them.
WARNING_SOURCES = (("public_credit", _("Public credit")), ("tax", _("Tax")))


class EarlyWarning(models.Model):
    """贷后预警: a firm with a loan still performing at a bank gained a serious negative record, and the bank is
    told, within the firm's post-loan consent to it. The warning names the record (its table and id) with what
    the list needs to say which it is; the record itself is shown, and the look logged, when an officer opens
    the warning. One per loan and record."""

    bank = models.ForeignKey(Bank, on_delete=models.PROTECT, related_name="early_warnings", verbose_name=_("bank"))
    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="warnings", verbose_name=_("loan"))
    enterprise = models.ForeignKey(
        "creditloan.Enterprise", on_delete=models.PROTECT, related_name="+", verbose_name=_("firm")
    )
    kind = models.CharField(_("kind"), max_length=32, choices=WarningKind.choices)
    record_source = models.CharField(_("record source"), max_length=16, choices=WARNING_SOURCES)
    record_id = models.BigIntegerField(_("record"))
    record_date = models.DateField(_("record date"))
    summary = models.CharField(_("the record in brief"), max_length=300, blank=True)
    raised_at = models.DateTimeField(_("raised at"))
    seen_at = models.DateTimeField(_("first opened at"), null=True, blank=True)
    seen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("first opened by"),
    )

    class Meta:
        verbose_name = _("early warning")
        verbose_name_plural = _("early warnings")
        indexes = [
            models.Index(fields=["bank", "raised_at"], name="earlywarning_bank_time"),
            # The officer nav's badge: a bank's unseen warnings.
            models.Index(fields=["bank"], condition=Q(seen_at__isnull=True), name="earlywarning_bank_unseen"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["loan", "record_source", "record_id"], name="earlywarning_one_per_loan_and_record"
            ),
            models.CheckConstraint(
                condition=Q(seen_at__isnull=True, seen_by__isnull=True)
                | Q(seen_at__isnull=False, seen_by__isnull=False, seen_at__gte=F("raised_at")),
                name="earlywarning_seen_by_someone_after_raised",
            ),
            models.CheckConstraint(
                condition=Q(record_source="public_credit") & ~Q(kind=WarningKind.TAX_RATING_D)
                | Q(record_source="tax", kind=WarningKind.TAX_RATING_D),
                name="earlywarning_kind_from_its_source",
            ),
        ]

    def __str__(self) -> str:
        return f"warning #{self.pk}: {self.kind} of loan {self.loan_id}"
