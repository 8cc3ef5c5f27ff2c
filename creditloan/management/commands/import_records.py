import json
import os
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from creditloan.errors import DomainError
from creditloan.flows.records import records_import
from creditloan.ingestion.progress import TerminalProgress
from creditloan.ingestion.services import DEFAULT_CHUNK_SIZE, SOURCE_ORDER, ImportSource


class Command(BaseCommand):
    help = (
        "Import source files into the credit data hub. Give SOURCE PATH pairs; several pairs form one batch, "
        f"applied all or nothing, registry first. Sources: {', '.join(SOURCE_ORDER)}."
    )
    # The system checks import every template tag library, and through them scikit-learn: a second and more of
    # each run, spent on pages and models an import does not touch. Deploys, `check` and `runserver` run them.
    # (Celery's Django fixup runs them again when a landed batch queues its first task, unless CELERY_SKIP_CHECKS
    # is set: see handle.)
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("pairs", nargs="+", metavar="SOURCE PATH", help="a source and its file, repeatable")
        parser.add_argument(
            "--format",
            choices=["csv", "jsonl", "xlsx"],
            dest="file_format",
            help="the files' format (default: from the name)",
        )
        parser.add_argument(
            "--encoding",
            help="the text files' encoding: utf-8 or gb18030 (gbk) (default: detected, see docs/data-formats.md)",
        )
        parser.add_argument("--json", action="store_true", dest="as_json", help="print the summary as JSON")
        parser.add_argument(
            "--chunk-size", type=int, default=DEFAULT_CHUNK_SIZE, help=f"rows a step ({DEFAULT_CHUNK_SIZE})"
        )

    def handle(self, *args, pairs, file_format, encoding, as_json: bool, chunk_size: int, **options):
        if len(pairs) % 2:
            raise CommandError("give SOURCE PATH pairs, e.g. import_records enterprises firms.csv tax tax.csv")
        files = [
            ImportSource(source, Path(path), file_format, encoding=encoding)
            for source, path in zip(pairs[::2], pairs[1::2])
        ]
        os.environ.setdefault("CELERY_SKIP_CHECKS", "1")
        show_progress = not as_json and sys.stderr.isatty() and options["verbosity"] > 0
        progress = TerminalProgress() if show_progress else None
        try:
            batch = records_import(files=files, origin="command", on_progress=progress, chunk_size=chunk_size)
        except DomainError as error:
            raise CommandError(error.message) from None
        finally:
            if progress:
                progress.close()
        summary = batch_summary(batch)
        if as_json:
            self.stdout.write(json.dumps(summary, ensure_ascii=False))
            return
        self.stdout.write(f"batch {summary['batch']}: {summary['status']}")
        for item in summary["files"]:
            self.stdout.write(
                f"  {item['source']:<14} {item['name']}: {item['rows']} rows, {item['accepted']} accepted "
                f"({item['created']} created, {item['updated']} updated, {item['unchanged']} unchanged), "
                f"{item['rejected']} rejected"
            )
        if summary["rejected"]:
            self.stdout.write(f"rejected rows and their reasons: admin › import batches › #{summary['batch']}")


def batch_summary(batch) -> dict:
    files = [
        {
            "source": item.source,
            "name": item.name,
            "rows": item.rows,
            "accepted": item.accepted,
            "created": item.created,
            "updated": item.updated,
            "unchanged": item.unchanged,
            "rejected": item.rejected,
        }
        for item in batch.files.order_by("pk")
    ]
    totals = {
        key: sum(item[key] for item in files)
        for key in ("rows", "accepted", "created", "updated", "unchanged", "rejected")
    }
    return {"batch": batch.pk, "status": batch.status, **totals, "files": files}
