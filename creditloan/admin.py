"""The operators' back office for the core models.

Two rules beyond Django's defaults: personal identifiers are shown masked and never editable (the resident ID
number only ever reaches a page as its masked str()), and the import trail is read-only, because it is the
record of what each file did to the data.
"""

from __future__ import annotations

import json
from decimal import Decimal

from django.contrib import admin
from django.contrib.admin.widgets import AdminDateWidget
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import models
from django.db.models.constants import LOOKUP_SEP
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from creditloan import formfields
from creditloan.forms import AdminSignInForm
from creditloan.identifiers import mask_phone, mask_resident_id
from creditloan.models import (
    AccessLog,
    AgreementAcceptance,
    ApiToken,
    Application,
    Authorisation,
    Bank,
    BankRecord,
    CalendarDay,
    ClaimAttempt,
    CustomsRecord,
    Dispute,
    Enterprise,
    EnterpriseMembership,
    IdempotencyRecord,
    ImportBatch,
    ImportFile,
    ImportRejection,
    KnockOutReview,
    LoanPrimeRate,
    OutboxMessage,
    PhoneCode,
    PublicCreditRecord,
    SourceKey,
    TaxRecord,
    User,
)
from creditloan.outbox import outbox_retry
from creditloan.services import back_office_seen

# Raw cells of rejected rows that hold personal identifiers, by column name, and how to show them.
RAW_CELL_MASKS = {"legal_representative_id": mask_resident_id}

# The back office's sign-in refuses a user name longer than an account's, as the site's does.
admin.site.login_form = AdminSignInForm
admin.site.site_header = admin.site.site_title = _("Xinyidai back office")
admin.site.index_title = _("Back office")


def masked_raw_row(raw: dict) -> dict:
    return {
        column: RAW_CELL_MASKS[column](value) if column in RAW_CELL_MASKS and isinstance(value, str) else value
        for column, value in raw.items()
    }


class ModelAdmin(admin.ModelAdmin):
    """Django's ModelAdmin, whose forms read numbers and dates as every page and the API do (creditloan.values):
    Django's own fields take full-width digits and exponents ('１００', '1e5') that the rest of the service
    refuses."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        reader = _reader_field(db_field)
        if reader is None:
            return super().formfield_for_dbfield(db_field, request, **kwargs)
        field_class, options = reader
        if isinstance(db_field, models.DateField):
            options["widget"] = AdminDateWidget
        # What the form factory passes (a label of the firm's own kind, say) wins over the column's own words.
        given = {name: kwargs[name] for name in ("label", "help_text", "required", "widget") if name in kwargs}
        return field_class(
            **{
                "label": capfirst(db_field.verbose_name),
                "required": not db_field.blank,
                "help_text": db_field.help_text,
            }
            | options
            | given
        )


def _reader_field(db_field):
    """The form field of creditloan.formfields that reads a model field's values, with its bounds, or None for a
    field Django's own form field reads as the rest of the service does."""
    if db_field.choices or db_field.primary_key or not db_field.editable or db_field.is_relation:
        return None
    if isinstance(db_field, models.DecimalField):
        places, digits = db_field.decimal_places, db_field.max_digits
        largest = Decimal(10) ** (digits - places) - Decimal(1).scaleb(-places)
        return formfields.DecimalNumberField, {"places": places, "minimum": 0, "maximum": largest}
    if isinstance(db_field, models.FloatField):
        return formfields.DecimalNumberField, {"places": 6, "minimum": 0, "maximum": 10**9}
    if isinstance(db_field, models.IntegerField):
        largest = 2**63 - 1 if isinstance(db_field, models.BigIntegerField) else 2**31 - 1
        return formfields.WholeNumberField, {"minimum": 0, "maximum": largest}
    if isinstance(db_field, models.DateField) and not isinstance(db_field, models.DateTimeField):
        return formfields.DateField, {}
    return None


