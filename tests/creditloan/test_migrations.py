"""Migrations that move data or models keep every row: here, Bank's move from matching into the core."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE_THE_MOVE = [("creditloan", "0017_identity_and_delegation"), ("matching", "0009_offer_bank")]
AFTER_THE_MOVE = [("creditloan", "0018_bank_moves_into_core"), ("matching", "0010_bank_moves_into_core")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def back_to_the_latest_afterwards():
    """The tests after this one find the schema as they expect it, whatever happened here."""
    yield
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("back_to_the_latest_afterwards")
def test_banks_move_into_the_core_with_their_rows_products_and_officers():
    before = migrate(BEFORE_THE_MOVE)
    bank = before.get_model("matching", "Bank").objects.create(
        code="ICBC", name="工商银行", contact_email="loans@icbc.example.cn", monthly_capacity=100
    )
    before.get_model("matching", "LoanProduct").objects.create(
        bank=bank, code="ICBC-1", name="经营贷", amount_min=10000, amount_max=1000000,
        term_min_months=6, term_max_months=36, rate_min="0.0400", rate_max="0.0800",
    )  # fmt: skip
    before.get_model("creditloan", "User").objects.create(username="officer", role="bank_officer", bank_id=bank.pk)

    after = migrate(AFTER_THE_MOVE)
    moved = after.get_model("creditloan", "Bank").objects.get(code="ICBC")

    assert moved.pk == bank.pk and moved.name == "工商银行"
    assert after.get_model("matching", "LoanProduct").objects.get(code="ICBC-1").bank_id == moved.pk
    assert after.get_model("creditloan", "User").objects.get(username="officer").bank_id == moved.pk
    with pytest.raises(LookupError):
        after.get_model("matching", "Bank")
