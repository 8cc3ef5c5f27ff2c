"""Drill 3: Redis stops while applications arrive. Every submission is still accepted and stored; when Redis
returns, every application is scored and routed, none twice.

Applicants submit at a steady pace before, during and after the outage. Redis is killed (SIGKILL, no
persistence: the tasks it held are gone too, as after a crash). Submissions during the outage are committed with
their scoring task in the outbox; the web process's attempt to publish fails fast and is logged. When Redis
comes back, the workers and beat reconnect by themselves, and the outbox relay sends what is waiting.

    .venv/bin/python bench/drills/run.py redis_outage
"""

from __future__ import annotations

import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench.drills import seed  # noqa: E402
from bench.drills.stack import Stack, check, header, wait_for  # noqa: E402

BEFORE, OUTAGE, AFTER = 4.0, 12.0, 4.0
PACE_PER_SECOND = 10


def drill(stack: Stack, args) -> None:
    header(stack, "drill 3: Redis stops while applications arrive")
    people = seed.applicants_at_work(stack, 8)

    answers: list[tuple[float, int, dict | None, float]] = []  # (sent at, status, body, seconds)
    started = time.monotonic()
    stop = threading.Event()

    def submit_steadily(offset: int) -> None:
        """One of two senders, each at half the pace, on its own schedule (a slow answer does not shift it)."""
        sent = 0
        while not stop.is_set():
            sent_at = time.monotonic() - started
            status, body, seconds = seed.submit(stack, people[(offset + sent) % len(people)])
            answers.append((sent_at, status, body, seconds))
            sent += 1
            next_at = offset / PACE_PER_SECOND + sent * 2 / PACE_PER_SECOND
            time.sleep(max(0.0, next_at - (time.monotonic() - started)))

    threads = [threading.Thread(target=submit_steadily, args=(offset,)) for offset in range(2)]
    for thread in threads:
        thread.start()
    time.sleep(BEFORE)
    stack.redis.stop()
    down_at = time.monotonic() - started
    time.sleep(OUTAGE)
    stack.redis.start()
    up_at = time.monotonic() - started
    time.sleep(AFTER)
    stop.set()
    for thread in threads:
        thread.join(timeout=60)

    refused = [(status, body) for _, status, body, _ in answers if status != 201]
    check(not refused, f"{len(refused)} submissions not accepted, e.g. {refused[:3]}")
    ids = [body["id"] for _, _, body, _ in answers]
    during = [(seconds, body["id"]) for sent_at, _, body, seconds in answers if down_at <= sent_at < up_at]
    check(len(during) >= 20, f"only {len(during)} submissions arrived during the outage")
    applications_owed, tasks_waiting = seed.owed(ids)
    wait_for("every application settled after Redis returned", lambda: seed.unsettled(ids) == 0, seconds=180)
    drained = time.monotonic() - started - up_at
    outcome = seed.account_for(ids)
    print(
        f"submitted: {len(ids)} ({len(during)} while Redis was down for {up_at - down_at:.0f} s), all accepted (201); "
        f"submit time while down: median {statistics.median(s for s, _ in during) * 1000:.0f} ms, "
        f"max {max(s for s, _ in during) * 1000:.0f} ms; "
        f"before: median {statistics.median(s for t, _, _, s in answers if t < down_at) * 1000:.0f} ms"
    )
    print(
        f"when Redis returned: {applications_owed} applications not yet scored and routed, {tasks_waiting} tasks "
        f"waiting in the outbox; all settled {drained:.1f} s later (outbox relay every 2 s, grace 5 s)"
    )
    print(f"accounted for: {outcome}")


if __name__ == "__main__":
    from bench.drills.run import main

    sys.exit(main(["redis_outage", *sys.argv[1:]]))