class NoLookupOnIdentifiers:
    """The changelist's query string filters on any field of the model unless told otherwise: on a personal
    identifier that would let a masked value be recovered digit by digit (?legal_representative_id__startswith=1101,
    then 11010, ...), so such fields take no lookup at all (a 400, as Django answers any lookup it refuses)."""

    identifier_fields: tuple[str, ...] = ()

    def lookup_allowed(self, lookup, value, request=None) -> bool:
        if lookup.split(LOOKUP_SEP, 1)[0] in self.identifier_fields:
            return False
        return super().lookup_allowed(lookup, value, request)


class LooksLoggedAdmin:
    """A back-office page of firms' credit data writes an access log row for each row it shows, list and
    detail alike, before the page is rendered (the response renders later): operators' looks are in the
    firm's log as the banks' are. `looked_at` says what was seen, as the log's codes do."""

    looked_at = ""

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if changelist is not None:
            self._logged(request, list(changelist.result_list))
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        shown = (getattr(response, "context_data", None) or {}).get("original")
        if shown is not None:
            self._logged(request, [shown])
        return response

    def _logged(self, request, rows) -> None:
        name = self.model._meta.model_name
        back_office_seen(
            viewer=request.user,
            looks=[(self.firm_of(row), self.looked_at or self.what_of(row), f"{name} #{row.pk}") for row in rows],
        )

    def firm_of(self, row) -> int:
        return row.enterprise_id

    def what_of(self, row) -> str:
        return self.looked_at


@admin.register(User)
class UserAdmin(NoLookupOnIdentifiers, DjangoUserAdmin):
    identifier_fields = ("phone", "resident_id_digest", "real_name")
    list_display = ("username", "email", "role", "bank", "masked_phone", "is_staff", "is_active")
    list_filter = ("role", "bank", *DjangoUserAdmin.list_filter)
    list_select_related = ("bank",)
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Platform"), {"fields": ("role", "bank", "phone", "phone_confirmed_at")}),
        # The resident ID only as its masked form: the digest is for matching, never for reading.
        (_("Real-name identity"), {"fields": ("real_name", "resident_id_masked", "identity_verified_at")}),
    )
    readonly_fields = ("phone_confirmed_at", "real_name", "resident_id_masked", "identity_verified_at")
    add_fieldsets = (*DjangoUserAdmin.add_fieldsets, (_("Platform"), {"fields": ("role", "bank", "phone")}))

    @admin.display(description=_("mobile phone"), ordering="phone")
    def masked_phone(self, user: User) -> str:
        return mask_phone(user.phone)


@admin.register(Enterprise)
class EnterpriseAdmin(NoLookupOnIdentifiers, ModelAdmin):
    identifier_fields = ("legal_representative_id", "legal_representative_name")
    list_display = (
        "uscc",
        "name",
        "kind",
        "region",
        "industry",
        "status",
        "registered_on",
        "representative",
        "legal_representative_id",
    )
    list_filter = ("kind", "status")
    # A code is typed from its start (a prefix narrows to a region); a name is remembered in part.
    search_fields = ("^uscc", "name")
    date_hierarchy = "registered_on"
    # The ID renders through str(), which masks it; as a form field it would be shown, and saved, masked.
    # Provenance says which import set the values, so it changes only with an import.
    readonly_fields = ("legal_representative_id", "import_file", "source_row")
    show_full_result_count = False

    # Records arrive through the importer, which keeps their provenance; typing one in by hand would not.
    def has_add_permission(self, request) -> bool:
        return False

    # A sole proprietor has an operator (经营者) and a capital amount, a company a legal representative and
    # registered capital: one firm's form, and each row of the list, use its own kind's words.
    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None:
            kwargs["labels"] = {
                "legal_representative_name": obj.representative_title,
                "registered_capital": _("%(title)s (yuan)") % {"title": obj.capital_title},
            } | kwargs.get("labels", {})
        return super().get_form(request, obj, change, **kwargs)

    @admin.display(
        description=_("legal representative / operator / person in charge"), ordering="legal_representative_name"
    )
    def representative(self, enterprise: Enterprise) -> str:
        return _("%(name)s (%(title)s)") % {
            "name": enterprise.legal_representative_name,
            "title": enterprise.representative_title,
        }


