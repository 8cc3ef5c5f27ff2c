"""The shapes the API reads and writes. Input serializers check the shape only (and refuse unknown fields);
what the input means is the services' to decide, exactly as for the pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.forms.models import model_to_dict
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from creditloan.api import fields
from creditloan.api.base import (
    StrictSerializer,
)
from creditloan.models import (
    CONSENT_SOURCES,
    DISPUTABLE_SOURCES,
    AccessLog,
    Application,
    Authorisation,
    AuthorisationPurpose,
    Dispute,
    EnterpriseMembership,
    ImportBatch,
    KnockOutReview,
    MembershipRelation,
)
from creditloan.models.applications import GuaranteeMode
from creditloan.services import (
    AMOUNT_MAX,
    AMOUNT_MIN,
    TERM_MAX,
    TERM_MIN,
)
from matching.offers import escalation_open

AMOUNT = {"max_digits": 14, "decimal_places": 2}


class TokenRequest(StrictSerializer):
    username = serializers.CharField(max_length=150)
    # As the login page takes it: spaces are part of a password.
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})
    name = serializers.CharField(max_length=100, required=False, default="API client")


class TokenIssued(serializers.Serializer):
    token = serializers.CharField(help_text="Shown only now: keep it; the platform stores only its hash.")
    prefix = serializers.CharField()
    expires_at = serializers.DateTimeField()


class EnterpriseJoin(StrictSerializer):
    uscc = serializers.CharField(max_length=32)
    relation = serializers.ChoiceField(
        choices=MembershipRelation.choices,
        help_text="legal_representative: claim the firm (matched to the registry); authorised_agent: ask to act "
        "for it, pending until its legal representative approves.",
    )
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, help_text="For an agent's request.")


class Membership(serializers.ModelSerializer):
    id = serializers.IntegerField(source="enterprise.pk")
    uscc = serializers.CharField(source="enterprise.uscc")
    name = serializers.CharField(source="enterprise.name")
    kind = serializers.CharField(source="enterprise.kind")
    status = serializers.CharField(source="enterprise.status")
    region = serializers.CharField(source="enterprise.region")
    industry = serializers.CharField(source="enterprise.industry")

    membership_status = serializers.CharField(source="status")

    class Meta:
        model = EnterpriseMembership
        fields = [
            "id",
            "uscc",
            "name",
            "kind",
            "status",
            "region",
            "industry",
            "relation",
            "membership_status",
            "may_apply",
            "may_consent",
            "may_view_report",
            "valid_until",
        ]


class AgentRequestOut(serializers.ModelSerializer):
    """An agent's request, waiting for the legal representative: nothing of the firm until approved."""

    membership_status = serializers.CharField(source="status")

    class Meta:
        model = EnterpriseMembership
        fields = ["id", "relation", "membership_status", "note", "created_at"]


class Terms(StrictSerializer):
    # The bounds submitting checks, so that a preview refuses what submitting would, in the same words.
    amount = fields.AmountField(
        minimum=AMOUNT_MIN,
        maximum=AMOUNT_MAX,
        help_text=f"yuan, {AMOUNT_MIN:,} to {AMOUNT_MAX:,}; 1000000.00 or 1,000,000.00",
    )
    term_months = fields.WholeNumberField(minimum=TERM_MIN, maximum=TERM_MAX)
    guarantee_mode = serializers.ChoiceField(choices=GuaranteeMode.choices)


class ApplicationCreate(Terms):
    enterprise = fields.RowIdField(help_text="The id of a firm you act for.")
    purpose = serializers.CharField(max_length=200)


class RuleReason(serializers.Serializer):
    rule = serializers.CharField()
    reason_zh = serializers.CharField()
    reason_en = serializers.CharField()


class Verdict(serializers.Serializer):
    product = serializers.CharField(source="product.code")
    product_name = serializers.CharField(source="product.name")
    bank = serializers.CharField(source="product.bank.code")
    eligible = serializers.BooleanField()
    reasons = RuleReason(many=True)


class ScoreReason(serializers.Serializer):
    feature = serializers.CharField()
    value = serializers.CharField()
    points = serializers.IntegerField()
    text_zh = serializers.CharField()
    text_en = serializers.CharField()


class ReasonLine(serializers.Serializer):
    feature = serializers.CharField()
    text_zh = serializers.CharField()
    text_en = serializers.CharField()


