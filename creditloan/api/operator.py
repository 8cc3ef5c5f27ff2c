"""The platform operator's endpoints: banks and products (with the models' own validation), ranking weights
(versions, a what-if replay, publishing), risk models (train, follow, promote, roll back), import batches
with their rejected rows, the dispute queue, and the dashboard's figures."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import django_filters
from django.core.exceptions import ValidationError as ModelValidationError
from django.db import IntegrityError, models, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from creditloan import selectors as creditloan_selectors
from creditloan.api import fields
from creditloan.api.base import (
    CallerScoped,
    IsOperator,
    StrictBooleanField,
    StrictFilterSet,
    StrictInput,
    StrictSerializer,
    TrueFalseFilter,
    status_asked,
    validated,
)
from creditloan.api.serializers import BatchOut, DisputeOut, KnockOutReviewOut
from creditloan.errors import DomainError, ErrorCode
from creditloan.flows import applications, records
from creditloan.flows.champion import model_promote, model_roll_back, training_run_start
from creditloan.models import Bank, Dispute, ImportBatch, ImportRejection, KnockOutReview, KnockOutReviewStatus
from creditloan.models.disputes import DisputeStatus
from creditloan.services import (
    TERM_MAX,
    TERM_MIN,
    disputes_seen,
    knockout_reviews_seen,
)
from creditloan.values import CAPACITY_LARGEST, DEADLINE_DAYS_LARGEST, FIRM_AGE_LARGEST, LOAN_AMOUNT_LARGEST
from matching import dashboard
from matching.models import LoanProduct, MatchingSettings
from matching.replay import replay
from matching.services import TOP_K_MAX, matching_settings_publish
from scoring.models import ModelVersion, TrainingRun
from scoring.services import TRAINING_STEPS
from scoring.training_steps import step_text

PREVIEW_DAYS = 90


class ModelValidated(StrictInput, serializers.ModelSerializer):
    """Writes checked by the model's own full_clean (ranges, codes that exist, uniqueness), exactly as the
    operator's pages check them; the input's shape is checked strictly first, a boolean must be a JSON one."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.BooleanField: StrictBooleanField,
    }

    def validate(self, attrs):
        values = self._current()
        for name, value in attrs.items():
            field = self.Meta.model._meta.get_field(name)
            values[field.attname] = value.pk if field.is_relation and value is not None else value
        candidate = self.Meta.model(**values)
        if self.instance is not None:
            # The row being changed: its own values do not clash with themselves on unique fields.
            candidate.pk, candidate._state.adding = self.instance.pk, False
        try:
            candidate.full_clean()
        except ModelValidationError as error:
            raise serializers.ValidationError(error.message_dict) from None
        # clean() may also normalise what it accepts (a product's regions 440300 → 4403): keep its version.
        return {
            name: value if self.Meta.model._meta.get_field(name).is_relation else getattr(candidate, name)
            for name, value in attrs.items()
        }

    def _current(self) -> dict:
        if self.instance is None:
            return {}
        return {
            field.attname: getattr(self.instance, field.attname)
            for field in self.Meta.model._meta.concrete_fields
            if not field.primary_key
        }

    def save(self, **kwargs):
        try:
            with transaction.atomic():
                return super().save(**kwargs)
        except IntegrityError:
            # Another request saved the same code between the check above and this write.
            raise DomainError(
                ErrorCode.CONFLICT, _("Another change got there first; fetch the row and try again.")
            ) from None


class BankOut(ModelValidated):
    response_deadline_days = fields.WholeNumberField(minimum=1, maximum=DEADLINE_DAYS_LARGEST, required=False)
    decision_deadline_days = fields.WholeNumberField(minimum=1, maximum=DEADLINE_DAYS_LARGEST, required=False)
    monthly_capacity = fields.WholeNumberField(minimum=0, maximum=CAPACITY_LARGEST)

    class Meta:
        model = Bank
        # What an operator may set on a bank is the same on the page and through the API.
        fields = ["id", *Bank.OPERATOR_FIELDS]
        read_only_fields = ["id"]