@admin.register(Bank)
class BankAdmin(ModelAdmin):
    list_display = (
        "name",
        "code",
        "contact_email",
        "response_deadline_days",
        "decision_deadline_days",
        "monthly_capacity",
        "active",
    )
    list_filter = ("active",)
    search_fields = ("code", "name")


@admin.register(LoanPrimeRate)
class LoanPrimeRateAdmin(ModelAdmin):
    list_display = ("effective_on", "one_year", "five_year", "recorded_by", "recorded_at")
    date_hierarchy = "effective_on"
    readonly_fields = ("recorded_by", "recorded_at")

    def save_model(self, request, obj, form, change) -> None:
        obj.recorded_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(CalendarDay)
class CalendarDayAdmin(ModelAdmin):
    """The operator's entries in the official calendar; the calendar page is where they are usually kept."""

    list_display = ("date", "working", "note", "recorded_by", "recorded_at")
    list_filter = ("working",)
    date_hierarchy = "date"
    readonly_fields = ("recorded_by", "recorded_at")

    def save_model(self, request, obj, form, change) -> None:
        obj.recorded_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(EnterpriseMembership)
class EnterpriseMembershipAdmin(ModelAdmin):
    list_display = ("user", "enterprise", "relation", "status", "valid_until", "created_at")
    list_filter = ("relation", "status")
    search_fields = ("user__username", "^enterprise__uscc", "enterprise__name")
    raw_id_fields = ("user", "enterprise")
    list_select_related = ("user", "enterprise")


@admin.register(Application)
class ApplicationAdmin(ModelAdmin):
    list_display = (
        "id",
        "enterprise",
        "applicant",
        "amount",
        "term_months",
        "guarantee_mode",
        "status",
        "submitted_at",
    )
    list_filter = ("status", "guarantee_mode")
    search_fields = ("^enterprise__uscc", "enterprise__name", "applicant__username")
    raw_id_fields = ("enterprise", "applicant")
    list_select_related = ("enterprise", "applicant")
    date_hierarchy = "submitted_at"
    show_full_result_count = False


class CreditRecordAdmin(ModelAdmin):
    """Shared by the four record sources: each row hangs off one of many enterprises and came from an import."""

    raw_id_fields = ("enterprise",)
    list_select_related = ("enterprise",)
    search_fields = ("^enterprise__uscc", "enterprise__name", "=source_record_id")
    readonly_fields = ("import_file", "source_row")
    show_full_result_count = False

    # Records arrive through the importer, which keeps their provenance; typing one in by hand would not.
    def has_add_permission(self, request) -> bool:
        return False


@admin.register(PublicCreditRecord)
class PublicCreditRecordAdmin(LooksLoggedAdmin, CreditRecordAdmin):
    looked_at = "records:public_credit"
    list_display = ("enterprise", "kind", "severity", "authority", "decision_date", "end_date", "repaired_on")
    list_filter = ("kind", "severity", "source")
    date_hierarchy = "decision_date"


@admin.register(TaxRecord)
class TaxRecordAdmin(LooksLoggedAdmin, CreditRecordAdmin):
    looked_at = "records:tax"
    list_display = ("enterprise", "tax_year", "rating", "rated_on", "tax_paid", "declared_revenue", "arrears")
    list_filter = ("rating", "tax_year", "source")
    date_hierarchy = "rated_on"


@admin.register(CustomsRecord)
class CustomsRecordAdmin(LooksLoggedAdmin, CreditRecordAdmin):
    looked_at = "records:customs"
    list_display = ("enterprise", "year", "credit_class", "import_value", "export_value", "violations", "reported_on")
    list_filter = ("credit_class", "year", "source")
    date_hierarchy = "reported_on"


