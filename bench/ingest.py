"""How fast does import_records load each source on PostgreSQL, against the COPY floor, and does its memory stay flat?

For each source: N rows (default 1,000,000) from the demo world, imported by `manage.py import_records` in a
child process (COPY + set-based upsert), timed end to end, with the child's peak RSS; then the same rows
re-imported (all unchanged), and their first quarter re-imported; then the COPY floor: the rows as the import
stored them, COPY'd straight into the same table emptied (in a transaction rolled back), so the server does
nothing but store them, keep the indexes and check the firm's foreign key, as bench/upsert_floor.py's last line
(the bound under any importer that keeps the table's integrity); import/floor is the import's share of it; and
an import of one changed row, what every run of the command costs apart from its rows. Then the same rows
inserted by Django's bulk_create (no validation, no upsert) as the baseline, and a raw COPY of the file into an
unindexed table as the ceiling for moving bytes. Peak memory at N and at N/4 shows whether it grows with the file.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/creditloan_bench CELERY_BROKER_URL=redis://127.0.0.1:6379/5 \
        .venv/bin/python bench/ingest.py [--rows N]

A landed import queues the re-rating of every firm and the lenders' warnings (creditloan/flows/records.py). With
CELERY_BROKER_URL set (a scratch Redis database: nothing consumes the tasks) they are queued, as in production,
where a worker runs them; without it Celery runs them inline, inside the import's own time.

`--kind gbk` writes the files as GBK text under their Chinese column names, `--kind xlsx` as Excel workbooks
(Chinese names too), as government exports come; the raw COPY and bulk_create baselines, which read UTF-8 CSV,
are then left out. `--sources` picks some of the five.

The database named in DATABASE_URL is dropped and recreated: point it at a scratch database.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench._setup import scratch_database  # noqa: E402

SOURCES = ("enterprises", "public_credit", "tax", "customs", "bank")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--skip-bulk-create", action="store_true")
    parser.add_argument("--kind", choices=["csv", "gbk", "xlsx"], default="csv", help="the files' form (csv: UTF-8)")
    parser.add_argument("--sources", nargs="+", choices=SOURCES, default=list(SOURCES))
    args = parser.parse_args()
    connection = scratch_database()
    broker = os.environ.get("CELERY_BROKER_URL")
    print(f"rows per source: {args.rows:,}; files: {args.kind}")
    print(f"tasks a landed import queues: {'sent to ' + broker if broker else 'run inline (no CELERY_BROKER_URL)'}")

    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as scratch:
        files = write_files(Path(scratch), args.rows)
        results = {}
        for source in args.sources:
            path = as_kind(files[source], source, args.kind)
            seconds, rss = run_import(source, path)
            again, again_rss = run_import(source, path)
            head = as_kind(head_of(files[source], args.rows // 4), source, args.kind)
            _, head_rss = run_import(source, head)
            one_row, _ = run_import(source, as_kind(one_changed_row(files[source], source), source, args.kind))
            floor = copy_floor_rate(source, connection)
            raw = raw_copy_rate(files[source], connection) if args.kind == "csv" else float("nan")
            results[source] = [args.rows / seconds, floor, one_row, args.rows / again, raw, rss, again_rss, head_rss]
        if not args.skip_bulk_create and args.kind == "csv" and len(args.sources) == len(SOURCES):
            # The baseline needs empty tables: records first, the registry (which they reference) last.
            for source in (*SOURCES[1:], SOURCES[0]):
                results[source].append(bulk_create_rate(source, files[source], connection))
    print(
        f"\n{'source':<14}{'import rows/s':>14}{'COPY floor':>11}{'import/floor':>13}{'1-row import':>13}"
        f"{'re-import':>11}{'raw COPY':>10}{'bulk_create':>12}{'import/bulk':>12}"
        f"{'peak RSS':>10}{'re-import':>10}{'at N/4':>9}"
    )
    for source, (rate, floor, one_row, again, raw, rss, again_rss, head_rss, *bulk) in results.items():
        bulk_text = f"{bulk[0]:,.0f}" if bulk else "-"
        ratio = f"{rate / bulk[0]:.2f}x" if bulk else "-"
        print(
            f"{source:<14}{rate:>14,.0f}{floor:>11,.0f}{rate / floor:>13.2f}{one_row:>12.2f}s"
            f"{again:>11,.0f}{raw:>10,.0f}{bulk_text:>12}{ratio:>12}"
            f"{rss / 1024:>8.0f}MB{again_rss / 1024:>8.0f}MB{head_rss / 1024:>7.0f}MB"
        )
    print("import/floor: the import's rows/s over the COPY floor's, both from this run")
    print("1-row import: the same command on a file of one changed row: start-up, the batch, the tasks it queues")
    print("peak RSS: the import process's high-water mark; 'at N/4' re-imports the file's first quarter")


def write_files(folder: Path, rows: int, prefix: str = "") -> dict[str, Path]:
    """`rows` rows of each source, from a demo world; record sources are cycled over the world's firms with
    fresh record ids, so every source has exactly `rows` rows for firms that exist."""
    from creditloan.demo.world import build_world

    folder.mkdir(parents=True, exist_ok=True)
    world = build_world(rows, seed=11, as_of=dt.date(2026, 10, 31))
    files = {}
    for source in SOURCES:
        frame = getattr(world, source)
        if source != "enterprises":
            frame = frame.iloc[np.arange(rows) % len(frame)].reset_index(drop=True)
            frame["record_id"] = (
                frame["record_id"].astype(str) + "#" + (np.arange(rows) // len(getattr(world, source))).astype(str)
            )
        path = folder / f"{prefix}{source}.csv"
        frame.to_csv(path, index=False)
        files[source] = path
    return files


def as_kind(path: Path, source: str, kind: str) -> Path:
    """The UTF-8 CSV as GBK text or as a workbook, under the Chinese column names; written row by row."""
    if kind == "csv":
        return path
    from creditloan.ingestion.formats import CHINESE_HEADERS

    chinese = CHINESE_HEADERS[source]
    with open(path, encoding="utf-8", newline="") as handle:
        rows = csv.reader(handle)
        header = [chinese[name] for name in next(rows)]
        if kind == "gbk":
            target = path.with_name(f"gbk-{path.name}")
            with open(target, "w", encoding="gbk", newline="") as out:
                writer = csv.writer(out)
                writer.writerow(header)
                writer.writerows(rows)
            return target
        import openpyxl

        workbook = openpyxl.Workbook(write_only=True)
        sheet = workbook.create_sheet()
        sheet.append(header)
        for row in rows:
            sheet.append(row)
        target = path.with_suffix(".xlsx")
        workbook.save(target)
        return target


def run_import(source: str, path: Path) -> tuple[float, int]:
    """Wall time and peak RSS (KiB) of one `import_records` child process."""
    # The child reports its own high-water mark (VmHWM): the rusage of a forked child would also count the
    # pages this parent held when it forked.
    report = (
        "import runpy, sys\n"
        f"sys.argv = ['manage.py', 'import_records', {source!r}, {str(path)!r}, '--json']\n"
        "try:\n"
        f"    runpy.run_path({str(ROOT / 'manage.py')!r}, run_name='__main__')\n"
        "finally:\n"
        "    peak = next(l for l in open('/proc/self/status') if l.startswith('VmHWM'))\n"
        "    print(peak.split()[1], file=sys.stderr)\n"
    )
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", report], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=os.environ
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"import_records {source} failed:\n{done.stderr}")
    return seconds, int(done.stderr.strip().splitlines()[-1])


def one_changed_row(path: Path, source: str) -> Path:
    """The file's header and first row, changed so that the import writes it (a new record id; a firm renamed):
    what an import costs apart from its rows."""
    with open(path, encoding="utf-8", newline="") as handle:
        rows = csv.reader(handle)
        header, first = next(rows), next(rows)
    changed = header.index("name" if source == "enterprises" else "record_id")
    first[changed] += " (1-row)"
    target = path.with_name(f"one-{path.name}")
    with open(target, "w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows([header, first])
    return target


def head_of(path: Path, rows: int) -> Path:
    head = path.with_name(f"head-{path.name}")
    with open(path, encoding="utf-8") as source, open(head, "w", encoding="utf-8") as target:
        for _ in range(rows + 1):
            target.write(source.readline())
    return head


def count_rows(path: Path) -> int:
    with open(path, encoding="utf-8") as handle:
        return sum(1 for _ in handle) - 1


def bulk_create_rate(source: str, path: Path, connection) -> float:
    """Rows/s of Django's bulk_create for the same rows: the ORM baseline, without validation or upsert."""
    from creditloan.ingestion.formats import FORMATS
    from creditloan.models import Enterprise

    fmt = FORMATS[source]
    model = fmt.model
    fields = {column.name: column.model_field for column in fmt.columns if column.name != "uscc" or fmt.is_registry}
    now = dt.datetime.now(dt.UTC)
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {model._meta.db_table} CASCADE")
    empty = {name: None if model._meta.get_field(field).null else "" for name, field in fields.items()}
    firm_ids = {} if fmt.is_registry else dict(Enterprise.objects.values_list("uscc", "id").iterator(50_000))
    start = time.perf_counter()
    with open(path, encoding="utf-8", newline="") as handle:
        batch = []
        for row in csv.DictReader(handle):
            values = {fields[name]: value or empty[name] for name, value in row.items() if name in fields}
            if not fmt.is_registry:
                values["enterprise_id"] = firm_ids[row["uscc"]]
            batch.append(model(**values, ingested_at=now, updated_at=now))
            if len(batch) == 5000:
                model.objects.bulk_create(batch)
                batch = []
        model.objects.bulk_create(batch)
    return count_rows(path) / (time.perf_counter() - start)