class ProductOut(ModelValidated):
    """A product's numbers are read as the operator's page reads them (creditloan/values.py)."""

    bank = serializers.SlugRelatedField(slug_field="code", queryset=Bank.objects.all())
    amount_min = fields.AmountField(minimum=Decimal("0.01"), maximum=LOAN_AMOUNT_LARGEST)
    amount_max = fields.AmountField(minimum=Decimal("0.01"), maximum=LOAN_AMOUNT_LARGEST)
    term_min_months = fields.WholeNumberField(minimum=TERM_MIN, maximum=TERM_MAX)
    term_max_months = fields.WholeNumberField(minimum=TERM_MIN, maximum=TERM_MAX)
    rate_min = fields.RateField()
    rate_max = fields.RateField()
    min_firm_age_years = fields.DecimalNumberField(
        places=1, minimum=0, maximum=FIRM_AGE_LARGEST, required=False, allow_null=True
    )
    max_probability_of_default = fields.ProbabilityField(required=False, allow_null=True)
    min_annual_tax_paid = fields.AmountField(required=False, allow_null=True)
    min_annual_revenue = fields.AmountField(required=False, allow_null=True)
    accept_deadline_days = fields.WholeNumberField(
        minimum=1, maximum=DEADLINE_DAYS_LARGEST, required=False, allow_null=True
    )
    decision_deadline_days = fields.WholeNumberField(
        minimum=1, maximum=DEADLINE_DAYS_LARGEST, required=False, allow_null=True
    )

    class Meta:
        model = LoanProduct
        fields = "__all__"
        read_only_fields = ["id"]


class BankFilter(StrictFilterSet):
    active = TrueFalseFilter()

    class Meta:
        model = Bank
        fields = ["active"]


class ProductFilter(StrictFilterSet):
    active = TrueFalseFilter()
    bank = django_filters.CharFilter(field_name="bank__code")

    class Meta:
        model = LoanProduct
        fields = ["active", "bank", "guarantee_mode"]


class Banks(CallerScoped, generics.ListCreateAPIView):
    model = Bank
    permission_classes = [IsOperator]
    serializer_class = BankOut
    filterset_class = BankFilter
    ordering_fields = ["code", "name", "monthly_capacity"]

    def visible(self):
        return Bank.objects.order_by("code")


class BankDetail(generics.RetrieveUpdateAPIView):
    permission_classes = [IsOperator]
    serializer_class = BankOut
    queryset = Bank.objects.all()
    lookup_url_kwarg = "bank_id"
    http_method_names = ["get", "patch", "options", "head"]


class Products(CallerScoped, generics.ListCreateAPIView):
    model = LoanProduct
    permission_classes = [IsOperator]
    serializer_class = ProductOut
    filterset_class = ProductFilter
    ordering_fields = ["code", "amount_max", "rate_min"]

    def visible(self):
        return LoanProduct.objects.select_related("bank").order_by("bank__code", "code")


class ProductDetail(generics.RetrieveUpdateAPIView):
    """A product's terms and rules; PATCH {"active": false} pauses it (the next applications no longer see it)."""

    permission_classes = [IsOperator]
    serializer_class = ProductOut
    queryset = LoanProduct.objects.select_related("bank")
    lookup_url_kwarg = "product_id"
    http_method_names = ["get", "patch", "options", "head"]


class SettingsOut(serializers.ModelSerializer):
    class Meta:
        model = MatchingSettings
        fields = [
            "number",
            "weight_approval",
            "weight_price",
            "weight_fit",
            "weight_response",
            "top_k",
            "note",
            "created_at",
        ]


class WeightsIn(StrictSerializer):
    approval = fields.WeightField()
    price = fields.WeightField()
    fit = fields.WeightField()
    response = fields.WeightField()
    top_k = fields.WholeNumberField(minimum=1, maximum=TOP_K_MAX)
    note = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)


class WeightsPreviewIn(WeightsIn):
    since = fields.DateField(required=False, help_text=f"Default: {PREVIEW_DAYS} days ago.")


class Weights(CallerScoped, generics.ListAPIView):
    """Every version of the ranking weights, newest first; POST publishes a new one."""

    model = MatchingSettings
    permission_classes = [IsOperator]
    serializer_class = SettingsOut

    def visible(self):
        return MatchingSettings.objects.order_by("-number")

    @extend_schema(request=WeightsIn, responses={201: SettingsOut})
    def post(self, request):
        given = validated(WeightsIn, request.data)
        version = matching_settings_publish(**given, by=request.user)
        return Response(SettingsOut(version).data, status=status.HTTP_201_CREATED)


class WeightsPreview(APIView):
    """What the weights would have done: past applications matched now and with the weights given. Writes
    nothing."""

    permission_classes = [IsOperator]

    @extend_schema(request=WeightsPreviewIn, responses={200: OpenApiTypes.OBJECT})
    def post(self, request):
        data = validated(WeightsPreviewIn, request.data)
        data.pop("note", None)
        since = data.pop("since", None) or timezone.localdate() - dt.timedelta(days=PREVIEW_DAYS)
        return Response(replay(since=since, weight_changes=data).to_dict())


class VersionOut(serializers.ModelSerializer):
    class Meta:
        model = ModelVersion
        fields = ["number", "status", "sha256", "metrics", "beats_baseline", "trained_at", "promoted_at"]


