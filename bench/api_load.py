"""How many requests a second does the API take, and how slow is its slowest one in a hundred?

gunicorn with 2 workers (sync, or gthread with --threads N) serves the production settings (no debug,
persistent connections) on loopback, against a scratch PostgreSQL database and Redis as the Celery broker; wrk
drives it from the same machine.
Two questions, each asked in rounds and reported as medians:

- an applicant submitting an application (POST /api/v1/applications/, JSON, bearer token, a fresh
  Idempotency-Key each time): the firm's membership check, the application row, the key's row, and the
  scoring task queued to Redis after the commit (no Celery worker runs: the question is the web tier);
- a bank officer's queue (GET /api/v1/offers/, the first page of 50 of the bank's open offers);
- and, for scale, the floor: the same address with no token, answered 401 by the framework with no query;
  and the authenticated floor, the ceiling of any authenticated endpoint: the same address with the applicant's
  token, verified (a process remembers a token it verified, under a version in Redis: creditloan/credentials.py)
  and answered 403 (not an officer) with no other query.

Issue 21's goals are ratios within the run, printed last: the authenticated floor ≥ 50 % of the floor, the
queue and submitting each ≥ 60 % of the authenticated floor.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/creditloan_bench \\
    CELERY_BROKER_URL=redis://127.0.0.1:6379/15 .venv/bin/python bench/api_load.py [--seconds 10] [--rounds 3]

(bench/http.sh runs it with those defaults.)

The database is dropped and recreated; the broker's Redis database is emptied at the end. Needs Debian's wrk.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench._setup import scratch_database  # noqa: E402

OFFERS_IN_QUEUE = 400
# Shared by the seeding process and gunicorn: a token is bound to its account's session hash, which is keyed
# by the secret key, so tokens issued under another key would all be refused.
BENCH_SECRET_KEY = "bench-only-secret-key-not-for-use-anywhere-else-0123456789"
SUBMIT_LUA = """
local counter = 0
local pid = tostring(math.random(1, 1e9))
wrk.method = "POST"
wrk.body = '{"enterprise": %(enterprise)d, "amount": "500000.00", "term_months": 12, '
  .. '"purpose": "采购原材料", "guarantee_mode": "credit"}'
request = function()
  counter = counter + 1
  -- Headers given here replace wrk.headers, so all of them are given.
  return wrk.format(nil, nil, {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer %(token)s",
    ["Idempotency-Key"] = "bench-" .. pid .. "-" .. counter,
  })
