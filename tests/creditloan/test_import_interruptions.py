"""An import that dies (its process killed, its database connection cut) leaves nothing half-written, and
running it again completes it with the right counts. These run the real command in a child process against
the test database, so they need PostgreSQL (a second connection must see what the first committed)."""

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from creditloan.demo.world import build_world
from creditloan.ingestion.services import ImportSource, records_import
from creditloan.models import Enterprise, ImportBatch, ImportBatchStatus, ImportRejection, TaxRecord

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
ROOT = Path(settings.BASE_DIR)


@pytest.fixture
def files(tmp_path):
    world = build_world(40_000, seed=9, as_of=dt.date(2026, 10, 31))
    paths = {}
    for source in ("enterprises", "tax"):
        paths[source] = tmp_path / f"{source}.csv"
        getattr(world, source).to_csv(paths[source], index=False)
    return paths, world


def start_import(paths) -> subprocess.Popen:
    database = connection.settings_dict
    url = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "creditloan.settings.test"}
    command = [sys.executable, str(ROOT / "manage.py"), "import_records", "--chunk-size", "5000"]
    command += ["enterprises", str(paths["enterprises"]), "tax", str(paths["tax"])]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_until_writing_tax(process: subprocess.Popen) -> None:
    """Until the child's transaction is inside the tax file (the registry is staged, tax rows going in)."""
    deadline = time.monotonic() + 60
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND query LIKE '%%creditloan_taxrecord%%'"
            )
            if cursor.fetchone()[0]:
                return
            assert process.poll() is None, "the import finished before it could be interrupted"
            time.sleep(0.05)
    pytest.fail("the import never reached the tax file")


def assert_nothing_applied() -> None:
    assert Enterprise.objects.count() == 0
    assert TaxRecord.objects.count() == 0
    assert ImportRejection.objects.count() == 0


def assert_rerun_completes(paths, world) -> ImportBatch:
    batch = records_import(
        files=[ImportSource("enterprises", paths["enterprises"]), ImportSource("tax", paths["tax"])],
        origin="test",
    )
    counts = {f.source: (f.rows, f.created, f.updated, f.unchanged, f.rejected) for f in batch.files.all()}
    assert counts == {
        "enterprises": (len(world.enterprises), len(world.enterprises), 0, 0, 0),
        "tax": (len(world.tax), len(world.tax), 0, 0, 0),
    }
    assert TaxRecord.objects.count() == len(world.tax)
    return batch


def test_an_import_killed_mid_file_leaves_nothing_and_a_rerun_completes(files):
    paths, world = files
    process = start_import(paths)
    wait_until_writing_tax(process)

    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)

    killed = ImportBatch.objects.get()
    assert killed.status == ImportBatchStatus.RUNNING
    assert_nothing_applied()
    rerun = assert_rerun_completes(paths, world)
    killed.refresh_from_db()
    assert (killed.status, killed.error) == (ImportBatchStatus.INTERRUPTED, f"superseded by batch {rerun.pk}")


def test_an_import_whose_database_connection_is_cut_leaves_nothing_and_a_rerun_completes(files):
    paths, world = files
    process = start_import(paths)
    wait_until_writing_tax(process)

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND query LIKE '%%creditloan_taxrecord%%'"
        )
    assert process.wait(timeout=60) != 0

    # The child reconnects just long enough to record why it failed.
    cut = ImportBatch.objects.get()
    assert cut.status == ImportBatchStatus.FAILED
    assert "terminating connection" in cut.error
    assert_nothing_applied()
    assert_rerun_completes(paths, world)
