"""The bank officer's early warnings through Django's test client: the list with its unseen count in the menu,
a warning opened (the record shown, the look in the firm's access log), the warnings on the loan's offer page,
another bank's officers kept out, and a consent given later warning of what was already there."""

import datetime as dt

import pytest
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone, translation

from creditloan.models import AccessLog
from matching.models import EarlyWarning
from matching.warnings import early_warnings_raise
from tests.factories import PublicCreditRecordFactory, consent, paid_out


@pytest.fixture
def warned(world):
    """Bank A's loan to the firm, the firm's post-loan consent to bank A, and a warning of its listing as a
    dishonest debtor."""
    paid_out(world["offer"])
    consent(world["firm"], banks=[world["products"]["A"].bank], sources=("public_credit",), purpose="post_loan")
    PublicCreditRecordFactory(
        enterprise=world["firm"],
        kind="dishonest_judgment_debtor",
        severity="",
        authority="深圳市中级人民法院",
        title="(2026)粤03执123号",
        decision_date=timezone.localdate(),
    )
    (world["warning"],) = early_warnings_raise(enterprise_ids=[world["firm"].pk])
    return world


def test_the_officer_sees_the_banks_warnings_with_the_unseen_count_in_the_menu(client, warned):
    client.force_login(warned["officer_a"])

    page = client.get(reverse("officer:warnings")).content.decode()

    assert f'data-testid="warning-{warned["warning"].pk}"' in page
    assert "Dishonest judgment debtor (失信被执行人)" in page and warned["firm"].name in page
    assert f'href="{reverse("officer:warnings")}" aria-current="page">Early warnings <span' in page
    assert '1<span class="visually-hidden"> unseen</span>' in page
    # The list names the warning; the record itself is shown, and logged, only when one is opened.
    assert "(2026)粤03执123号" not in page and not AccessLog.objects.exists()


def test_opening_a_warning_shows_the_record_marks_it_seen_and_the_firm_sees_the_look(client, warned):
    warning = warned["warning"]
    client.force_login(warned["officer_a"])

    opened = client.get(reverse("officer:warning", args=[warning.pk])).content.decode()
    menu_after = client.get(reverse("officer:queue")).content.decode()

    assert 'data-testid="warning-record"' in opened and "(2026)粤03执123号" in opened
    warning.refresh_from_db()
    assert warning.seen_by == warned["officer_a"]
    assert 'visually-hidden"> unseen' not in menu_after
    client.force_login(warned["applicant"])
    access_log = reverse("applicant:access_log", args=[warned["firm"].pk])
    with translation.override("zh-hans"):
        seen_by_firm = client.get(access_log, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    (look,) = AccessLog.objects.all()
    assert (look.bank.code, look.purpose, look.reference) == ("A", "post_loan", f"warning #{warning.pk}")
    assert "银行A" in seen_by_firm and f"#{warning.pk}" in seen_by_firm
    assert look.get_purpose_display() == "Post-loan monitoring: an early warning of the lending bank (贷后预警)"
    assert look.reference_display() == f"early warning #{warning.pk}"


def test_another_banks_officer_finds_no_such_warning_and_an_empty_list(client, warned):
    client.force_login(warned["officer_b"])

    missing = client.get(reverse("officer:warning", args=[warned["warning"].pk]))
    listed = client.get(reverse("officer:warnings")).content.decode()

    assert missing.status_code == 404
    assert "No early warnings." in listed and "unseen" not in listed
    assert not AccessLog.objects.exists()
    warned["warning"].refresh_from_db()
    assert warned["warning"].seen_at is None


def test_the_loans_offer_page_shows_its_warnings(client, warned):
    client.force_login(warned["officer_a"])

    page = client.get(reverse("officer:offer", args=[warned["offer"].pk])).content.decode()

    assert 'data-testid="offer-warnings"' in page
    assert reverse("officer:warning", args=[warned["warning"].pk]) in page


def test_a_post_loan_consent_given_later_warns_the_bank_of_the_record_already_there(
    client, world, tasks_run_in_process
):
    paid_out(world["offer"])
    PublicCreditRecordFactory(
        enterprise=world["firm"], kind="abnormal_operation_list", severity="", decision_date=timezone.localdate()
    )
    assert early_warnings_raise(enterprise_ids=[world["firm"].pk]) == []
    client.force_login(world["applicant"])

    with TestCase.captureOnCommitCallbacks(execute=True):
        granted = client.post(
            reverse("applicant:authorisations"),
            {
                "enterprise": world["firm"].pk,
                "sources": ["public_credit"],
                "purpose": "post_loan",
                "banks": [world["products"]["A"].bank.pk],
                "expires_on": (timezone.localdate() + dt.timedelta(days=180)).isoformat(),
            },
        )

    assert granted.status_code == 302
    warning = EarlyWarning.objects.get()
    assert (warning.bank.code, warning.kind) == ("A", "abnormal_operation_list")