class Reasons(serializers.Serializer):
    """In the order the credit report reads them. Scores stored before a list was kept leave it out."""

    ruled_out = ReasonLine(many=True, required=False, help_text="The policy rules that rule the firm out, by name.")
    withheld = ReasonLine(
        many=True, required=False, help_text="A line per source the firm has not authorised, and how to authorise it."
    )
    raised = ScoreReason(many=True)
    lowered = ScoreReason(many=True)
    context = ReasonLine(
        many=True, required=False, help_text="Background and missing figures: counted in the score, never as fault."
    )


class Improvement(serializers.Serializer):
    feature = serializers.CharField()
    advice_zh = serializers.CharField()
    advice_en = serializers.CharField()
    points_gained = serializers.IntegerField(
        allow_null=True, help_text="Null for authorising a source: its gain is unknown until its data is read."
    )
    lifts_knock_out = serializers.BooleanField(
        required=False, help_text="Taking this step lifts a policy rule that rules the firm out."
    )


class ScoreOut(serializers.Serializer):
    as_of = serializers.DateField()
    grade = serializers.CharField()
    points = serializers.IntegerField()
    probability_of_default = serializers.FloatField()
    model_version = serializers.IntegerField(source="model_version.number")
    reasons = Reasons()
    improvements = Improvement(many=True)
    exclusions = RuleReason(many=True)


class EligibilityOut(serializers.Serializer):
    score = ScoreOut()
    products = Verdict(many=True)


class Record(serializers.Serializer):
    id = serializers.IntegerField()
    source = serializers.CharField()
    summary = serializers.CharField()
    data = serializers.DictField(help_text="The record's fields as the source reported them.")
    dispute = serializers.IntegerField(allow_null=True, help_text="The open or last dispute of this record.")
    dispute_status = serializers.CharField(allow_null=True)


class CreditReport(serializers.Serializer):
    enterprise = serializers.IntegerField()
    score = ScoreOut(allow_null=True)
    records = Record(many=True)


class OfferOut(serializers.Serializer):
    id = serializers.IntegerField()
    bank = serializers.CharField(source="product.bank.code")
    bank_name = serializers.CharField(source="product.bank.name")
    product = serializers.CharField(source="product.code")
    product_name = serializers.CharField(source="product.name")
    rank = serializers.IntegerField()
    status = serializers.CharField()
    offered_at = serializers.DateTimeField()
    deadline = serializers.DateTimeField(help_text="By when the bank must take it up (接单).")
    accepted_at = serializers.DateTimeField(allow_null=True, help_text="When the bank took it up (接单).")
    decision_deadline = serializers.DateTimeField(
        allow_null=True, help_text="Once taken up: by when the bank must approve or decline it."
    )
    escalated = serializers.SerializerMethodField(
        help_text="true: the bank is late to decide and the platform is urging it (督办)."
    )
    decided_at = serializers.DateTimeField(allow_null=True, help_text="When the bank approved or declined it.")
    disbursed_at = serializers.DateTimeField(allow_null=True, help_text="When the bank recorded the payout.")
    decline_reason = serializers.CharField()
    decline_note = serializers.CharField()
    approved_amount = serializers.DecimalField(**AMOUNT, allow_null=True)
    approved_rate = serializers.DecimalField(max_digits=6, decimal_places=4, allow_null=True)
    approved_term_months = serializers.IntegerField(allow_null=True)

    def get_escalated(self, offer) -> bool:
        return escalation_open(offer)


class ApplicationOut(serializers.ModelSerializer):
    enterprise = serializers.IntegerField(source="enterprise_id")
    offers = OfferOut(many=True, read_only=True)

    class Meta:
        model = Application
        fields = [
            "id",
            "enterprise",
            "amount",
            "term_months",
            "purpose",
            "guarantee_mode",
            "status",
            "submitted_at",
            "offers",
        ]


class ApplicationSubmitted(ApplicationOut):
    """ApplicationOut of an application just submitted: no bank can have been offered it yet (it is scored and
    routed once its submission commits), so its offers are not read."""

    offers = serializers.SerializerMethodField()

    @extend_schema_field(OfferOut(many=True))
    def get_offers(self, application: Application) -> list:
        return []


