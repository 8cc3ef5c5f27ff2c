"""The operators' back office for banks, their products, and the offers and loans made through them."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from creditloan.admin import AuditTrailMixin, LooksLoggedAdmin, ModelAdmin
from matching.models import (
    ApprovalModelVersion,
    BankMonth,
    EarlyWarning,
    Escalation,
    EscalationUrge,
    Loan,
    LoanProduct,
    LoanStatusReport,
    MatchingSettings,
    Offer,
    Ranking,
)


@admin.register(LoanProduct)
class LoanProductAdmin(ModelAdmin):
    list_display = (
        "name",
        "bank",
        "code",
        "guarantee_mode",
        "amount_min",
        "amount_max",
        "term_min_months",
        "term_max_months",
        "rate_min",
        "rate_max",
        "active",
    )
    list_filter = ("bank", "guarantee_mode", "active")
    search_fields = ("code", "name", "bank__name")
    fieldsets = (
        (None, {"fields": ("bank", "code", "name", "active")}),
        (
            _("Terms"),
            {
                "fields": (
                    "guarantee_mode",
                    "repayment_methods",
                    ("amount_min", "amount_max"),
                    ("term_min_months", "term_max_months"),
                    ("rate_min", "rate_max"),
                    ("accept_deadline_days", "decision_deadline_days"),
                )
            },
        ),
        (
            _("Eligibility rules (empty: no restriction)"),
            {
                "fields": (
                    "regions",
                    ("industries_included", "industries_excluded"),
                    "enterprise_kinds",
                    "min_firm_age_years",
                    ("min_tax_rating", "customs_classes"),
                    ("max_risk_grade", "max_probability_of_default"),
                    ("min_annual_tax_paid", "min_annual_revenue"),
                    "policy_tags",
                )
            },
        ),
    )
    # str() of a product names its bank: without the join, one query per row.
    list_select_related = ("bank",)


@admin.register(Offer)
class OfferAdmin(ModelAdmin):
    list_display = (
        "id",
        "application",
        "product",
        "rank",
        "status",
        "offered_at",
        "deadline",
        "accepted_at",
        "decided_at",
        "disbursed_at",
    )
    list_filter = ("status", "bank")
    search_fields = ("^application__enterprise__uscc", "application__enterprise__name")
    # Applications and users run to many thousands; a product's str() would cost a query per dropdown option.
    raw_id_fields = ("application", "product", "accepted_by", "decided_by")
    list_select_related = ("application", "product__bank")
    date_hierarchy = "offered_at"
    show_full_result_count = False


@admin.register(Escalation)
class EscalationAdmin(AuditTrailMixin, ModelAdmin):
    """督办 is worked from the operator's escalation queue, where urging and re-routing tell the bank and the
    applicant; here it is read only."""

    list_display = ("offer", "opened_at", "resolved_at", "resolution")
    list_filter = ("resolution",)
    list_select_related = ("offer",)
    date_hierarchy = "opened_at"


@admin.register(EscalationUrge)
class EscalationUrgeAdmin(AuditTrailMixin, ModelAdmin):
    list_display = ("escalation", "urged_at", "urged_by")
    list_select_related = ("escalation", "urged_by")


@admin.register(Loan)
class LoanAdmin(ModelAdmin):
    list_display = ("id", "offer", "amount", "annual_rate", "term_months", "disbursed_on", "outcome", "outcome_on")
    list_filter = ("outcome", "reported_status")
    search_fields = ("^offer__application__enterprise__uscc", "offer__application__enterprise__name")
    raw_id_fields = ("offer",)
    list_select_related = ("offer",)
    date_hierarchy = "disbursed_on"
    show_full_result_count = False
    # The outcome follows from the bank's reports (matching.outcomes), the one way it is set: edited here, it
    # would be a label no bank reported.
    readonly_fields = (
        "outcome",
        "outcome_on",
        "outcome_known_at",
        "reported_status",
        "reported_days_past_due",
        "reported_as_of",
    )


@admin.register(LoanStatusReport)
class LoanStatusReportAdmin(AuditTrailMixin, ModelAdmin):
    """Read-only, as the banks reported them: the evidence behind each loan's outcome."""

    list_display = ("id", "loan", "as_of", "status", "days_past_due", "channel", "reported_by", "reported_at")
    list_filter = ("status", "channel")
    search_fields = ("^loan__offer__application__enterprise__uscc", "loan__offer__application__enterprise__name")
    raw_id_fields = ("loan", "reported_by")
    list_select_related = ("loan", "reported_by")
    date_hierarchy = "as_of"
    show_full_result_count = False


@admin.register(MatchingSettings)
class MatchingSettingsAdmin(AuditTrailMixin, ModelAdmin):
    """Versions are published, never edited: a ranking must keep meaning what it meant."""

    list_display = (
        "number",
        "weight_approval",
        "weight_price",
        "weight_fit",
        "weight_response",
        "top_k",
        "created_at",
        "note",
    )


@admin.register(ApprovalModelVersion)
class ApprovalModelVersionAdmin(AuditTrailMixin, ModelAdmin):
    list_display = ("number", "trained_at")


@admin.register(Ranking)
class RankingAdmin(AuditTrailMixin, ModelAdmin):
    list_display = ("application", "settings", "approval_model", "created_at")
    list_select_related = ("settings", "approval_model")
    raw_id_fields = ("application", "score")


@admin.register(BankMonth)
class BankMonthAdmin(AuditTrailMixin, ModelAdmin):
    """Read-only: routing keeps these counts under the bank's lock; an edit here would let a bank be offered
    more than its capacity, or less."""

    list_display = ("bank", "month", "offers")
    list_filter = ("bank",)
    date_hierarchy = "month"


@admin.register(EarlyWarning)
class EarlyWarningAdmin(LooksLoggedAdmin, AuditTrailMixin, ModelAdmin):
    """Read-only, as raised; a look here names the firm's record, so it is written to the firm's access log."""

    list_display = ("id", "bank", "enterprise", "kind", "record_date", "raised_at", "seen_at")
    list_filter = ("kind", "bank")
    search_fields = ("^enterprise__uscc", "enterprise__name")
    raw_id_fields = ("loan", "enterprise", "seen_by")
    list_select_related = ("bank", "enterprise")
    date_hierarchy = "raised_at"

    def what_of(self, row) -> str:
        return f"records:{row.record_source}"
