"""A bank's loan reports through the API, in batches: each report applied, unchanged or refused on its own with
its reason in the error shape, a bad one never sinking the good ones, a retried batch applied once, and never
another bank's loan."""

import datetime as dt

import pytest
from django.utils import timezone

from matching.models import Loan, LoanStatusReport
from tests.factories import paid_out

PATH = "/api/v1/bank/loans/status/"


def days_ago(days: int) -> str:
    return (timezone.localdate() - dt.timedelta(days=days)).isoformat()


@pytest.fixture
def loan(world) -> Loan:
    return paid_out(world["offer"], disbursed_on=timezone.localdate() - dt.timedelta(days=120))


def test_each_report_of_a_batch_is_applied_or_refused_on_its_own(world, loan):
    reports = [
        {"loan": loan.pk, "as_of": days_ago(90), "status": "current"},
        {"loan": loan.pk, "as_of": days_ago(200), "status": "current"},
        {"loan": loan.pk, "as_of": days_ago(30), "status": "past_due", "days_past_due": 30},
        {"loan": loan.pk, "as_of": days_ago(30), "status": "past_due", "days_past_due": 30},
        {"loan": loan.pk, "as_of": days_ago(20), "status": "current", "days_past_due": 4},
        {"loan": 987654, "as_of": days_ago(10), "status": "current"},
    ]

    answer = world["as_officer_a"].post(PATH, {"reports": reports}, format="json")

    body = answer.json()
    assert answer.status_code == 200
    assert (body["applied"], body["unchanged"], body["refused"]) == (2, 1, 3)
    assert [row["result"] for row in body["results"]] == [
        "applied", "refused", "applied", "unchanged", "refused", "refused",
    ]  # fmt: skip
    assert body["results"][1]["error"]["fields"]["as_of"][0].endswith(
        "is not between the payout on " + days_ago(120) + f" and today, {days_ago(0)}"
    )
    current_is_not_late = (
        "a loan reported “Current (正常)” is 0 days past due; if it is late, report it “Past due (逾期)”"
    )
    assert body["results"][4]["error"] == {
        "code": "invalid_input",
        "message": f"days_past_due: {current_is_not_late}",
        "fields": {"days_past_due": [current_is_not_late]},
    }
    assert body["results"][5]["error"]["code"] == "not_found"
    assert body["results"][2]["report"]["days_past_due"] == 30
    assert body["results"][2]["loan_outcome"] == "performing"
    assert list(LoanStatusReport.objects.values_list("status", "channel", "reported_by__username")) == [
        ("current", "api", "wang"),
        ("past_due", "api", "wang"),
    ]


def test_a_batch_with_a_report_the_schema_rules_out_is_refused_whole_naming_its_place(world, loan):
    reports = [
        {"loan": loan.pk, "as_of": days_ago(90), "status": "current"},
        {"loan": loan.pk, "as_of": days_ago(60), "status": "late"},
        {"loan": loan.pk, "as_of": days_ago(30), "status": "current", "note": "?"},
    ]

    answer = world["as_officer_a"].post(PATH, {"reports": reports}, format="json")

    assert answer.status_code == 400
    assert set(answer.json()["fields"]) == {"reports.1.status", "reports.2.note"}
    assert LoanStatusReport.objects.count() == 0


def test_a_default_reported_through_the_api_becomes_the_loans_outcome(world, loan):
    answer = world["as_officer_a"].post(
        PATH,
        {"reports": [{"loan": loan.pk, "as_of": days_ago(5), "status": "past_due", "days_past_due": 91}]},
        format="json",
    )

    assert answer.json()["results"][0]["loan_outcome"] == "defaulted"
    loan.refresh_from_db()
    assert (loan.outcome, loan.outcome_on.isoformat()) == ("defaulted", days_ago(5))


def test_a_final_status_reported_back_to_current_is_refused_with_why(world, loan):
    client = world["as_officer_a"]
    client.post(PATH, {"reports": [{"loan": loan.pk, "as_of": days_ago(10), "status": "repaid"}]}, format="json")

    answer = client.post(
        PATH, {"reports": [{"loan": loan.pk, "as_of": days_ago(2), "status": "current"}]}, format="json"
    )

    error = answer.json()["results"][0]["error"]
    assert error["code"] == "invalid_transition"
    assert "a final status, so it cannot be reported “Current (正常)”" in error["fields"]["status"][0]


def test_a_retried_batch_with_its_key_is_applied_once(world, loan):
    batch = {"reports": [{"loan": loan.pk, "as_of": days_ago(3), "status": "current"}]}

    first = world["as_officer_a"].post(PATH, batch, format="json", HTTP_IDEMPOTENCY_KEY="month-end-1")
    again = world["as_officer_a"].post(PATH, batch, format="json", HTTP_IDEMPOTENCY_KEY="month-end-1")

    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert first.json()["applied"] == 1
    assert LoanStatusReport.objects.count() == 1


def test_another_banks_loan_is_unknown_to_the_officer(world, loan):
    answer = world["as_officer_b"].post(
        PATH, {"reports": [{"loan": loan.pk, "as_of": days_ago(3), "status": "current"}]}, format="json"
    )

    assert answer.json()["results"][0]["error"]["message"] == f"loan: your bank has no loan #{loan.pk}"
    assert LoanStatusReport.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [({"reports": []}, "reports"), ({"reports": [{}] * 501}, "reports"), ({"report": []}, "report")],
)
def test_a_batch_that_is_not_a_list_of_one_to_five_hundred_reports_is_refused_whole(world, body, field):
    answer = world["as_officer_a"].post(PATH, body, format="json")

    assert answer.status_code == 400 and field in answer.json()["fields"]


@pytest.mark.parametrize("client", ["as_applicant", "as_operator"])
def test_only_a_bank_officer_reports_loans(world, loan, client):
    answer = world[client].post(
        PATH, {"reports": [{"loan": loan.pk, "as_of": days_ago(3), "status": "current"}]}, format="json"
    )

    assert answer.status_code == 403
    assert LoanStatusReport.objects.count() == 0


def test_the_officer_reads_back_the_banks_loans_with_their_latest_status(world, loan):
    world["as_officer_a"].post(
        PATH,
        {"reports": [{"loan": loan.pk, "as_of": days_ago(3), "status": "past_due", "days_past_due": 3}]},
        format="json",
    )

    mine = world["as_officer_a"].get(PATH).json()
    theirs = world["as_officer_b"].get(PATH).json()

    [row] = mine["results"]
    assert (row["id"], row["reported_status"], row["reported_days_past_due"], row["outcome"]) == (
        loan.pk, "past_due", 3, "performing",
    )  # fmt: skip
    assert row["reported_as_of"] == days_ago(3) and row["uscc"] == world["firm"].uscc
    assert theirs["count"] == 0