@admin.register(BankRecord)
class BankRecordAdmin(LooksLoggedAdmin, CreditRecordAdmin):
    looked_at = "records:bank"
    list_display = (
        "enterprise",
        "reporting_bank",
        "as_of",
        "outstanding_balance",
        "credit_limit",
        "max_overdue_days",
        "repayments_late",
    )
    list_filter = ("reporting_bank", "source")
    date_hierarchy = "as_of"


class AuditTrailMixin:
    """View only, for superusers too: records of what happened (the import trail, scores, model versions,
    rankings) are not to be rewritten."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class RawRowMixin:
    @admin.display(description=_("row as read"))
    def raw_row(self, rejection: ImportRejection) -> str:
        return format_html("<pre>{}</pre>", json.dumps(masked_raw_row(rejection.raw), ensure_ascii=False, indent=1))


class ImportFileInline(AuditTrailMixin, admin.TabularInline):
    model = ImportFile
    fields = ("source", "name", "file_format", "encoding", "rows", "created", "updated", "unchanged", "rejected")
    extra = 0
    show_change_link = True


@admin.register(ImportBatch)
class ImportBatchAdmin(AuditTrailMixin, ModelAdmin):
    list_display = ("id", "status", "origin", "started_by", "started_at", "finished_at")
    list_filter = ("status", "origin")
    list_select_related = ("started_by",)
    date_hierarchy = "started_at"
    inlines = (ImportFileInline,)


class ImportRejectionInline(AuditTrailMixin, RawRowMixin, admin.TabularInline):
    model = ImportRejection
    # The stored raw row would show personal data in full: raw_row shows it masked instead.
    fields = ("row_number", "field", "reason", "raw_row")
    readonly_fields = ("raw_row",)
    extra = 0


@admin.register(ImportFile)
class ImportFileAdmin(AuditTrailMixin, ModelAdmin):
    list_display = ("name", "source", "batch", "rows", "created", "updated", "unchanged", "rejected")
    list_filter = ("source", "file_format")
    search_fields = ("name", "=sha256")
    list_select_related = ("batch",)
    inlines = (ImportRejectionInline,)


@admin.register(ImportRejection)
class ImportRejectionAdmin(NoLookupOnIdentifiers, AuditTrailMixin, RawRowMixin, ModelAdmin):
    """Every rejected row, searchable and paginated, for files with more rejections than one page can show."""

    identifier_fields = ("raw",)
    list_display = ("row_number", "file", "field", "code", "message")
    list_filter = ("file__source", "field", "code")
    search_fields = ("reason", "=file__name")
    list_select_related = ("file",)
    fields = ("file", "row_number", "field", "code", "params", "reason", "errors", "raw_row")
    readonly_fields = ("raw_row",)
    show_full_result_count = False

    @admin.display(description=_("why it was rejected"))
    def message(self, rejection: ImportRejection) -> str:
        return rejection.message


@admin.register(Authorisation)
class AuthorisationAdmin(AuditTrailMixin, ModelAdmin):
    """Read-only: a grant and its revocation are the firm's own acts, kept with the words agreed to."""

    list_display = ("enterprise", "purpose", "sources", "granted_at", "expires_on", "revoked_at")
    list_filter = ("purpose",)
    search_fields = ("enterprise__uscc", "enterprise__name")
    date_hierarchy = "granted_at"


@admin.register(Dispute)
class DisputeAdmin(LooksLoggedAdmin, AuditTrailMixin, ModelAdmin):
    """Read-only: disputes are answered in the operators' queue, which records who answered and when."""

    list_display = ("id", "enterprise", "source", "status", "raised_at", "due_on", "resolved_at")
    list_filter = ("status", "source")
    search_fields = ("enterprise__uscc", "enterprise__name")

    def what_of(self, dispute) -> str:
        return f"records:{dispute.source}"  # the disputed record's summary is shown


