"""How long and how much memory to generate a demo world of N firms and load it through the importer?

Prints the wall time of each phase (building the world in NumPy and writing its files a source at a time,
importing them as one batch, banks and loan history) and the process's peak RSS.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/creditloan_world \
        .venv/bin/python bench/demo_world.py [--enterprises N]

The database named in DATABASE_URL is dropped and recreated: point it at a scratch database.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench._setup import peak_rss_kib, scratch_database  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--enterprises", type=int, default=1_000_000)
    args = parser.parse_args()
    scratch_database()
    from django.db import transaction

    from creditloan.demo import services
    from creditloan.flows.records import records_import
    from creditloan.ingestion.services import ImportSource

    as_of = dt.date(2026, 10, 31)
    timings = {}
    with tempfile.TemporaryDirectory(prefix="bench-world-") as scratch:
        start = time.perf_counter()
        population, files = services.demo_world_write(
            enterprises=args.enterprises, seed=7, as_of=as_of, out_dir=Path(scratch)
        )
        timings["build and write the world's files"] = time.perf_counter() - start
        start = time.perf_counter()
        batch = records_import(files=[ImportSource(s, p) for s, p in files.items()], origin="bench")
        timings["import them (one batch)"] = time.perf_counter() - start
    start = time.perf_counter()
    with transaction.atomic():
        banks, products = services._banks_and_products()
        applications, offers, loans, defaults = services._history(population, banks, products, seed=7, as_of=as_of)
        services.demo_accounts_create(banks=banks)
    timings["banks, products, loan history"] = time.perf_counter() - start

    rows = sum(item.rows for item in batch.files.all())
    print(f"firms: {args.enterprises:,}; records imported (all sources): {rows:,}")
    print(f"history: {applications:,} applications, {offers:,} offers, {loans:,} loans, {defaults:,} defaulted")
    for phase, seconds in timings.items():
        print(f"{phase:<32}{seconds:>9.1f} s")
    total = sum(timings.values())
    print(f"{'total':<32}{total:>9.1f} s   ({rows / timings['import them (one batch)']:,.0f} rows/s imported)")
    print(f"peak RSS: {peak_rss_kib() / 1024:,.0f} MB")


if __name__ == "__main__":
    main()
