"""A loan's repayment reports (matching.outcomes): the one definition of a default, the label the next model
learns from, what is refused and why, and the count of outcomes a champion has not seen."""

import datetime as dt

import pytest
from django.utils import timezone

from creditloan.errors import DomainError, ErrorCode
from creditloan.models import Bank, User
from creditloan.models.accounts import Role
from matching.decisions import offer_accept, offer_approve, offer_disburse
from matching.models import Loan, LoanStatusReport
from matching.outcomes import (
    DEFAULT_DAYS_PAST_DUE,
    RETRAIN_SUGGESTED_AFTER,
    NewOutcomes,
    is_default,
    loan_status_report,
    outcomes_since,
)
from matching.routing import application_route
from matching.selectors import training_sample

TODAY = timezone.localdate


def days_ago(days: int) -> dt.date:
    return TODAY() - dt.timedelta(days=days)


@pytest.fixture
def loan(application) -> Loan:
    """A loan paid out 200 days ago by bank A."""
    first, *_ = application_route(application_id=application.pk)
    offer_accept(offer_id=first.pk, by=None)
    offer_approve(offer_id=first.pk, by=None, amount="450000", annual_rate="0.05", term_months=12)
    return offer_disburse(offer_id=first.pk, by=None, amount="450000", disbursed_on=days_ago(200))


@pytest.fixture
def officer(loan) -> User:
    return User.objects.create_user(username="wang", role=Role.BANK_OFFICER, bank=loan.offer.bank)


def report(loan, as_of, status, days_past_due=None, **given):
    return loan_status_report(
        loan_id=loan.pk, as_of=as_of, status=status, days_past_due=days_past_due, channel="page", **given
    )


@pytest.mark.parametrize(
    ("status", "days_past_due", "default"),
    [
        ("current", 0, False),
        ("past_due", 30, False),
        ("past_due", DEFAULT_DAYS_PAST_DUE - 1, False),
        ("past_due", DEFAULT_DAYS_PAST_DUE, True),
        ("past_due", 400, True),
        ("repaid", 0, False),
        ("defaulted", 0, True),
        ("written_off", 0, True),
    ],
)
def test_default_is_ninety_days_past_due_or_reported_defaulted_or_written_off(status, days_past_due, default):
    assert is_default(status, days_past_due) is default


def test_a_loan_current_then_thirty_days_late_is_still_performing_and_not_yet_a_label(loan, officer):
    report(loan, days_ago(150), "current", by=officer)
    report(loan, days_ago(120), "past_due", "30", by=officer)

    loan.refresh_from_db()
    assert (loan.outcome, loan.reported_status, loan.reported_days_past_due) == ("performing", "past_due", 30)
    assert loan.reported_as_of == days_ago(120)
    assert training_sample().empty
    assert list(loan.status_reports.values_list("status", "reported_by__username", "channel")) == [
        ("current", "wang", "page"),
        ("past_due", "wang", "page"),
    ]


def test_ninety_days_past_due_makes_the_loan_a_default_from_that_day(loan, officer):
    report(loan, days_ago(100), "past_due", 60, by=officer)
    report(loan, days_ago(70), "past_due", 90, by=officer)

    loan.refresh_from_db()
    assert (loan.outcome, loan.outcome_on) == ("defaulted", days_ago(70))
    assert loan.outcome_known_at is not None
    sample = training_sample()
    assert sample[["enterprise_id", "defaulted"]].values.tolist() == [[loan.offer.application.enterprise_id, 1]]


def test_a_repaid_loan_is_a_good_label(loan, officer):
    report(loan, days_ago(10), "repaid", by=officer)

    loan.refresh_from_db()
    assert (loan.outcome, loan.outcome_on) == ("repaid", days_ago(10))
    assert training_sample()["defaulted"].tolist() == [0]


def test_a_default_stays_a_default_when_the_loan_is_cured_later(loan):
    report(loan, days_ago(100), "past_due", 95)
    report(loan, days_ago(50), "current")

    loan.refresh_from_db()
    assert (loan.outcome, loan.outcome_on, loan.reported_status) == ("defaulted", days_ago(100), "current")


def test_the_same_report_again_is_a_no_op(loan, officer):
    first = report(loan, days_ago(30), "past_due", 30, by=officer)
    again = report(loan, days_ago(30), "past_due", "30", by=officer)

    assert (first.created, again.created) == (True, False)
    assert again.report.pk == first.report.pk
    assert LoanStatusReport.objects.count() == 1


