"""A bank's file of loan statuses (the bank-shared import of repayments), read with the core's streaming
readers and handed row by row to matching's one service for loan reports (matching.outcomes): the core does not
import matching, so the two meet here. A bad row is refused with its reason, never the file; each row is its own
transaction, so a file imported again (after a crash, or twice) changes nothing it already applied."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from creditloan.errors import DomainError, ErrorCode
from creditloan.ingestion.readers import RowReader, detect_format
from creditloan.models import Bank
from matching.models import ReportChannel
from matching.outcomes import loan_status_report

COLUMNS = ("loan", "as_of", "status", "days_past_due")
REQUIRED = ("loan", "as_of", "status")
# The headers a bank's own export may carry instead (贷款编号 is the platform's loan number).
CHINESE_HEADERS = {"贷款编号": "loan", "报告日期": "as_of", "还款状态": "status", "逾期天数": "days_past_due"}
ROWS_A_STEP = 1000


@dataclass(frozen=True)
class RowRefused:
    line: int
    reason: str


@dataclass
class StatusesImported:
    name: str
    rows: int = 0
    applied: int = 0
    unchanged: int = 0
    refused: list[RowRefused] = field(default_factory=list)


def loan_statuses_import(
    *, path: Path, bank_code: str, file_format: str | None = None, encoding: str | None = None
) -> StatusesImported:
    """Report each row's loan status for the bank `bank_code`, whose loans only it may name. A file the readers
    cannot read as a table (its format, its header) is refused whole, before any row is applied."""
    bank = Bank.objects.filter(code=bank_code).first()
    if bank is None:
        raise DomainError(
            ErrorCode.NOT_FOUND, _("bank: no bank has the code “%(code)s”") % {"code": bank_code}, field="bank"
        )
    reader = RowReader(
        path, detect_format(path, file_format), COLUMNS, required=REQUIRED, encoding=encoding, chinese=CHINESE_HEADERS
    )
    imported = StatusesImported(name=path.name)
    try:
        for batch in reader.batches(ROWS_A_STEP):
            imported.rows += len(batch.row_numbers) + len(batch.unreadable)
            imported.refused += [RowRefused(line, str(problem)) for line, problem in batch.unreadable]
            for line, cells in batch.rows():
                _import_row(imported, line, dict(zip(COLUMNS, cells)), bank)
    finally:
        reader.close()
    imported.refused.sort(key=lambda refused: refused.line)
    return imported


def _import_row(imported: StatusesImported, line: int, row: dict, bank: Bank) -> None:
    try:
        with transaction.atomic():
            reported = loan_status_report(
                loan_id=row["loan"],
                as_of=row["as_of"],
                status=row["status"],
                days_past_due=row["days_past_due"],
                channel=ReportChannel.IMPORT,
                bank=bank,
            )
    except DomainError as error:
        imported.refused.append(RowRefused(line, error.message))
        return
    if reported.created:
        imported.applied += 1
    else:
        imported.unchanged += 1