class TrainingRunOut(serializers.ModelSerializer):
    steps = serializers.SerializerMethodField()
    # Kept as a code with its figures (a worker has no reader's language); said here in the caller's.
    step_text = serializers.SerializerMethodField()
    version = serializers.SlugRelatedField(slug_field="number", read_only=True, allow_null=True)

    class Meta:
        model = TrainingRun
        fields = ["id", "status", "step", "steps", "step_text", "message", "version", "queued_at", "finished_at"]

    def get_steps(self, run) -> int:
        return TRAINING_STEPS

    def get_step_text(self, run) -> str:
        return step_text(run.step_text)


class ModelVersions(CallerScoped, generics.ListAPIView):
    """Risk model versions with their held-out metrics beside the scorecard's, newest first."""

    model = ModelVersion
    permission_classes = [IsOperator]
    serializer_class = VersionOut

    def visible(self):
        return ModelVersion.objects.order_by("-number")


class TrainModel(APIView):
    """Queue a training; follow it at the run's address."""

    permission_classes = [IsOperator]

    @extend_schema(request=None, responses={202: TrainingRunOut})
    def post(self, request):
        run = training_run_start(by=request.user)
        run.refresh_from_db()
        return Response(TrainingRunOut(run).data, status=status.HTTP_202_ACCEPTED)


class TrainingRunDetail(generics.RetrieveAPIView):
    permission_classes = [IsOperator]
    serializer_class = TrainingRunOut
    queryset = TrainingRun.objects.select_related("version")
    lookup_url_kwarg = "run_id"


class Promote(APIView):
    permission_classes = [IsOperator]

    @extend_schema(request=None, responses={200: VersionOut})
    def post(self, request, number: int):
        return Response(VersionOut(model_promote(number=number)).data)


class RollBack(APIView):
    permission_classes = [IsOperator]

    @extend_schema(request=None, responses={200: VersionOut})
    def post(self, request):
        return Response(VersionOut(model_roll_back()).data)


class RejectionOut(serializers.ModelSerializer):
    file = serializers.CharField(source="file.name")
    source = serializers.CharField(source="file.source")
    message = serializers.CharField(read_only=True, help_text="The first problem, in the request's language.")
    errors = serializers.SerializerMethodField()

    class Meta:
        model = ImportRejection
        fields = ["id", "file", "source", "row_number", "field", "code", "params", "message", "reason", "errors"]
        extra_kwargs = {
            "code": {"help_text": "What is wrong, as a code; empty for rows imported before codes were kept."},
            "params": {"help_text": "The values the message is made from."},
            "reason": {"help_text": "The first problem in English, as stored."},
        }

    def get_errors(self, rejection) -> list[dict]:
        """Every problem of the row: field, code, params, and the message in the request's language."""
        messages = rejection.messages()
        return [
            {
                "field": error["field"],
                "code": error.get("code", ""),
                "params": error.get("params", {}),
                "message": message,
                "reason": error["reason"],
            }
            for error, (_field, message) in zip(rejection.errors, messages, strict=True)
        ]


class ImportBatches(CallerScoped, generics.ListAPIView):
    model = ImportBatch
    permission_classes = [IsOperator]
    serializer_class = BatchOut
    filterset_fields = ["status", "origin"]

    def visible(self):
        return creditloan_selectors.import_batches().prefetch_related("files")


class ImportBatchDetail(generics.RetrieveAPIView):
    permission_classes = [IsOperator]
    serializer_class = BatchOut
    queryset = ImportBatch.objects.prefetch_related("files")
    lookup_url_kwarg = "batch_id"


class ImportRejections(CallerScoped, generics.ListAPIView):
    """The rows a batch rejected, each with every problem found in it, field by field."""

    model = ImportRejection
    permission_classes = [IsOperator]
    serializer_class = RejectionOut

    def visible(self):
        batch = creditloan_selectors.import_batch(self.kwargs["batch_id"])
        if batch is None:
            raise Http404
        return creditloan_selectors.rejections_of(batch).select_related("file")


class DisputeResolveIn(StrictSerializer):
    outcome = serializers.ChoiceField(choices=[DisputeStatus.CORRECTED, DisputeStatus.UPHELD])
    resolution = serializers.CharField(max_length=2000)


@extend_schema(parameters=[OpenApiParameter("status", enum=DisputeStatus.values, description="Default: open.")])
class DisputeQueue(CallerScoped, generics.ListAPIView):
    """Disputes by their deadline, the overdue first."""

    model = Dispute
    permission_classes = [IsOperator]
    serializer_class = DisputeOut

    def visible(self):
        state = status_asked(self.request, DisputeStatus.values)
        return creditloan_selectors.dispute_queue(status=state)

    def list(self, request, *args, **kwargs):
        page = disputes_seen(viewer=request.user, disputes=self.paginate_queryset(self.get_queryset()))
        return self.get_paginated_response(DisputeOut(page, many=True).data)


