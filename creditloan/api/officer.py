"""The bank officer's endpoints: the queue of offers routed to their own bank, an offer with the firm's
credit profile within its authorisation (each opening logged), and the decisions: accept, decline, approve,
record the payout. Each decision takes an `Idempotency-Key`. An offer routed to another bank is not found."""

from __future__ import annotations

import django_filters
from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from creditloan.api import fields
from creditloan.api.base import (
    CallerScoped,
    IsBankOfficer,
    StrictFilterSet,
    StrictSerializer,
    TrueFalseFilter,
    status_asked,
    validated,
)
from creditloan.api.idempotency import idempotent
from creditloan.api.serializers import AMOUNT, Record, ScoreOut, records_out
from creditloan.services import TERM_MAX, TERM_MIN
from creditloan.values import LOAN_AMOUNT_LARGEST
from matching import selectors
from matching.decisions import offer_accept, offer_approve, offer_decline, offer_disburse
from matching.models import DeclineReason, EarlyWarning, Offer, OfferStatus, RepaymentMethod, WarningKind
from matching.offers import escalation_open
from matching.services import offer_profile_open
from matching.warnings import bank_warnings, early_warning_open

QUEUE_STATES = ["open", "all", *OfferStatus.values]


class QueuedOffer(serializers.Serializer):
    """A row of the queue (from bank_queue_rows): the schema's description of it. The list itself is written
    by queue_row, which gives the same JSON without a serializer's per-field machinery (that took 5.6 ms of a
    13 ms request for 50 rows); a test holds the two to the same output."""

    id = serializers.IntegerField()
    application = serializers.IntegerField(source="application_id")
    enterprise = serializers.CharField()
    uscc = serializers.CharField()
    amount = serializers.DecimalField(**AMOUNT)
    term_months = serializers.IntegerField()
    product = serializers.CharField(source="product_code")
    rank = serializers.IntegerField()
    status = serializers.ChoiceField(choices=OfferStatus.choices)
    offered_at = serializers.DateTimeField()
    deadline = serializers.DateTimeField()
    accepted_at = serializers.DateTimeField(allow_null=True, help_text="When your bank took it up (接单).")
    decided_at = serializers.DateTimeField(allow_null=True, help_text="When your bank approved or declined it.")
    disbursed_at = serializers.DateTimeField(allow_null=True, help_text="When the payout was recorded.")
    due_at = serializers.DateTimeField(
        allow_null=True, help_text="When your bank's next answer is due (to accept, then to decide); null if finished."
    )
    overdue = serializers.SerializerMethodField(help_text="Open and past due_at; a finished offer never is.")

    def get_overdue(self, row: dict) -> bool:
        return is_overdue(row, now=timezone.now())


def is_overdue(row: dict, *, now) -> bool:
    return row["due_at"] is not None and row["due_at"] < now