end
"""


def seed() -> dict:
    """A bank with products, a firm and its applicant, the bank's officer with a queue of open offers, and a
    token for each of the two."""
    from django.utils import timezone

    from creditloan.demo.services import demo_world_generate
    from creditloan.models import Application, EnterpriseMembership, User
    from creditloan.services import api_token_issue
    from matching.models import LoanProduct, Offer

    demo_world_generate(enterprises=500, seed=11)
    applicant = User.objects.get(username="applicant")
    firm = EnterpriseMembership.objects.filter(user=applicant).first().enterprise
    officer = User.objects.filter(role="bank_officer").order_by("pk").first()
    product = LoanProduct.objects.filter(bank=officer.bank).first()
    now = timezone.now()
    applications = Application.objects.bulk_create(
        Application(
            enterprise=firm,
            applicant=applicant,
            amount=500000,
            term_months=12,
            purpose="备货",
            guarantee_mode="credit",
            status="matched",
            submitted_at=now,
        )
        for _ in range(OFFERS_IN_QUEUE)
    )
    Offer.objects.bulk_create(
        Offer(
            application=application,
            product=product,
            bank=product.bank,
            rank=1,
            offered_at=now,
            deadline=now + dt.timedelta(days=3, minutes=index),
        )
        for index, application in enumerate(applications)
    )
    from django.db import connection

    # As autovacuum would have done by the time a live database had this many rows: plans from statistics.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {
        "enterprise": firm.pk,
        "applicant_token": api_token_issue(user=applicant, name="bench")[1],
        "officer_token": api_token_issue(user=officer, name="bench")[1],
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(port: int, threads: int) -> subprocess.Popen:
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "creditloan.settings.production",
        "DJANGO_SECRET_KEY": BENCH_SECRET_KEY,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_LOG_LEVEL": "ERROR",
        # Production requires an SMS gateway to be named; the bench sends no text.
        "DJANGO_SMS_BACKEND": "creditloan.identity.sms.FileBackend",
    }
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "creditloan.wsgi:application",
            "--workers",
            "2",
            *(["--worker-class", "gthread", "--threads", str(threads)] if threads > 1 else []),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/schema/", timeout=2)
            return server
        except OSError:
            time.sleep(0.3)
    server.kill()
    sys.exit("gunicorn did not answer within 30 s")


def run_wrk(url: str, *, seconds: int, connections: int, headers: dict, script: str | None = None) -> dict:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(script or "")
    if script:
        command += ["-s", lua.name]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    Path(lua.name).unlink()
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1]),
        "p50_ms": _ms(re.search(r"50%\s+([\d.]+\w+)", output)[1]),
        "p99_ms": _ms(re.search(r"99%\s+([\d.]+\w+)", output)[1]),
        "errors": int(m[1]) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", output)) else 0,
        "requests": int(re.search(r"(\d+) requests in", output)[1]),
    }


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(\w+)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def report(name: str, rounds: list[dict]) -> None:
    rps = statistics.median(r["rps"] for r in rounds)
    print(
        f"{name}: median {rps:,.0f} requests/s, " + f"p50 {statistics.median(r['p50_ms'] for r in rounds):.1f} ms, "
        f"p99 {statistics.median(r['p99_ms'] for r in rounds):.1f} ms; rounds: "
        + ", ".join(f"{r['rps']:,.0f}/s p99 {r['p99_ms']:.1f} ms" for r in rounds)
        + f"; non-2xx: {sum(r['errors'] for r in rounds)} of {sum(r['requests'] for r in rounds):,}"
    )


def ratio(name: str, rounds: list[dict], floors: list[dict], *, goal: float) -> None:
    each = [r["rps"] / f["rps"] for r, f in zip(rounds, floors, strict=True)]
    median = statistics.median(each)
    print(
        f"  {name}: {median:.0%} (goal ≥ {goal:.0%}: {'met' if median >= goal else 'NOT met'}); rounds: "
        + ", ".join(f"{value:.0%}" for value in each)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=1, help="threads per worker (gthread) instead of sync workers")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("needs wrk: apt-get install wrk")
    os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/15")
    os.environ["DJANGO_SECRET_KEY"] = BENCH_SECRET_KEY
    scratch_database()
    world = seed()
    from django.db import connection

    connection.close()
    port = free_port()
    server = start_gunicorn(port, args.threads)
    base = f"http://127.0.0.1:{port}/api/v1"
    workers = "2 sync workers" if args.threads == 1 else f"2 gthread workers × {args.threads} threads"
    print(f"gunicorn: {workers}; wrk: 2 threads, {args.connections} connections, {args.seconds} s a round")

    def round_of(path: str, token: str | None = None, script: str | None = None) -> dict:
        """One round of wrk against the API path, as the token's holder (or anonymously)."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return run_wrk(
            f"{base}/{path}", seconds=args.seconds, connections=args.connections, headers=headers, script=script
        )

    try:
        queue, submit, floor, verified = [], [], [], []
        for _ in range(args.rounds):
            floor.append(round_of("offers/"))
            verified.append(round_of("offers/", token=world["applicant_token"]))
            queue.append(round_of("offers/", token=world["officer_token"]))
            # The script sets the token itself, with a fresh Idempotency-Key on each request.
            submit.append(
                round_of(
                    "applications/",
                    script=SUBMIT_LUA % {"token": world["applicant_token"], "enterprise": world["enterprise"]},
                )
            )
        report("the floor: GET /api/v1/offers/ with no token (middleware, DRF, a 401, no query)", floor)
        report("the authenticated floor: GET /api/v1/offers/ as an applicant (token verified, 403)", verified)
        failed = {
            name: sum(r["errors"] for r in rounds) for name, rounds in (("queue", queue), ("submit", submit)) if rounds
        }
        report("officer's queue, GET /api/v1/offers/ (50 of 400 open offers)", queue)
        report("submit an application, POST /api/v1/applications/ with Idempotency-Key", submit)
        # Each ratio from one round's figures (taken a few seconds apart), the median of the rounds: the machine is
        # shared, and what another process takes from one round it takes from both sides of its ratio.
        print("ratios (issue 21), the median of the rounds':")
        ratio("authenticated floor / floor", verified, floor, goal=0.50)
        ratio("officer's queue / authenticated floor", queue, verified, goal=0.60)
        ratio("submit / authenticated floor", submit, verified, goal=0.60)
        if any(failed.values()):
            # Refusals are cheap: figures that count them measure nothing.
            sys.exit(f"invalid run: non-2xx answers where every request should succeed: {failed}")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        import redis

        redis.Redis.from_url(os.environ["CELERY_BROKER_URL"]).flushdb()


if __name__ == "__main__":
    main()
