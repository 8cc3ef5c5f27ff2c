"""Early warning (贷后预警): a bank with a loan still performing hears of each serious record its borrower gains,
within the firm's post-loan consent to it, once; opening a warning shows the record and is logged for the firm."""

import datetime as dt

import pytest
from django.core import mail
from django.test import TestCase
from django.utils import timezone

from creditloan.models import AccessLog, Dispute, ImportBatch, ImportFile, User
from creditloan.models.accounts import Role
from matching.models import EarlyWarning, LoanOutcome
from matching.warnings import early_warning_open, early_warnings_raise, firms_to_warn_after_import
from tests.factories import (
    EnterpriseFactory,
    PublicCreditRecordFactory,
    TaxRecordFactory,
    consent,
    offer_world,
    paid_out,
)

TODAY = timezone.localdate


@pytest.fixture
def lent(db):
    """offer_world with bank A's offer paid out 30 days ago, the firm's post-loan consent of its public credit
    and tax records to bank A, and bank A's officer reachable by e-mail."""
    world = offer_world()
    world["loan"] = paid_out(world["offer"])
    world["bank_a"], world["bank_b"] = world["products"]["A"].bank, world["products"]["B"].bank
    world["post_loan"] = consent(
        world["firm"], banks=[world["bank_a"]], sources=("public_credit", "tax"), purpose="post_loan"
    )
    User.objects.filter(pk=world["officer_a"].pk).update(email="wang@bank-a.example")
    User.objects.filter(pk=world["officer_b"].pk).update(email="li@bank-b.example")
    return world


def public_record(firm, **fields):
    return PublicCreditRecordFactory(enterprise=firm, **{"decision_date": TODAY()} | fields)


