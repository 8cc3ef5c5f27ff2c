"""Outcomes that come back and retrain the model: the demo world's loans, their outcomes forgotten, reported again
by their banks through each of the three ways in (the officer's page, the API in batches, the bank-shared
import); the operator's models page counts them and suggests a retrain; the model trained on them learns from
exactly those labels, and once it is the champion the page has nothing new to count."""

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count
from django.urls import reverse

from creditloan.demo.services import demo_world_generate
from creditloan.flows.champion import model_promote, model_train
from creditloan.models import User
from matching.models import Loan, LoanStatusReport
from matching.outcomes import RETRAIN_SUGGESTED_AFTER, outcomes_new_to_champion
from scoring.models import ModelStatus
from tests.creditloan.api.conftest import client_for

AS_OF = dt.date(2026, 10, 31)
WAYS = ("page", "api", "import")


@pytest.fixture(scope="module")
def labels(django_db_setup, django_db_blocker):
    """The demo world's loans with a known outcome, (loan id, bank code, outcome, on), their outcomes then
    forgotten: only what the banks report again will be labels. Rolled back after the module."""
    with django_db_blocker.unblock(), transaction.atomic():
        demo_world_generate(enterprises=7000, seed=7, as_of=AS_OF)
        known = list(
            Loan.objects.exclude(outcome="performing")
            .order_by("pk")
            .values_list("pk", "offer__bank__code", "outcome", "outcome_on", "disbursed_on")
        )
        Loan.objects.update(outcome="performing", outcome_on=None)
        yield known
        transaction.set_rollback(True)


def report_row(loan_id: int, outcome: str, on: dt.date, disbursed_on: dt.date) -> dict:
    """The demo's outcome as a bank reports it: a default as 90+ days past due where the loan is old enough on
    that day, otherwise as defaulted; a repayment as repaid."""
    if outcome == "repaid":
        return {"loan": loan_id, "as_of": on.isoformat(), "status": "repaid"}
    if (on - disbursed_on).days >= 90:
        return {"loan": loan_id, "as_of": on.isoformat(), "status": "past_due", "days_past_due": 90}
    return {"loan": loan_id, "as_of": on.isoformat(), "status": "defaulted"}


def test_outcomes_reported_through_each_way_in_retrain_the_model(labels, db, client, tmp_path):
    rows = {way: [] for way in WAYS}
    for index, (loan_id, bank, outcome, on, disbursed_on) in enumerate(labels):
        rows[WAYS[index % 3]].append((bank, report_row(loan_id, outcome, on, disbursed_on)))
    officers = {user.bank.code: user for user in User.objects.filter(role="bank_officer").select_related("bank")}

    # The officer's page, one loan at a time.
    for bank, row in rows["page"]:
        client.force_login(officers[bank])
        form = {f"report-{name}": value for name, value in row.items()}
        assert client.post(reverse("officer:loan", args=[row["loan"]]), form).status_code == 302
    # The API, a batch per bank.
    for bank, officer in officers.items():
        batch = [row for of_bank, row in rows["api"] if of_bank == bank]
        for start in range(0, len(batch), 500):
            answer = client_for(officer).post(
                "/api/v1/bank/loans/status/", {"reports": batch[start : start + 500]}, format="json"
            )
            assert answer.json()["refused"] == 0, answer.json()["results"]
    # The bank-shared import, a file per bank.
    for bank in officers:
        path = tmp_path / f"{bank}.jsonl"
        path.write_text("".join(json.dumps(row) + "\n" for of_bank, row in rows["import"] if of_bank == bank))
        call_command("import_loan_statuses", str(path), "--bank", bank, "--json", stdout=io.StringIO())

    channels = dict(LoanStatusReport.objects.values_list("channel").annotate(reports=Count("pk")))
    assert channels == {way: len(rows[way]) for way in WAYS}
    defaults = sum(outcome == "defaulted" for _, _, outcome, _, _ in labels)
    assert outcomes_new_to_champion().outcomes == len(labels) >= RETRAIN_SUGGESTED_AFTER
    operator = User.objects.get(username="operator")
    client.force_login(operator)
    before = client.get(reverse("operator:models")).content.decode()
    assert 'data-retrain-suggested="true"' in before

    trained = model_train()

    split = trained.version.metrics["split"]
    assert split["train_rows"] + split["test_rows"] == len(labels)
    assert split["train_defaults"] + split["test_defaults"] == defaults
    if trained.version.status != ModelStatus.CHAMPION:
        model_promote(number=trained.version.number)
    assert outcomes_new_to_champion().outcomes == 0
    after = client.get(reverse("operator:models")).content.decode()
    assert 'data-retrain-suggested="false"' in after