@admin.register(KnockOutReview)
class KnockOutReviewAdmin(LooksLoggedAdmin, AuditTrailMixin, ModelAdmin):
    """Read-only: reviews are answered in the operators' queue, which reinstates an overturned application."""

    list_display = ("id", "application", "status", "requested_at", "due_on", "resolved_at")
    list_filter = ("status",)
    search_fields = ("application__enterprise__uscc", "application__enterprise__name")
    list_select_related = ("application",)
    looked_at = "score"  # the rules that ruled it out, read from the firm's public credit record

    def firm_of(self, review) -> int:
        return review.application.enterprise_id


@admin.register(AccessLog)
class AccessLogAdmin(AuditTrailMixin, ModelAdmin):
    """Read-only: the access log is only ever added to."""

    list_display = ("viewed_at", "enterprise", "viewer", "bank", "what", "purpose", "reference")
    list_filter = ("purpose",)
    search_fields = ("enterprise__uscc", "viewer__username", "reference")
    date_hierarchy = "viewed_at"


@admin.register(ApiToken)
class ApiTokenAdmin(AuditTrailMixin, ModelAdmin):
    """Tokens by their first characters only (the platform holds no more than their hashes). Issued through
    the API; revoked there or by its owner."""

    list_display = ("prefix", "name", "user", "created_at", "expires_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("user__username", "prefix", "name")
    exclude = ("digest",)


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(AuditTrailMixin, ModelAdmin):
    list_display = ("key", "user", "operation", "status_code", "created_at")
    search_fields = ("key", "user__username", "operation")
    date_hierarchy = "created_at"


@admin.register(OutboxMessage)
class OutboxMessageAdmin(AuditTrailMixin, ModelAdmin):
    """Tasks that committed writes set going and that have not run to the end yet. A row here for long means the
    broker or the workers were failing; one set aside failed OUTBOX_MAX_ATTEMPTS times and waits for a person
    (docs/operations.md). "Send again" makes it due at once."""

    list_display = ("task", "args", "created_at", "attempts", "next_attempt_at", "gave_up_at")
    list_filter = ("task", ("gave_up_at", admin.EmptyFieldListFilter))
    search_fields = ("task",)
    date_hierarchy = "created_at"
    actions = ["send_again"]

    @admin.action(description=_("Send again now"))
    def send_again(self, request, queryset) -> None:
        count = outbox_retry(message_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, _("%(count)d tasks will be sent again within a minute.") % {"count": count})


@admin.register(SourceKey)
class SourceKeyAdmin(AuditTrailMixin, ModelAdmin):
    """Source systems' keys by their first characters; issued with `manage.py issue_source_key`."""

    list_display = ("prefix", "source", "name", "created_at", "last_used_at", "revoked_at")
    list_filter = ("source", "revoked_at")
    search_fields = ("prefix", "name")
    exclude = ("digest",)


@admin.register(ClaimAttempt)
class ClaimAttemptAdmin(AuditTrailMixin, ModelAdmin):
    list_display = ("attempted_at", "user", "enterprise", "succeeded", "address")
    list_filter = ("succeeded",)
    search_fields = ("user__username", "^enterprise__uscc")
    list_select_related = ("user", "enterprise")


@admin.register(AgreementAcceptance)
class AgreementAcceptanceAdmin(AuditTrailMixin, ModelAdmin):
    list_display = ("accepted_at", "user", "document", "version")
    list_filter = ("document", "version")
    search_fields = ("user__username",)
    list_select_related = ("user",)


@admin.register(PhoneCode)
class PhoneCodeAdmin(NoLookupOnIdentifiers, AuditTrailMixin, ModelAdmin):
    """When codes went out, for what, and how they were tried: the code itself is kept only as a digest."""

    identifier_fields = ("phone", "digest")
    list_display = ("sent_at", "masked_number", "purpose", "attempts", "used_at", "address")
    list_filter = ("purpose",)
    exclude = ("digest", "phone")
    readonly_fields = ("masked_number",)

    @admin.display(description=_("mobile phone"))
    def masked_number(self, code: PhoneCode) -> str:
        return mask_phone(code.phone)