def queue_row(row: dict, *, now=None, zone=None) -> dict:
    """One queue row as QueuedOffer would write it; a list passes `now` and the current time zone once for all."""
    zone = zone or timezone.get_current_timezone()

    def when(moment):
        if moment is None:
            return None
        text = moment.astimezone(zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text  # as DRF writes UTC

    return {
        "id": row["id"],
        "application": row["application_id"],
        "enterprise": row["enterprise"],
        "uscc": row["uscc"],
        "amount": f"{row['amount']:.2f}",
        "term_months": row["term_months"],
        "product": row["product_code"],
        "rank": row["rank"],
        "status": row["status"],
        "offered_at": when(row["offered_at"]),
        "deadline": when(row["deadline"]),
        "accepted_at": when(row["accepted_at"]),
        "decided_at": when(row["decided_at"]),
        "disbursed_at": when(row["disbursed_at"]),
        "due_at": when(row["due_at"]),
        "overdue": is_overdue(row, now=now or timezone.now()),
    }


class QueueFilter(StrictFilterSet):
    """The queue's filters besides ?status=, each defined once in matching.selectors for this list and the
    officer's page alike."""

    product = django_filters.CharFilter(field_name="product__code", help_text="A product's code.")
    overdue = TrueFalseFilter(method="overdue_only", help_text="true: only open offers past their due_at.")
    search = django_filters.CharFilter(
        method="firm_named", max_length=100, help_text="Part of the firm's name, or the start of its USCC."
    )

    class Meta:
        model = Offer
        fields = ["product", "overdue", "search"]

    def overdue_only(self, offers, name, value: bool):
        return selectors.queue_overdue(offers, now=timezone.now()) if value else offers

    def firm_named(self, offers, name, value: str):
        return selectors.queue_search(offers, value)


class OfferDetail(serializers.ModelSerializer):
    application = serializers.IntegerField(source="application_id")
    enterprise = serializers.CharField(source="application.enterprise.name")
    uscc = serializers.CharField(source="application.enterprise.uscc")
    amount = serializers.DecimalField(**AMOUNT, source="application.amount")
    term_months = serializers.IntegerField(source="application.term_months")
    product = serializers.CharField(source="product.code")
    purpose = serializers.CharField(source="application.purpose")
    guarantee_mode = serializers.CharField(source="application.guarantee_mode")
    escalated = serializers.SerializerMethodField(
        help_text="true: your bank is late to decide and the platform is urging it (督办)."
    )

    class Meta:
        model = Offer
        fields = [
            "id",
            "application",
            "enterprise",
            "uscc",
            "amount",
            "term_months",
            "product",
            "rank",
            "status",
            "offered_at",
            "deadline",
            "decided_at",
            "purpose",
            "guarantee_mode",
            "decline_reason",
            "decline_note",
            "approved_amount",
            "approved_rate",
            "approved_term_months",
            "approved_repayment_method",
            "accepted_at",
            "disbursed_at",
            "decision_deadline",
            "escalated",
        ]

    def get_escalated(self, offer) -> bool:
        return escalation_open(offer)


class OfferWithProfile(serializers.Serializer):
    offer = OfferDetail()
    score = ScoreOut(allow_null=True)
    shared_sources = serializers.ListField(child=serializers.CharField())
    records = Record(many=True)


class Decline(StrictSerializer):
    reason = serializers.ChoiceField(choices=DeclineReason.choices)
    note = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)


class Approve(StrictSerializer):
    amount = fields.AmountField(minimum=1, maximum=LOAN_AMOUNT_LARGEST)
    annual_rate = fields.RateField()
    term_months = fields.WholeNumberField(minimum=TERM_MIN, maximum=TERM_MAX)
    repayment_method = serializers.ChoiceField(
        choices=RepaymentMethod.choices,
        required=False,
        help_text="One of the product's repayment methods; the product's first when left out.",
    )


class Disburse(StrictSerializer):
    amount = fields.AmountField(minimum=1, maximum=LOAN_AMOUNT_LARGEST)
    disbursed_on = fields.DateField()


@extend_schema(
    parameters=[OpenApiParameter("status", enum=QUEUE_STATES, description="open (default), all, or one state")]
)
class OfferQueue(CallerScoped, generics.ListAPIView):
    """The offers routed to your bank: open ones first, the soonest due first, then the finished ones, the
    latest deadline first; `ordering` sorts otherwise."""

    model = Offer
    permission_classes = [IsBankOfficer]
    serializer_class = QueuedOffer
    filterset_class = QueueFilter
    ordering_fields = ["deadline", "offered_at", "application__amount"]
    # An officer's client polls this: the page's query counts the rows too (Pages, WindowCountedPaginator).
    counted_in_page = True

    def visible(self):
        return selectors.bank_queue_rows(bank=self.request.user.bank, status=self._state())

    def _state(self) -> str:
        return status_asked(self.request, QUEUE_STATES)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        now, zone = timezone.now(), timezone.get_current_timezone()
        return self.get_paginated_response([queue_row(row, now=now, zone=zone) for row in page])


def _offer(request, offer_id: int) -> Offer:
    offer = selectors.bank_offer(bank=request.user.bank, offer_id=offer_id)
    if offer is None:
        raise Http404
    return offer


