"""The officer's loans after the payout, through Django's test client: the repayment form on the offer page of a
disbursed offer, the loan's page with its reports, the bank's list of loans with their latest status, refusals
on the field they concern, and never another bank's loan."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from matching.models import LoanStatusReport
from tests.factories import paid_out


def days_ago(days: int) -> str:
    return (timezone.localdate() - dt.timedelta(days=days)).isoformat()


def report(client, loan, as_of: str, status: str, days_past_due: str = ""):
    return client.post(
        reverse("officer:loan", args=[loan.pk]),
        {"report-as_of": as_of, "report-status": status, "report-days_past_due": days_past_due},
    )


def test_the_offer_page_of_a_paid_out_loan_has_the_repayment_form_that_reports_to_the_loan(client, world):
    loan = paid_out(world["offer"], disbursed_on=timezone.localdate() - dt.timedelta(days=60))
    client.force_login(world["officer_a"])

    offer_page = client.get(reverse("officer:offer", args=[world["offer"].pk])).content.decode()
    sent = report(client, loan, days_ago(30), "current")
    late = report(client, loan, days_ago(1), "past_due", "30")

    assert 'data-testid="repayment-form"' in offer_page
    assert f'action="{reverse("officer:loan", args=[loan.pk])}"' in offer_page
    assert (sent.status_code, late.status_code) == (302, 302)
    assert list(
        LoanStatusReport.objects.values_list("status", "days_past_due", "channel", "reported_by__username")
    ) == [
        ("current", 0, "page", "wang"),
        ("past_due", 30, "page", "wang"),
    ]
    loan_page = client.get(reverse("officer:loan", args=[loan.pk]))
    assert loan_page.context["reports"].count() == 2
    assert "30 days past due" in loan_page.content.decode()


def test_an_offer_not_yet_paid_out_has_no_repayment_form(client, world):
    client.force_login(world["officer_a"])

    page = client.get(reverse("officer:offer", args=[world["offer"].pk])).content.decode()

    assert 'data-testid="repayment-form"' not in page


def test_a_refused_report_is_shown_on_its_field_and_keeps_nothing(client, world):
    loan = paid_out(world["offer"])
    client.force_login(world["officer_a"])
    report(client, loan, days_ago(5), "repaid")

    back_to_current = report(client, loan, days_ago(1), "current")
    days_for_current = report(client, loan, days_ago(2), "current", "12")

    assert back_to_current.status_code == 200
    [said] = back_to_current.context["form"].errors["status"]
    assert "“Repaid in full (结清)”" in said and "a final status, so it cannot be reported “Current (正常)”" in said
    assert days_for_current.context["form"].errors["days_past_due"] == [
        "a loan reported “Current (正常)” is 0 days past due; if it is late, report it “Past due (逾期)”"
    ]
    assert LoanStatusReport.objects.count() == 1


def test_the_same_report_twice_says_nothing_changed(client, world):
    loan = paid_out(world["offer"])
    client.force_login(world["officer_a"])

    report(client, loan, days_ago(3), "past_due", "3")
    again = client.post(
        reverse("officer:loan", args=[loan.pk]),
        {"report-as_of": days_ago(3), "report-status": "past_due", "report-days_past_due": "3"},
        follow=True,
    )

    assert "Nothing changed" in again.content.decode()
    assert LoanStatusReport.objects.count() == 1


def test_the_banks_loans_list_their_latest_status_and_filter_by_it(client, world):
    loan = paid_out(world["offer"])
    client.force_login(world["officer_a"])
    report(client, loan, days_ago(2), "past_due", "14")

    everything = client.get(reverse("officer:loans"))
    late = client.get(reverse("officer:loans"), {"status": "past_due"})
    unreported = client.get(reverse("officer:loans"), {"status": "none"})
    nonsense = client.get(reverse("officer:loans"), {"status": "bogus"})

    assert [row.pk for row in everything.context["page"]] == [loan.pk]
    assert "14 days past due" in everything.content.decode()
    assert [row.pk for row in late.context["page"]] == [loan.pk]
    assert list(unreported.context["page"]) == []
    assert [row.pk for row in nonsense.context["page"]] == [loan.pk]
    assert "all loans are shown" in nonsense.content.decode()


def test_another_banks_officer_neither_sees_nor_reports_the_loan(client, world):
    loan = paid_out(world["offer"])
    client.force_login(world["officer_b"])

    listed = client.get(reverse("officer:loans"))
    opened = client.get(reverse("officer:loan", args=[loan.pk]))
    sent = report(client, loan, days_ago(1), "current")

    assert list(listed.context["page"]) == []
    assert (opened.status_code, sent.status_code) == (404, 404)
    assert LoanStatusReport.objects.count() == 0
