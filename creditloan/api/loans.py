"""The bank officer's loans after the payout: the list of them with their latest reported status, and their
repayment status reported in batches. A batch the schema rules out (a report that is not one: an unknown
status, a field missing or unknown) is refused whole, naming each fault by its place (reports.3.status), as
every endpoint refuses input the schema rules out. A well-formed report is weighed alone
(matching.outcomes.loan_status_report, in its own savepoint) and answered alone: applied, unchanged (the same
report was already kept) or refused with its own reason in the API's error shape (another bank's loan, a day
before the payout, a final status reported back to current, ...), so a report the rules refuse never sinks the
others. Send an `Idempotency-Key` to make a retry of the whole batch safe."""

from __future__ import annotations

from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response

from creditloan.api import fields
from creditloan.api.base import CallerScoped, IsBankOfficer, StrictSerializer, validated
from creditloan.api.errors import error_body
from creditloan.api.idempotency import idempotent
from creditloan.api.serializers import AMOUNT
from creditloan.errors import DomainError, without_field_name
from matching import selectors
from matching.models import Loan, LoanOutcome, LoanStatus, ReportChannel
from matching.outcomes import DAYS_PAST_DUE_MOST, DEFAULT_DAYS_PAST_DUE, loan_status_report

# At most this many reports a request: a month-end batch of a branch, and a body well inside API_MAX_BODY_BYTES.
BATCH_MOST = 500
RESULTS = ["applied", "unchanged", "refused"]


class LoanStatusItem(StrictSerializer):
    loan = fields.RowIdField(help_text="The loan's number on the platform (the officer's loans page shows it).")
    as_of = fields.DateField(help_text="The day the status describes: from the payout to today.")
    status = serializers.ChoiceField(
        choices=LoanStatus.choices,
        help_text=(
            f"current, past_due (give days_past_due), repaid, defaulted or written_off. {DEFAULT_DAYS_PAST_DUE} or "
            "more days past due, defaulted or written_off is a default; repaid, defaulted and written_off are "
            "final (only written_off may follow defaulted)."
        ),
    )
    days_past_due = fields.WholeNumberField(
        minimum=0,
        maximum=DAYS_PAST_DUE_MOST,
        required=False,
        allow_null=True,
        help_text="Days the oldest unpaid instalment is late: at least 1 when past_due, 0 or left out otherwise.",
    )


class LoanStatusBatch(StrictSerializer):
    reports = LoanStatusItem(
        many=True, min_length=1, max_length=BATCH_MOST, help_text=f"1 to {BATCH_MOST} reports, each weighed alone."
    )


class ErrorOut(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class ReportOut(serializers.Serializer):
    id = serializers.IntegerField()
    as_of = serializers.DateField()
    status = serializers.ChoiceField(choices=LoanStatus.choices)
    days_past_due = serializers.IntegerField()
    channel = serializers.ChoiceField(choices=ReportChannel.choices)
    reported_at = serializers.DateTimeField()


class ItemResult(serializers.Serializer):
    index = serializers.IntegerField(help_text="The report's place in the batch, from 0.")
    result = serializers.ChoiceField(choices=RESULTS)
    report = ReportOut(allow_null=True, help_text="The report kept (applied, or kept before: unchanged).")
    loan_outcome = serializers.ChoiceField(
        choices=LoanOutcome.choices, allow_null=True, help_text="The loan's outcome after the report."
    )
    error = ErrorOut(allow_null=True, help_text="Why the report was refused, in the API's error shape.")


class BatchResult(serializers.Serializer):
    applied = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    refused = serializers.IntegerField()
    results = ItemResult(many=True)


class LoanOut(serializers.ModelSerializer):
    enterprise = serializers.CharField(source="offer.application.enterprise.name")
    uscc = serializers.CharField(source="offer.application.enterprise.uscc")
    amount = serializers.DecimalField(**AMOUNT)
    reported_status = serializers.ChoiceField(
        choices=[("", "not reported yet"), *LoanStatus.choices], help_text="The latest report's; blank before one."
    )

    class Meta:
        model = Loan
        fields = [
            "id",
            "offer",
            "enterprise",
            "uscc",
            "amount",
            "disbursed_on",
            "reported_status",
            "reported_days_past_due",
            "reported_as_of",
            "outcome",
            "outcome_on",
        ]


class LoanStatusReports(CallerScoped, generics.ListAPIView):
    """GET: your bank's loans, latest payout first, each with its latest reported status and its outcome.
    POST: report the repayment status of your bank's loans as of a day, in a batch; each report is answered on
    its own. A report the same as one kept for that loan and day changes nothing; a different one for that day
    is refused. Another bank's loan is refused as unknown."""

    model = Loan
    permission_classes = [IsBankOfficer]
    serializer_class = LoanOut

    def visible(self):
        return selectors.bank_loans(bank=self.request.user.bank)

    @extend_schema(request=LoanStatusBatch, responses={200: BatchResult})
    def post(self, request):
        def report_all() -> Response:
            given = validated(LoanStatusBatch, request.data)["reports"]
            results = [_report_one(index, item, request.user) for index, item in enumerate(given)]
            counts = {result: sum(row["result"] == result for row in results) for result in RESULTS}
            return Response(BatchResult({**counts, "results": results}).data)

        return idempotent(request, "POST /api/v1/bank/loans/status/", report_all)


def _report_one(index: int, data: dict, officer) -> dict:
    answer = {"index": index, "result": "refused", "report": None, "loan_outcome": None, "error": None}
    try:
        # Its own savepoint: a refusal rolls back this report alone, and the batch goes on.
        with transaction.atomic():
            reported = loan_status_report(
                loan_id=data["loan"],
                as_of=data["as_of"],
                status=data["status"],
                days_past_due=data.get("days_past_due"),
                channel=ReportChannel.API,
                by=officer,
            )
    except DomainError as error:
        problems = {error.field: [without_field_name(error.message)]} if error.field else {}
        answer["error"] = error_body(error.code, error.message, problems)
        return answer
    report = reported.report
    answer.update(
        result="applied" if reported.created else "unchanged",
        report=report,
        loan_outcome=report.loan.outcome,
    )
    return answer