class OfferView(APIView):
    """The offer, the firm's score and reasons, and its records from the sources it shared with your bank.
    Every call is written to the firm's access log first."""

    permission_classes = [IsBankOfficer]

    @extend_schema(responses={200: OfferWithProfile})
    def get(self, request, offer_id: int):
        offer = _offer(request, offer_id)
        profile = offer_profile_open(offer=offer, viewer=request.user)
        body = {
            "offer": offer,
            "score": profile.score,
            "shared_sources": sorted(profile.shared_sources),
            "records": records_out(profile.records),
        }
        return Response(OfferWithProfile(body).data)


class Decision(APIView):
    """One decision on an offer of your bank; send an `Idempotency-Key` to make a retry safe."""

    permission_classes = [IsBankOfficer]
    action: str = ""
    given: type[serializers.Serializer] | None = None

    def post(self, request, offer_id: int):
        offer = _offer(request, offer_id)

        def decide() -> Response:
            data = {}
            if self.given is not None:
                data = validated(self.given, request.data)
            self.perform(offer, request.user, data)
            return Response(OfferDetail(selectors.bank_offer(bank=request.user.bank, offer_id=offer.pk)).data)

        return idempotent(request, f"POST /api/v1/offers/{offer.pk}/{self.action}/", decide)

    def perform(self, offer: Offer, user, data: dict) -> None:
        raise NotImplementedError


@extend_schema(request=None, responses={200: OfferDetail})
class Accept(Decision):
    action = "accept"

    def perform(self, offer, user, data):
        offer_accept(offer_id=offer.pk, by=user)


@extend_schema(request=Decline, responses={200: OfferDetail})
class DeclineOffer(Decision):
    action, given = "decline", Decline

    def perform(self, offer, user, data):
        offer_decline(offer_id=offer.pk, by=user, **data)


@extend_schema(request=Approve, responses={200: OfferDetail})
class ApproveOffer(Decision):
    action, given = "approve", Approve

    def perform(self, offer, user, data):
        offer_approve(offer_id=offer.pk, by=user, **data)


@extend_schema(request=Disburse, responses={200: OfferDetail})
class DisburseOffer(Decision):
    action, given = "disburse", Disburse

    def perform(self, offer, user, data):
        offer_disburse(offer_id=offer.pk, by=user, **data)


class WarningOut(serializers.ModelSerializer):
    """An early warning as the list gives it: which loan, which firm, which kind of record, and whether anyone at
    the bank has opened it. The record itself comes with the warning opened."""

    offer = serializers.IntegerField(source="loan.offer_id")
    enterprise = serializers.CharField(source="enterprise.name")
    uscc = serializers.CharField(source="enterprise.uscc")
    kind = serializers.ChoiceField(choices=WarningKind.choices)
    seen_by = serializers.CharField(source="seen_by.username", allow_null=True, default=None)

    class Meta:
        model = EarlyWarning
        fields = [
            "id",
            "loan",
            "offer",
            "enterprise",
            "uscc",
            "kind",
            "record_source",
            "record_id",
            "record_date",
            "raised_at",
            "seen_at",
            "seen_by",
        ]


class OpenedWarningOut(serializers.Serializer):
    warning = WarningOut()
    record = Record(
        allow_null=True,
        help_text="The record, while the firm's post-loan consent to your bank covers its source; null otherwise.",
    )


class Warnings(CallerScoped, generics.ListAPIView):
    """Your bank's early warnings (贷后预警), unseen first, newest first: a borrower with a loan still performing
    gained a serious negative record. Raised only while the firm's post-loan consent names your bank."""

    model = EarlyWarning
    permission_classes = [IsBankOfficer]
    serializer_class = WarningOut

    def visible(self):
        return bank_warnings(bank=self.request.user.bank)


class WarningView(APIView):
    """One of your bank's early warnings opened, with its record: written to the firm's access log first; the
    first opening marks it seen. A warning of another bank is not found."""

    permission_classes = [IsBankOfficer]

    @extend_schema(responses={200: OpenedWarningOut})
    def get(self, request, warning_id: int):
        opened = early_warning_open(viewer=request.user, warning_id=warning_id)
        if opened is None:
            raise Http404
        record = None
        if opened.record is not None:
            (record,) = records_out([{"source": opened.warning.record_source, "records": [(opened.record, None)]}])
        return Response(OpenedWarningOut({"warning": opened.warning, "record": record}).data)