def copy_floor_rate(source: str, connection) -> float:
    """Rows/s of COPY of the rows the import stored (firm ids resolved, every value canonical) straight into
    their table emptied, in a transaction rolled back: no staging, no validation, no conflict handling."""
    from django.db import transaction

    from creditloan.ingestion.formats import FORMATS

    model = FORMATS[source].model
    table = model._meta.db_table
    columns = ", ".join(field.column for field in model._meta.concrete_fields if not field.primary_key)
    stored = io.BytesIO()
    with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) TO STDOUT") as copy:
        for data in copy:
            stored.write(data)
    rows = stored.getvalue().count(b"\n")
    with transaction.atomic(), connection.cursor() as cursor:
        # As the importer runs: the firm's foreign key checked as each statement ends.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"TRUNCATE {table} CASCADE")
        start = time.perf_counter()
        with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            view = stored.getbuffer()
            for offset in range(0, len(view), 1 << 20):
                copy.write(view[offset : offset + (1 << 20)])
            del view
        seconds = time.perf_counter() - start
        transaction.set_rollback(True)
    return rows / seconds


def raw_copy_rate(path: Path, connection) -> float:
    """Rows/s of COPY of the file as text into an unindexed table: what the server can take at best."""
    header = pd.read_csv(path, nrows=0).columns
    rows = count_rows(path)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE bench_raw ({', '.join(f'{name} text' for name in header)})")
        start = time.perf_counter()
        with open(path, "rb") as handle, cursor.copy("COPY bench_raw FROM STDIN (FORMAT csv, HEADER true)") as copy:
            while data := handle.read(1 << 20):
                copy.write(data)
        seconds = time.perf_counter() - start
        cursor.execute("DROP TABLE bench_raw")
    return rows / seconds


if __name__ == "__main__":
    main()
