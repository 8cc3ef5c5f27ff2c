"""What does PostgreSQL itself need per row to take records into the hub's tables, before any validation?

Stages N tax rows (default 500,000) for firms that exist, then times, each in a transaction rolled back:
COPY of the rows into a typed staging table; INSERT ... SELECT of the staged rows (joined to their firms) into
a copy of the tax table with no index or constraint; the same into the real table (primary key, unique
(source, record id), (firm, date) index, firm foreign key checked as the statement ends); and the importer's
own INSERT ... ON CONFLICT ... RETURNING into the real table. The last figure bounds what any importer can
reach on one database connection.

One more line is the floor under every importer that keeps the table's integrity: COPY of rows that already
carry their firm's id straight into the real table, with no staging, no validation and no conflict handling,
so the server does nothing but store the rows, maintain the indexes and check the foreign key.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/creditloan_floor .venv/bin/python bench/upsert_floor.py [--rows N]

The database named in DATABASE_URL is dropped and recreated: point it at a scratch database.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench._setup import scratch_database  # noqa: E402

COLUMNS = "source, source_record_id, tax_year, rating, rated_on, tax_paid, declared_revenue, arrears"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    connection = scratch_database()
    from django.db import transaction

    from creditloan.demo.world import build_world
    from creditloan.flows.records import records_import
    from creditloan.ingestion.services import ImportSource

    world = build_world(max(args.rows // 4, 1000), seed=13, as_of=dt.date(2026, 10, 31))
    with tempfile.TemporaryDirectory() as scratch:
        firms = Path(scratch) / "firms.csv"
        world.enterprises.to_csv(firms, index=False)
        records_import(files=[ImportSource("enterprises", firms)], origin="bench")
    tax = world.tax.iloc[np.arange(args.rows) % len(world.tax)].reset_index(drop=True)
    tax["record_id"] = tax["record_id"] + "#" + (np.arange(args.rows) // len(world.tax)).astype(str)
    text = io.StringIO()
    tax[
        ["uscc", "record_id", "source", "tax_year", "rating", "rated_on", "tax_paid", "declared_revenue", "arrears"]
    ].to_csv(text, index=False, header=False)
    data = text.getvalue()
    print(f"rows: {args.rows:,} tax rows for {len(world.enterprises):,} firms; median of {args.repeat} runs")

    with connection.cursor() as cursor:
        cursor.execute("SELECT uscc, id FROM creditloan_enterprise")
        firm_ids = dict(cursor.fetchall())
    resolved = io.StringIO()
    stamped = dt.datetime.now(dt.UTC).isoformat()
    floor_rows = tax.rename(columns={"record_id": "source_record_id"}).assign(
        enterprise_id=tax["uscc"].map(firm_ids), source_row=1, ingested_at=stamped, updated_at=stamped
    )
    floor_rows[
        [*(c.strip() for c in COLUMNS.split(",")), "enterprise_id", "source_row", "ingested_at", "updated_at"]
    ].to_csv(resolved, index=False, header=False)
    resolved_data = resolved.getvalue()

    steps = {
        "COPY into a typed staging table": None,
        "INSERT ... SELECT, no index or constraint": "bench_bare",
        "INSERT ... SELECT, the real table": "creditloan_taxrecord",
        "INSERT ... ON CONFLICT ... RETURNING (importer)": "upsert",
        "COPY straight into the real table (the floor)": "floor",
    }
    timings: dict[str, list[float]] = {step: [] for step in steps}
    for _ in range(args.repeat):
        for step, target in steps.items():
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute(
                    "CREATE TEMP TABLE stage (uscc varchar(18), source_record_id varchar(64), source varchar(64), "
                    "tax_year smallint, rating varchar(1), rated_on date, tax_paid numeric(16,2), "
                    "declared_revenue numeric(16,2), arrears numeric(16,2)) ON COMMIT DROP"
                )
                start = time.perf_counter()
                with cursor.copy("COPY stage FROM STDIN (FORMAT csv)") as copy:
                    copy.write(data)
                copied = time.perf_counter() - start
                cursor.execute("ANALYZE stage")
                if target == "floor":
                    start = time.perf_counter()
                    with cursor.copy(
                        f"COPY creditloan_taxrecord ({COLUMNS}, enterprise_id, source_row, ingested_at, updated_at) "
                        "FROM STDIN (FORMAT csv)"
                    ) as copy:
                        copy.write(resolved_data)
                    timings[step].append(time.perf_counter() - start)
                elif target is None:
                    timings[step].append(copied)
                else:
                    if target == "bench_bare":
                        cursor.execute("CREATE TEMP TABLE bench_bare (LIKE creditloan_taxrecord) ON COMMIT DROP")
                    table = "creditloan_taxrecord" if target == "upsert" else target
                    statement = (
                        f"INSERT INTO {table} AS t ({COLUMNS}, enterprise_id, import_file_id, source_row, "
                        f"ingested_at, updated_at) SELECT {', '.join('s.' + c.strip() for c in COLUMNS.split(','))}, "
                        "e.id, NULL, 1, now(), now() FROM stage s JOIN creditloan_enterprise e ON e.uscc = s.uscc"
                    )
                    if target == "upsert":
                        statement += (
                            " ON CONFLICT (source, source_record_id) DO UPDATE SET rating = EXCLUDED.rating "
                            "WHERE t.rating IS DISTINCT FROM EXCLUDED.rating RETURNING source_row, (xmax = 0)"
                        )
                    if target == "bench_bare":
                        statement = statement.replace("INSERT INTO bench_bare AS t (", "INSERT INTO bench_bare (id, ")
                        statement = statement.replace(
                            "SELECT s.", "SELECT nextval('creditloan_taxrecord_id_seq'), s.", 1
                        )
                    start = time.perf_counter()
                    cursor.execute(statement)
                    if target == "upsert":
                        cursor.fetchall()
                    timings[step].append(time.perf_counter() - start)
                transaction.set_rollback(True)
            # Every step starts from the same table: without this, the rolled-back rows of the steps before
            # leave dead entries in its indexes for the next step to wade through.
            with connection.cursor() as cursor:
                cursor.execute("VACUUM creditloan_taxrecord")

    print(f"\n{'step':<50}{'µs a row':>10}{'rows/s':>12}")
    for step, runs in timings.items():
        seconds = statistics.median(runs)
        print(f"{step:<50}{seconds / args.rows * 1e6:>10.2f}{args.rows / seconds:>12,.0f}")
    copy_and_upsert = statistics.median(timings["COPY into a typed staging table"]) + statistics.median(
        timings["INSERT ... ON CONFLICT ... RETURNING (importer)"]
    )
    print(
        f"{'COPY + upsert together (one connection)':<50}{copy_and_upsert / args.rows * 1e6:>10.2f}"
        f"{args.rows / copy_and_upsert:>12,.0f}"
    )


if __name__ == "__main__":
    main()
