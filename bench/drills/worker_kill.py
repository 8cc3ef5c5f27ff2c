"""Drill 2: a Celery worker is killed with SIGKILL in the middle of scoring an application. The task runs again and
the application ends with exactly one score and one set of offers.

"Mid-task" is made certain, not hoped for: the drill holds the application's row lock, so the scoring task
that takes it (scoring.services.applications_score) is inside its transaction, waiting, when the kill comes.
Two kills:
- the pool process running the task: the worker's main process sees it die and, with reject_on_worker_lost,
  hands the message back to Redis at once (beat, and with it the outbox relay, is started only after this one, so
  nothing else could have sent it again). The task is a batch of two, the held application and one behind it:
  run again a job each, the second must settle while the first is still held;
- the whole worker (main process and pool): nobody is left to hand the message back, and Redis would redeliver
  it only after its visibility timeout (6 hours); the outbox relay sends it again after its grace period.

    .venv/bin/python bench/drills/run.py worker_kill
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench.drills import seed  # noqa: E402
from bench.drills.stack import DATABASE, Stack, check, header, wait_for  # noqa: E402


def drill(stack: Stack, args) -> None:
    header(stack, "drill 2: a worker killed with SIGKILL mid-task")
    applicant = seed.applicants(1)[0]
    seed.banks_with_room()
    stack.start_web()

    # No beat yet, so no outbox relay: a task delivered again after its pool process was killed was put back on
    # its queue by the worker itself (reject_on_worker_lost; for a batch, creditloan.outbox.OutboxBatches.flush).
    pool_kill = _killed_mid_task(stack, applicant, whole_worker=False)
    stack.start_beat()
    node_kill = _killed_mid_task(stack, applicant, whole_worker=True)

    outcome = seed.account_for([*pool_kill["applications"], *node_kill["applications"]])
    print(
        f"pool process killed mid-task: delivered again by the worker {pool_kill['redelivered_s']:.1f} s after "
        f"the kill (no relay running), settled {pool_kill['settled_s']:.1f} s after it"
    )
    print(
        f"whole worker killed mid-task: delivered again {node_kill['redelivered_s']:.1f} s after the kill "
        f"(the outbox relay; Redis would have waited 6 h), settled {node_kill['settled_s']:.1f} s after it"
    )
    print(f"accounted for: {outcome}")
    check(
        "signal 9" in stack.log("worker-1") or "SIGKILL" in stack.log("worker-1"),
        "the worker's log does not show the pool process killed",
    )


def _killed_mid_task(stack: Stack, applicant: seed.Applicant, *, whole_worker: bool) -> dict:
    name = "worker-2" if whole_worker else "worker-1"
    application_id = _submitted(stack, applicant)
    # The pool kill takes a batch of two: the held application and one behind it, both queued before the worker
    # starts. Run again one a job, the second must settle while the first is still held.
    companion = None if whole_worker else _submitted(stack, applicant)
    with psycopg.connect(stack.postgres.url(DATABASE)) as holder:
        holder.execute("SELECT 1 FROM creditloan_application WHERE id = %s FOR UPDATE", [application_id])
        stack.start_worker(name)
        waiting = wait_for("the scoring task waiting on the row", lambda: _waiting_on_lock(holder), seconds=60)
        killed_at = time.monotonic()
        if whole_worker:
            stack.kill(name)
            stack.start_worker("worker-3")
        else:
            for pid in stack.worker_children(name):
                os.kill(pid, signal.SIGKILL)
        # The task is taken up again: some backend, not the killed one, waits on the row once more.
        wait_for(
            "the task delivered again",
            lambda: (pids := _waiting_on_lock(holder)) and pids != waiting,
            seconds=60,
            every=0.05,
        )
        redelivered = time.monotonic() - killed_at
        if companion is not None:
            wait_for(
                "the other application of the lost batch settled while the first is held",
                lambda: seed.owed([companion])[0] == 0,  # scored and routed (the held one's row is still waiting)
                seconds=60,
            )
        holder.rollback()
    wait_for("the application settled", lambda: seed.unsettled([application_id]) == 0, seconds=60)
    settled = time.monotonic() - killed_at
    for worker in ("worker-1", "worker-2", "worker-3"):
        stack.stop(worker)
    return {
        "application": application_id,
        "applications": [application_id, *([companion] if companion else [])],
        "redelivered_s": redelivered,
        "settled_s": settled,
    }


def _submitted(stack: Stack, applicant: seed.Applicant) -> int:
    status, body = stack.request("POST", "/api/v1/applications/", seed.application_payload(applicant), applicant.token)
    check(status == 201, f"submit answered {status}: {body}")
    return body["id"]


def _waiting_on_lock(holder: psycopg.Connection) -> set[int]:
    """Backends of other connections waiting for a row lock on an application."""
    with psycopg.connect(holder.info.dsn, autocommit=True) as observer:
        rows = observer.execute(
            "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND pid <> %s "
            "AND query ILIKE '%%creditloan_application%%FOR UPDATE%%'",
            [holder.info.backend_pid],
        ).fetchall()
    return {pid for (pid,) in rows}


if __name__ == "__main__":
    from bench.drills.run import main

    sys.exit(main(["worker_kill", *sys.argv[1:]]))