def test_a_different_report_for_the_same_day_is_refused_not_taken_over(loan):
    report(loan, days_ago(30), "past_due", 30)

    with pytest.raises(
        DomainError, match=r"as_of: loan #\d+ already has a report for .* \(Past due \(逾期\), 30 days"
    ) as error:
        report(loan, days_ago(30), "current")

    assert (error.value.code, error.value.field) == (ErrorCode.CONFLICT, "as_of")
    assert list(LoanStatusReport.objects.values_list("status", flat=True)) == ["past_due"]


@pytest.mark.parametrize("final", ["repaid", "defaulted", "written_off"])
def test_a_final_status_cannot_be_reported_back_to_current(loan, final):
    report(loan, days_ago(40), final)

    with pytest.raises(DomainError, match="a final status, so it cannot be reported “Current") as error:
        report(loan, days_ago(10), "current")

    assert (error.value.code, error.value.field) == (ErrorCode.INVALID_TRANSITION, "status")
    assert LoanStatusReport.objects.count() == 1


def test_a_defaulted_loan_may_be_written_off_and_nothing_follows_a_write_off(loan):
    report(loan, days_ago(40), "defaulted")
    report(loan, days_ago(20), "written_off")

    with pytest.raises(DomainError, match="nothing can be reported after it"):
        report(loan, days_ago(10), "past_due", 120)
    loan.refresh_from_db()
    assert (loan.outcome, loan.outcome_on, loan.reported_status) == ("defaulted", days_ago(40), "written_off")


def test_a_final_status_cannot_be_put_before_a_later_report(loan):
    report(loan, days_ago(20), "past_due", 15)

    with pytest.raises(DomainError, match="has a later report, “Past due .*, 15 days past due”") as error:
        report(loan, days_ago(40), "repaid")

    assert error.value.field == "as_of"


def test_an_outcome_recorded_before_reports_were_kept_is_not_contradicted(loan):
    Loan.objects.filter(pk=loan.pk).update(outcome="repaid", outcome_on=days_ago(60))

    with pytest.raises(DomainError, match="was reported “Repaid in full"):
        report(loan, days_ago(30), "current")


@pytest.mark.parametrize(
    ("given", "field", "message"),
    [
        ({"status": "late"}, "status", "status: “late” is not a repayment status; choose from current, past_due"),
        ({"status": "past_due", "days_past_due": None}, "days_past_due", "at least 1 day past due"),
        ({"status": "past_due", "days_past_due": "三十"}, "days_past_due", "days_past_due: "),
        (
            {"status": "current", "days_past_due": 5},
            "days_past_due",
            "is 0 days past due; if it is late, report it “Past due",
        ),
        ({"status": "past_due", "days_past_due": 250}, "days_past_due", "250 days, but the loan was paid out on"),
        ({"as_of": "2020-01-01"}, "as_of", "as_of: 2020-01-01 is not between the payout on"),
        ({"as_of": "tomorrow"}, "as_of", "as_of: 'tomorrow' is not a date"),
        ({"loan_id": "abc"}, "loan", "loan: "),
        ({"loan_id": 999999}, "loan", "loan: your bank has no loan #999999"),
        ({"by": "another bank"}, "loan", "loan: your bank has no loan #"),
    ],
)
def test_a_report_that_cannot_be_is_refused_by_its_field(loan, given, field, message):
    values = {"loan_id": loan.pk, "as_of": days_ago(5), "status": "current", "days_past_due": None} | given
    if values.pop("by", None) == "another bank":
        values["by"] = User.objects.create_user(username="li", role=Role.BANK_OFFICER, bank=Bank.objects.get(code="D"))

    with pytest.raises(DomainError, match=message) as error:
        loan_status_report(channel="api", **values)

    assert error.value.field == field
    assert LoanStatusReport.objects.count() == 0
    loan.refresh_from_db()
    assert (loan.outcome, loan.reported_status) == ("performing", "")


def test_outcomes_since_counts_what_became_known_after_the_moment(loan):
    before = timezone.now()
    assert outcomes_since(before) == {"outcomes": 0, "defaults": 0}

    report(loan, days_ago(10), "defaulted")

    assert outcomes_since(before) == {"outcomes": 1, "defaults": 1}
    assert outcomes_since(timezone.now()) == {"outcomes": 0, "defaults": 0}


@pytest.mark.parametrize(
    ("outcomes", "suggested"), [(0, False), (RETRAIN_SUGGESTED_AFTER - 1, False), (RETRAIN_SUGGESTED_AFTER, True)]
)
def test_a_retrain_is_suggested_from_the_threshold_of_new_outcomes(outcomes, suggested):
    new = NewOutcomes(outcomes=outcomes, defaults=0, champion_trained_at=None)

    assert new.retrain_suggested is suggested