class DisputeResolve(APIView):
    permission_classes = [IsOperator]

    @extend_schema(request=DisputeResolveIn, responses={200: DisputeOut})
    def post(self, request, dispute_id: int):
        given = validated(DisputeResolveIn, request.data)
        return Response(DisputeOut(records.dispute_resolve(by=request.user, dispute_id=dispute_id, **given)).data)


class ReviewResolveIn(StrictSerializer):
    outcome = serializers.ChoiceField(choices=[KnockOutReviewStatus.OVERTURNED, KnockOutReviewStatus.UPHELD])
    resolution = serializers.CharField(max_length=2000)


@extend_schema(parameters=[OpenApiParameter("status", enum=KnockOutReviewStatus.values, description="Default: open.")])
class ReviewQueue(CallerScoped, generics.ListAPIView):
    """Requests to review an automated knock-out, the soonest due first; each shown is written to its firm's
    access log."""

    model = KnockOutReview
    permission_classes = [IsOperator]
    serializer_class = KnockOutReviewOut

    def visible(self):
        state = status_asked(self.request, KnockOutReviewStatus.values)
        return creditloan_selectors.knockout_review_queue(status=state)

    def list(self, request, *args, **kwargs):
        page = knockout_reviews_seen(viewer=request.user, reviews=self.paginate_queryset(self.get_queryset()))
        return self.get_paginated_response(KnockOutReviewOut(page, many=True).data)


class ReviewResolve(APIView):
    permission_classes = [IsOperator]

    @extend_schema(request=ReviewResolveIn, responses={200: KnockOutReviewOut})
    def post(self, request, review_id: int):
        given = validated(ReviewResolveIn, request.data)
        return Response(
            KnockOutReviewOut(applications.knockout_review_resolve(by=request.user, review_id=review_id, **given)).data
        )


class BankFiguresOut(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    offers = serializers.IntegerField()
    answered = serializers.IntegerField()
    approved = serializers.IntegerField()
    declined = serializers.IntegerField()
    lapsed = serializers.IntegerField()
    approval_rate = serializers.FloatField(allow_null=True)
    median_response_hours = serializers.FloatField(
        allow_null=True, help_text="Calendar hours from the offer to the bank's first answer (接单, or a decision)."
    )
    p90_response_hours = serializers.FloatField(allow_null=True)
    median_decision_hours = serializers.FloatField(
        allow_null=True, help_text="Calendar hours from 接单 to the decision (approve or decline)."
    )
    p90_decision_hours = serializers.FloatField(allow_null=True)
    disbursed_amount = serializers.FloatField()


class MonthOut(serializers.Serializer):
    month = serializers.CharField()
    amount = serializers.FloatField()
    loans = serializers.IntegerField()


class SpreadOut(serializers.Serializer):
    count = serializers.IntegerField()
    median = serializers.FloatField(allow_null=True)
    p90 = serializers.FloatField(allow_null=True)


class AnswerTimesOut(serializers.Serializer):
    """Calendar hours (nights, weekends and holidays count), over every bank's offers."""

    first_answer = SpreadOut(help_text="From the offer to the bank's first answer (接单, or a decision).")
    decision = SpreadOut(help_text="From 接单 to the decision (approve or decline).")


class DashboardOut(serializers.Serializer):
    since = serializers.DateField()
    funnel = serializers.DictField(child=serializers.IntegerField())
    answer_times = AnswerTimesOut()
    banks = BankFiguresOut(many=True)
    disbursed_by_month = MonthOut(many=True)
    grades = serializers.DictField(child=serializers.IntegerField())


class DashboardSince(StrictSerializer):
    since = fields.DateField(required=False)


@extend_schema(parameters=[DashboardSince])
class Dashboard(APIView):
    """The dashboards' figures: the funnel, each bank's answers and payouts, payouts by month, firms by grade."""

    permission_classes = [IsOperator]

    @extend_schema(responses={200: DashboardOut})
    def get(self, request):
        given = validated(DashboardSince, request.query_params.dict())
        since = given.get("since") or timezone.localdate() - dt.timedelta(days=365)
        body = {
            "since": since,
            "funnel": dashboard.funnel(since=since),
            "answer_times": dashboard.answer_times(since=since),
            "banks": [
                dataclasses.asdict(bank) | {"approval_rate": bank.approval_rate}
                for bank in dashboard.bank_figures(since=since)
            ],
            "disbursed_by_month": [
                {"month": month, "amount": amount, "loans": loans}
                for month, amount, loans in dashboard.disbursed_by_month(since=since)
            ],
            "grades": dashboard.grade_distribution(),
        }
        return Response(DashboardOut(body).data)