def raised_for(firm):
    """The warnings raised for the firm's records, with the e-mail sent as on commit."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return early_warnings_raise(enterprise_ids=[firm.pk])


SERIOUS = [
    ("dishonest_judgment_debtor", lambda firm: public_record(firm, kind="dishonest_judgment_debtor", severity="")),
    ("serious_dishonesty_list", lambda firm: public_record(firm, kind="serious_dishonesty_list", severity="")),
    ("serious_penalty", lambda firm: public_record(firm, kind="administrative_penalty", severity="serious")),
    ("tax_rating_d", lambda firm: TaxRecordFactory(enterprise=firm, rating="D", rated_on=TODAY())),
    ("abnormal_operation_list", lambda firm: public_record(firm, kind="abnormal_operation_list", severity="")),
]


@pytest.mark.parametrize(("kind", "make_record"), SERIOUS, ids=[kind for kind, _make in SERIOUS])
def test_each_kind_of_serious_record_warns_the_lending_bank_and_its_officers(lent, kind, make_record):
    record = make_record(lent["firm"])

    raised = raised_for(lent["firm"])

    warning = EarlyWarning.objects.get()
    assert raised == [warning]
    assert (warning.bank, warning.loan, warning.enterprise, warning.kind) == (
        lent["bank_a"],
        lent["loan"],
        lent["firm"],
        kind,
    )
    assert (warning.record_id, warning.record_date, warning.seen_at) == (record.pk, TODAY(), None)
    assert warning.record_source == ("tax" if kind == "tax_rating_d" else "public_credit")
    (message,) = mail.outbox
    assert message.to == ["wang@bank-a.example"]
    # Chinese / English, and no word of the firm or its record: those are shown, and logged, when opened.
    assert message.subject.endswith(" / Early warning: 1 borrower has a new serious record")
    assert lent["firm"].name not in message.body and "/bank/warnings/" in message.body


MILD = [
    ("a minor penalty", lambda firm: public_record(firm, severity="minor")),
    ("an ordinary penalty", lambda firm: public_record(firm, severity="ordinary")),
    ("a commendation", lambda firm: public_record(firm, kind="commendation", severity="")),
    ("a broken commitment", lambda firm: public_record(firm, kind="commitment_breach", severity="")),
    ("a C tax rating", lambda firm: TaxRecordFactory(enterprise=firm, rating="C", rated_on=TODAY())),
    (
        "a repaired listing",
        lambda firm: public_record(
            firm,
            kind="dishonest_judgment_debtor",
            severity="",
            decision_date=TODAY() - dt.timedelta(days=10),
            repaired_on=TODAY(),
        ),
    ),  # fmt: skip
    (
        "a listing that has ended",
        lambda firm: public_record(
            firm,
            kind="abnormal_operation_list",
            severity="",
            decision_date=TODAY() - dt.timedelta(days=10),
            end_date=TODAY() - dt.timedelta(days=1),
        ),
    ),  # fmt: skip
    (
        "a D rating of a year since rated better",
        lambda firm: [
            TaxRecordFactory(enterprise=firm, tax_year=2025, rating="D", rated_on=TODAY()),
            TaxRecordFactory(enterprise=firm, tax_year=2026, rating="B", rated_on=TODAY()),
        ],
    ),
]


@pytest.mark.parametrize(("case", "make_record"), MILD, ids=[case for case, _make in MILD])
def test_a_record_that_is_not_serious_or_no_longer_in_force_warns_nobody(lent, case, make_record):
    make_record(lent["firm"])

    assert raised_for(lent["firm"]) == []
    assert not EarlyWarning.objects.exists() and mail.outbox == []


def test_only_the_lending_bank_is_warned_not_another_the_consent_names(lent):
    lent["post_loan"].banks.add(lent["bank_b"])
    public_record(lent["firm"], kind="dishonest_judgment_debtor", severity="")

    raised_for(lent["firm"])

    assert list(EarlyWarning.objects.values_list("bank__code", flat=True)) == ["A"]
    assert [message.to for message in mail.outbox] == [["wang@bank-a.example"]]


def consent_to_b_only(world):
    world["post_loan"].banks.set([world["bank_b"]])


def consent_for_financing_only(world):
    world["post_loan"].delete()
    consent(world["firm"], banks=[world["bank_a"]])


def consent_of_tax_only(world):
    world["post_loan"].sources = ["tax"]
    world["post_loan"].save()


def consent_revoked(world):
    world["post_loan"].revoked_at, world["post_loan"].revoked_by = timezone.now(), world["applicant"]
    world["post_loan"].save()


def consent_expired(world):
    world["post_loan"].expires_on = TODAY() - dt.timedelta(days=1)
    world["post_loan"].save()


@pytest.mark.parametrize(
    "without",
    [consent_to_b_only, consent_for_financing_only, consent_of_tax_only, consent_revoked, consent_expired],
)
def test_without_a_post_loan_consent_in_force_naming_the_bank_and_the_source_there_is_no_warning(lent, without):
    without(lent)
    public_record(lent["firm"], kind="dishonest_judgment_debtor", severity="")

    assert raised_for(lent["firm"]) == []
    assert not EarlyWarning.objects.exists() and mail.outbox == []


def test_a_record_warns_a_loan_once_however_often_it_is_looked_at_again(lent):
    public_record(lent["firm"], kind="serious_dishonesty_list", severity="")

    first = raised_for(lent["firm"])
    second = raised_for(lent["firm"])

    assert (len(first), second, EarlyWarning.objects.count(), len(mail.outbox)) == (1, [], 1, 1)


@pytest.mark.parametrize("outcome", [LoanOutcome.REPAID, LoanOutcome.DEFAULTED])
def test_a_loan_that_has_ended_is_not_warned(lent, outcome):
    lent["loan"].outcome, lent["loan"].outcome_on = outcome, TODAY()
    lent["loan"].save()
    public_record(lent["firm"], kind="dishonest_judgment_debtor", severity="")

    assert raised_for(lent["firm"]) == []


def test_a_record_the_bank_could_know_when_it_lent_does_not_warn_but_one_reported_late_does(lent):
    before_payout = timezone.now() - dt.timedelta(days=40)
    known = public_record(
        lent["firm"], kind="abnormal_operation_list", severity="", decision_date=TODAY() - dt.timedelta(days=40)
    )
    known.ingested_at = before_payout
    known.save()
    reported_late = public_record(
        lent["firm"], kind="dishonest_judgment_debtor", severity="", decision_date=TODAY() - dt.timedelta(days=40)
    )

    raised_for(lent["firm"])

    assert list(EarlyWarning.objects.values_list("record_id", flat=True)) == [reported_late.pk]


def test_a_record_a_dispute_found_wrong_does_not_warn(lent):
    record = public_record(lent["firm"], kind="dishonest_judgment_debtor", severity="")
    Dispute.objects.create(
        enterprise=lent["firm"], source="public_credit", record_id=record.pk, record_summary=str(record),
        reason="已履行", raised_by=lent["applicant"], raised_at=timezone.now(), due_on=TODAY(),
        status="corrected", resolution="核实有误", resolved_at=timezone.now(), resolved_by=lent["operator"],
    )  # fmt: skip

    assert raised_for(lent["firm"]) == []


def test_the_firms_to_warn_after_an_import_are_those_with_a_loan_of_which_it_wrote_a_serious_record(lent):
    batch = ImportBatch.objects.create(status="completed", origin="test", finished_at=timezone.now())
    file = ImportFile.objects.create(batch=batch, source="public_credit", name="p.csv", file_format="csv")
    public_record(lent["firm"], kind="dishonest_judgment_debtor", severity="", import_file=file)
    without_loan = EnterpriseFactory(uscc="91110000100000008J", name="北京另一家有限公司")
    public_record(without_loan, kind="dishonest_judgment_debtor", severity="", import_file=file)

    assert firms_to_warn_after_import(batch_id=batch.pk) == [lent["firm"].pk]
    assert firms_to_warn_after_import(batch_id=batch.pk + 1) == []


def test_opening_a_warning_shows_the_record_logs_the_look_and_marks_it_seen_by_the_first(lent):
    record = public_record(lent["firm"], kind="dishonest_judgment_debtor", severity="", authority="深圳中院")
    (warning,) = raised_for(lent["firm"])
    colleague = User.objects.create_user(username="zhao", role=Role.BANK_OFFICER, bank=lent["bank_a"])

    opened = early_warning_open(viewer=lent["officer_a"], warning_id=warning.pk)
    again = early_warning_open(viewer=colleague, warning_id=warning.pk)

    assert opened.record == record and opened.warning.seen_by == lent["officer_a"]
    assert again.warning.seen_by == lent["officer_a"] and again.warning.seen_at == opened.warning.seen_at
    looks = AccessLog.objects.order_by("pk").values_list(
        "viewer__username", "bank__code", "what", "purpose", "reference"
    )
    assert list(looks) == [
        ("wang", "A", "records:public_credit", "post_loan", f"warning #{warning.pk}"),
        ("zhao", "A", "records:public_credit", "post_loan", f"warning #{warning.pk}"),
    ]


def test_another_banks_officer_cannot_open_a_warning_and_nothing_is_logged(lent):
    public_record(lent["firm"], kind="dishonest_judgment_debtor", severity="")
    (warning,) = raised_for(lent["firm"])

    assert early_warning_open(viewer=lent["officer_b"], warning_id=warning.pk) is None
    warning.refresh_from_db()
    assert warning.seen_at is None and not AccessLog.objects.exists()


def test_once_the_consent_is_revoked_the_warning_opens_without_its_record_and_logs_no_look(lent):
    public_record(lent["firm"], kind="dishonest_judgment_debtor", severity="")
    (warning,) = raised_for(lent["firm"])
    consent_revoked(lent)

    opened = early_warning_open(viewer=lent["officer_a"], warning_id=warning.pk)

    assert (opened.consented, opened.record) == (False, None)
    assert not AccessLog.objects.exists()
