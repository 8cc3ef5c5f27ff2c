import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from creditloan.errors import DomainError
from creditloan.flows.outcomes import COLUMNS, REQUIRED, loan_statuses_import


class Command(BaseCommand):
    help = (
        "Import a bank's file of loan repayment statuses (CSV, JSON Lines or .xlsx; columns "
        f"{', '.join(COLUMNS)}, the first {len(REQUIRED)} required). Each row is applied or refused with its "
        "reason; a row already imported changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the file")
        parser.add_argument(
            "--bank", required=True, dest="bank_code", help="the code of the bank whose loans these are"
        )
        parser.add_argument("--format", dest="file_format", help="csv, jsonl or xlsx (default: from the name)")
        parser.add_argument("--encoding", help="utf-8 or gbk (default: detected)")
        parser.add_argument("--json", action="store_true", dest="as_json", help="print the summary as JSON")

    def handle(self, *args, path, bank_code, file_format, encoding, as_json: bool, **options):
        try:
            imported = loan_statuses_import(
                path=Path(path), bank_code=bank_code, file_format=file_format, encoding=encoding
            )
        except DomainError as error:
            raise CommandError(error.message) from None
        except FileNotFoundError:
            raise CommandError(f"{path}: no such file") from None
        refused = [{"line": row.line, "reason": row.reason} for row in imported.refused]
        if as_json:
            summary = {
                "name": imported.name,
                "rows": imported.rows,
                "applied": imported.applied,
                "unchanged": imported.unchanged,
                "refused": refused,
            }
            self.stdout.write(json.dumps(summary, ensure_ascii=False))
            return
        self.stdout.write(
            f"{imported.name}: {imported.rows} rows, {imported.applied} applied, {imported.unchanged} unchanged, "
            f"{len(refused)} refused"
        )
        for row in refused:
            self.stdout.write(f"  line {row['line']}: {row['reason']}")
