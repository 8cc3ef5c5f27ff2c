"""The record flows: a dispute found right reassesses the firm, an import that changed records re-rates every
firm and reassesses repairs, each queued in the same transaction as the write; otherwise nothing is queued."""

import pytest
from django.test import TestCase
from django.utils import timezone

from creditloan.flows import records, steps
from creditloan.ingestion.services import ImportSource
from creditloan.models import OutboxMessage, User
from creditloan.models.accounts import Role
from creditloan.services import dispute_raise
from matching.models import EarlyWarning
from tests.factories import EnterpriseFactory, TaxRecordFactory, acting_for, consent, offer_world, paid_out

REGISTRY = "uscc,name,region,industry,registered_on,legal_representative_name\n"
FIRM = "914403001922038216,华为技术有限公司,440307,39,1987-09-15,赵明路\n"


def queued() -> list[tuple[str, list]]:
    return list(OutboxMessage.objects.order_by("pk").values_list("task", "args"))


@pytest.mark.parametrize(("outcome", "steps_queued"), [("corrected", 1), ("upheld", 0)])
def test_a_dispute_found_right_reassesses_the_firm_and_one_upheld_does_not(db, outcome, steps_queued):
    firm = EnterpriseFactory()
    record = TaxRecordFactory(enterprise=firm)
    dispute = dispute_raise(
        user=acting_for(firm), enterprise=firm, source="tax", record_id=record.pk, reason="评级有误"
    )
    operator = User.objects.create_user(username="ops", role=Role.OPERATOR)

    records.dispute_resolve(by=operator, dispute_id=dispute.pk, outcome=outcome, resolution="已核实")

    assert queued() == [(steps.REASSESS_ENTERPRISE, [firm.pk])] * steps_queued


def test_an_import_that_changed_records_rerates_and_reassesses_and_one_that_changed_none_queues_nothing(db, tmp_path):
    registry = tmp_path / "firms.csv"
    registry.write_text(REGISTRY + FIRM, encoding="utf-8")

    first = records.records_import(files=[ImportSource("enterprises", registry)], origin="test")
    after_first = queued()
    records.records_import(files=[ImportSource("enterprises", registry)], origin="test")

    assert after_first == [(steps.RERATE_POPULATION, []), (steps.REASSESS_REPAIRED, [first.pk])]
    assert queued() == after_first


PUBLIC_CREDIT = "uscc,record_id,kind,severity,authority,decision_date\n"


def test_an_import_that_lands_a_serious_record_warns_the_lending_bank_once(db, tmp_path, tasks_run_in_process):
    world = offer_world()
    paid_out(world["offer"])
    consent(world["firm"], banks=[world["products"]["A"].bank], sources=("public_credit",), purpose="post_loan")
    listing = tmp_path / "public_credit.csv"
    row = f"{world['firm'].uscc},P-9,dishonest_judgment_debtor,,深圳市中级人民法院,{timezone.localdate()}\n"
    listing.write_text(PUBLIC_CREDIT + row, encoding="utf-8")

    with TestCase.captureOnCommitCallbacks() as sent_on_commit:
        batch = records.records_import(files=[ImportSource("public_credit", listing)], origin="test")
    was_queued = (steps.WARN_LENDERS_AFTER_IMPORT, [batch.pk]) in queued()
    for send in sent_on_commit:
        send()
    with TestCase.captureOnCommitCallbacks(execute=True):
        records.records_import(files=[ImportSource("public_credit", listing)], origin="test")

    assert was_queued and (steps.WARN_LENDERS_AFTER_IMPORT, [batch.pk]) not in queued()  # it ran to the end
    warning = EarlyWarning.objects.get()
    assert (warning.bank.code, warning.kind) == ("A", "dishonest_judgment_debtor")
    assert warning.summary == "深圳市中级人民法院"
