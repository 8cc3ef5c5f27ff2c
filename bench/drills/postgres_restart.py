"""Drill 4: PostgreSQL restarts in the middle of a large import. The batch is rolled back whole; running it again
ends with exact counts and no duplicates. Meanwhile the web tier answers 503 with Retry-After, never a traceback,
and serves again by itself once the database is back.

The import is the real command (`manage.py import_records`, as an operator or a cron job runs it) on a registry
file and a tax file of a generated world that shares no firm with the drill's. The restart is `pg_ctl restart
-m immediate`: the server stops as if the machine lost power and recovers from its write-ahead log.

    .venv/bin/python bench/drills/run.py postgres_restart
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench.drills import seed  # noqa: E402
from bench.drills.stack import DATABASE, ROOT, Stack, check, header, wait_for  # noqa: E402

IMPORTED_FIRMS = 60_000


def drill(stack: Stack, args) -> None:
    from creditloan.demo.world import build_world

    header(stack, "drill 4: PostgreSQL restarts during a large import")
    applicant = seed.applicants(1)[0]
    stack.start_web()
    world = build_world(IMPORTED_FIRMS, seed=41, as_of=dt.date(2026, 10, 31))
    files = {}
    for source in ("enterprises", "tax"):
        files[source] = stack.directory / f"{source}.csv"
        getattr(world, source).to_csv(files[source], index=False)
    before = _counts(stack)
    from django.db import connections

    connections.close_all()

    importing = _start_import(stack, files)
    wait_for("the import writing tax records", lambda: _writing(stack) or importing.poll() is not None, seconds=300)
    check(importing.poll() is None, "the import finished before the restart: make IMPORTED_FIRMS larger")
    stack.postgres.stop("immediate")
    down_at = time.monotonic()
    during = [stack.get("/api/v1/applications/", token=applicant.token) for _ in range(5)]
    stack.postgres.start()
    restarted_in = time.monotonic() - down_at
    import_exit = importing.wait(timeout=120)

    check(import_exit != 0, "the interrupted import claimed success")
    statuses = sorted({status for status, _ in during})
    check(statuses == [503], f"requests during the outage got {statuses}, not only 503")
    check(all(body and body.get("code") == "service_unavailable" for _, body in during), f"bodies: {during[:1]}")
    served_again = wait_for(
        "the web tier serving again",
        lambda: stack.get("/api/v1/applications/", token=applicant.token)[0] == 200 and time.monotonic(),
        seconds=60,
        every=0.1,
    )
    after_restart = _counts(stack)
    check(after_restart == before, f"the interrupted import left rows behind: {before} → {after_restart}")

    rerun_started = time.monotonic()
    rerun = _start_import(stack, files)
    check(rerun.wait(timeout=600) == 0, f"the second import failed: {stack.log('import')[-2000:]}")
    rerun_took = time.monotonic() - rerun_started
    after_rerun = _counts(stack)
    expected = {
        "enterprises": before["enterprises"] + len(world.enterprises),
        "tax": before["tax"] + len(world.tax),
    }
    check(
        {key: after_rerun[key] for key in expected} == expected,
        f"after the second run: {after_rerun}, expected {expected}",
    )
    batches = stack.postgres.sql(
        "SELECT string_agg(status, ',' ORDER BY id) FROM creditloan_importbatch WHERE origin LIKE 'command%'",
        DATABASE,
    )
    check(batches == "interrupted,completed", f"the batches ended {batches}")
    print(
        f"import of {len(world.enterprises):,} firms and {len(world.tax):,} tax rows: PostgreSQL restarted "
        f"(immediate) while it wrote; back in {restarted_in:.1f} s"
    )
    print(
        f"interrupted import: exit {import_exit}, nothing of it stored ({after_restart}); batches: {batches}; "
        f"the second run stored exactly the file's rows in {rerun_took:.0f} s: {after_rerun}"
    )
    print(
        f"web during the outage: {len(during)} requests, all 503 service_unavailable with Retry-After; "
        f"serving again {served_again - down_at - restarted_in:.1f} s after PostgreSQL was back"
    )


def _start_import(stack: Stack, files: dict[str, Path]) -> subprocess.Popen:
    command = [str(ROOT / ".venv/bin/python"), str(ROOT / "manage.py"), "import_records", "--chunk-size", "5000"]
    command += ["enterprises", str(files["enterprises"]), "tax", str(files["tax"])]
    log = open(stack.directory / "import.log", "ab")  # noqa: SIM115 (closed with the process)
    return subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=log)


def _writing(stack: Stack) -> bool:
    return stack.postgres.sql(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND pid <> pg_backend_pid() AND query LIKE '%creditloan_taxrecord%'",
        DATABASE,
    ) not in ("", "0")


def _counts(stack: Stack) -> dict[str, int]:
    row = stack.postgres.sql(
        "SELECT (SELECT count(*) FROM creditloan_enterprise), (SELECT count(*) FROM creditloan_taxrecord), "
        "(SELECT count(*) FROM creditloan_importrejection)",
        DATABASE,
    )
    enterprises, tax, rejections = map(int, row.split("|"))
    return {"enterprises": enterprises, "tax": tax, "rejections": rejections}


if __name__ == "__main__":
    from bench.drills.run import main

    sys.exit(main(["postgres_restart", *sys.argv[1:]]))