class AuthorisationCreate(StrictSerializer):
    enterprise = fields.RowIdField()
    sources = serializers.ListField(child=serializers.ChoiceField(choices=CONSENT_SOURCES), min_length=1)
    purpose = serializers.ChoiceField(choices=AuthorisationPurpose.choices)
    banks = serializers.ListField(child=fields.RowIdField(), min_length=1, help_text="Bank ids.")
    expires_on = fields.DateField()


class AuthorisationOut(serializers.ModelSerializer):
    enterprise = serializers.IntegerField(source="enterprise_id")
    banks = serializers.SlugRelatedField(many=True, read_only=True, slug_field="code")
    active = serializers.SerializerMethodField()

    class Meta:
        model = Authorisation
        fields = [
            "id",
            "enterprise",
            "sources",
            "purpose",
            "banks",
            "text",
            "granted_at",
            "expires_on",
            "revoked_at",
            "active",
        ]

    def get_active(self, authorisation: Authorisation) -> bool:
        return authorisation.is_active()


class DisputeCreate(StrictSerializer):
    enterprise = fields.RowIdField()
    source = serializers.ChoiceField(choices=sorted(DISPUTABLE_SOURCES))
    record_id = fields.RowIdField()
    reason = serializers.CharField(max_length=2000)


# A firm's request that the platform answers by a date (a dispute, a review of a knock-out). A comment, not a
# docstring: the schema would take a docstring as the description of each serializer built on it.
class _AnswerDue(serializers.ModelSerializer):
    overdue = serializers.SerializerMethodField(help_text="Open past its answer's due date.")

    def get_overdue(self, item) -> bool:
        return item.status == "open" and item.due_on < timezone.localdate()


class DisputeOut(_AnswerDue):
    enterprise = serializers.IntegerField(source="enterprise_id")

    class Meta:
        model = Dispute
        fields = [
            "id",
            "enterprise",
            "source",
            "record_id",
            "record_summary",
            "reason",
            "raised_at",
            "due_on",
            "overdue",
            "status",
            "resolution",
            "resolved_at",
        ]


class KnockOutReviewCreate(StrictSerializer):
    reason = serializers.CharField(max_length=2000, help_text="Why the rule should not apply.")


class KnockOutReviewOut(_AnswerDue):
    application = serializers.IntegerField(source="application_id")
    rules = RuleReason(many=True)

    class Meta:
        model = KnockOutReview
        fields = [
            "id",
            "application",
            "rules",
            "reason",
            "requested_at",
            "due_on",
            "overdue",
            "status",
            "resolution",
            "resolved_at",
        ]


class AccessOut(serializers.ModelSerializer):
    viewer = serializers.CharField(source="viewer.username")
    what_display = serializers.CharField(help_text="What was seen, in the request's language.")
    bank = serializers.SlugRelatedField(read_only=True, slug_field="code", allow_null=True)

    class Meta:
        model = AccessLog
        fields = ["id", "viewed_at", "viewer", "bank", "what", "what_display", "purpose", "reference"]


def _plain(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def records_out(groups: list[dict]) -> list[dict]:
    """The records behind a score, each with its fields and its open or last dispute."""
    return [
        {
            "id": record.pk,
            "source": group["source"],
            "summary": str(record),
            "data": {
                name: _plain(value) for name, value in model_to_dict(record).items() if name not in ("id", "enterprise")
            },
            "dispute": dispute.pk if dispute else None,
            "dispute_status": dispute.status if dispute else None,
        }
        for group in groups
        for record, dispute in group["records"]
    ]


class BatchOut(serializers.ModelSerializer):
    files = serializers.SerializerMethodField()

    class Meta:
        model = ImportBatch
        fields = [
            "id",
            "status",
            "origin",
            "started_at",
            "finished_at",
            "error",
            "error_code",
            "error_params",
            "error_message",
            "manifest",
            "files",
        ]

    error_message = serializers.CharField(read_only=True, help_text="Why it failed, in the request's language.")

    def get_files(self, batch) -> list[dict]:
        return [
            {
                "source": f.source,
                "name": f.name,
                "encoding": f.encoding,
                "rows": f.rows,
                "created": f.created,
                "updated": f.updated,
                "unchanged": f.unchanged,
                "rejected": f.rejected,
            }
            for f in batch.files.order_by("pk")
        ]
