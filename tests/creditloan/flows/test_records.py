"""The record flows: a dispute found right reassesses the firm, an import that changed records re-rates every
firm and reassesses repairs, each queued in the same transaction as the write; otherwise nothing is queued."""

import pytest

from creditloan.flows import records, steps
from creditloan.ingestion.services import ImportSource
from creditloan.models import OutboxMessage, User
from creditloan.models.accounts import Role
from creditloan.services import dispute_raise
from tests.factories import EnterpriseFactory, TaxRecordFactory, acting_for

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
