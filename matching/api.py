"""The bank officer's endpoints: the queue of offers routed to their own bank, an offer with the firm's
credit profile within its authorisation (each opening logged), and the decisions: accept, decline, approve,
record the payout. Each decision takes an `Idempotency-Key`. An offer routed to another bank is not found."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from creditloan.api.applicant import records_out
from creditloan.api.base import CallerScoped, IsBankOfficer, StrictSerializer
from creditloan.api.idempotency import idempotent
from creditloan.api.serializers import AMOUNT, Record, ScoreOut
from matching import selectors
from matching.models import DeclineReason, Offer, OfferStatus
from matching.routing import offer_accept, offer_approve, offer_decline, offer_disburse
from matching.services import offer_profile_open

QUEUE_STATES = ["open", "all", *OfferStatus.values]


class QueuedOffer(serializers.ModelSerializer):
    application = serializers.IntegerField(source="application_id")
    enterprise = serializers.CharField(source="application.enterprise.name")
    uscc = serializers.CharField(source="application.enterprise.uscc")
    amount = serializers.DecimalField(**AMOUNT, source="application.amount")
    term_months = serializers.IntegerField(source="application.term_months")
    product = serializers.CharField(source="product.code")

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
        ]


class OfferDetail(QueuedOffer):
    purpose = serializers.CharField(source="application.purpose")
    guarantee_mode = serializers.CharField(source="application.guarantee_mode")

    class Meta(QueuedOffer.Meta):
        fields = [
            *QueuedOffer.Meta.fields,
            "purpose",
            "guarantee_mode",
            "decline_reason",
            "decline_note",
            "approved_amount",
            "approved_rate",
            "approved_term_months",
        ]


class OfferWithProfile(serializers.Serializer):
    offer = OfferDetail()
    score = ScoreOut(allow_null=True)
    shared_sources = serializers.ListField(child=serializers.CharField())
    records = Record(many=True)


class Decline(StrictSerializer):
    reason = serializers.ChoiceField(choices=DeclineReason.choices)
    note = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)


class Approve(StrictSerializer):
    amount = serializers.DecimalField(**AMOUNT, min_value=1)
    annual_rate = serializers.DecimalField(max_digits=6, decimal_places=4)
    term_months = serializers.IntegerField(min_value=1, max_value=360)


class Disburse(StrictSerializer):
    amount = serializers.DecimalField(**AMOUNT, min_value=1)
    disbursed_on = serializers.DateField()


@extend_schema(
    parameters=[OpenApiParameter("status", enum=QUEUE_STATES, description="open (default), all, or one state")]
)
class OfferQueue(CallerScoped, generics.ListAPIView):
    """The offers routed to your bank, soonest deadline first unless `ordering` says otherwise."""

    model = Offer
    permission_classes = [IsBankOfficer]
    serializer_class = QueuedOffer
    ordering_fields = ["deadline", "offered_at", "application__amount"]
    ordering = ["deadline"]

    def visible(self):
        state = self.request.query_params.get("status", "open")
        if state not in QUEUE_STATES:
            raise serializers.ValidationError({"status": [f"one of {', '.join(QUEUE_STATES)}"]})
        return selectors.bank_queue(bank=self.request.user.bank, status=state)


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
                given = self.given(data=request.data)
                given.is_valid(raise_exception=True)
                data = given.validated_data
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
