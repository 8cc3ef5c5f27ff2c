"""The bank-shared import of loan statuses (creditloan.flows.outcomes, `manage.py import_loan_statuses`): every
good row applied, every bad one refused with its line and reason and not the file, the same file again changing
nothing, and only the bank's own loans."""

import datetime as dt
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from matching.models import LoanStatusReport
from tests.factories import offer_world, paid_out


def days_ago(days: int) -> str:
    return (timezone.localdate() - dt.timedelta(days=days)).isoformat()


@pytest.fixture
def world(db):
    world = offer_world()
    return world | {"loan": paid_out(world["offer"], disbursed_on=timezone.localdate() - dt.timedelta(days=120))}


def imported(path, bank="A", *options) -> dict:
    out = []

    class Lines:
        def write(self, text):
            out.append(text)

        def flush(self):
            pass

    call_command("import_loan_statuses", str(path), "--bank", bank, "--json", *options, stdout=Lines())
    return json.loads("".join(out))


def test_good_rows_are_applied_and_bad_ones_refused_with_their_line_and_reason(world, tmp_path):
    loan = world["loan"].pk
    path = tmp_path / "statuses.csv"
    path.write_text(
        "loan,as_of,status,days_past_due\n"
        f"{loan},{days_ago(90)},current,\n"
        f"{loan},{days_ago(60)},past_due,\n"
        f"{loan},{days_ago(30)},past_due,30\n"
        f"abc,{days_ago(30)},current,\n"
        f"{loan},2020-13-01,current,\n"
        f"{loan},{days_ago(20)},current,0,extra\n",
        encoding="utf-8",
    )

    summary = imported(path)

    assert (summary["rows"], summary["applied"], summary["unchanged"]) == (6, 2, 0)
    assert [row["line"] for row in summary["refused"]] == [3, 5, 6, 7]
    reasons = {row["line"]: row["reason"] for row in summary["refused"]}
    assert reasons[3].startswith("days_past_due: a loan past due is at least 1 day past due")
    assert reasons[5].startswith("loan: ")
    assert reasons[6] == "as_of: '2020-13-01' is not a date (YYYY-MM-DD)"
    assert list(LoanStatusReport.objects.values_list("status", "days_past_due", "channel", "reported_by")) == [
        ("current", 0, "import", None),
        ("past_due", 30, "import", None),
    ]


def test_the_same_file_again_changes_nothing(world, tmp_path):
    path = tmp_path / "statuses.jsonl"
    path.write_text(
        json.dumps({"loan": world["loan"].pk, "as_of": days_ago(10), "status": "repaid"}) + "\n", encoding="utf-8"
    )

    first, again = imported(path), imported(path)

    assert (first["applied"], again["applied"], again["unchanged"]) == (1, 0, 1)
    world["loan"].refresh_from_db()
    assert world["loan"].outcome == "repaid"


def test_a_file_with_chinese_headers_is_read(world, tmp_path):
    path = tmp_path / "还款情况.csv"
    path.write_text(
        f"贷款编号,报告日期,还款状态,逾期天数\n{world['loan'].pk},{days_ago(5)},past_due,95\n", encoding="utf-8"
    )

    summary = imported(path)

    assert summary["applied"] == 1
    world["loan"].refresh_from_db()
    assert world["loan"].outcome == "defaulted"


def test_another_banks_loan_in_the_file_is_refused_as_unknown(world, tmp_path):
    path = tmp_path / "statuses.csv"
    path.write_text(f"loan,as_of,status\n{world['loan'].pk},{days_ago(5)},current\n", encoding="utf-8")

    summary = imported(path, "B")

    assert summary["refused"] == [{"line": 2, "reason": f"loan: your bank has no loan #{world['loan'].pk}"}]
    assert LoanStatusReport.objects.count() == 0


@pytest.mark.parametrize(
    ("content", "bank", "message"),
    [
        ("loan,when,status\n1,2026-01-01,current\n", "A", "when"),
        ("loan,as_of,status\n", "ZZ", "bank: no bank has the code “ZZ”"),
    ],
)
def test_a_file_that_is_not_a_table_of_statuses_is_refused_whole(world, tmp_path, content, bank, message):
    path = tmp_path / "statuses.csv"
    path.write_text(content, encoding="utf-8")

    with pytest.raises(CommandError, match=message):
        imported(path, bank)

    assert LoanStatusReport.objects.count() == 0
