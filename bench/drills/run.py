"""Run the reliability drills against the whole service on loopback; exit non-zero if any of them finds
something lost, doubled or answered with a 5xx. Each drill is bounded in time and stops by itself.

    .venv/bin/python bench/drills/run.py                 # every drill
    .venv/bin/python bench/drills/run.py worker_kill     # some of them
    .venv/bin/python bench/drills/run.py load --seconds 30 --clients 32

Needs root (the drills' own PostgreSQL cluster runs as the postgres account), PostgreSQL's server binaries and
redis-server; it touches neither the machine's PostgreSQL nor its Redis. docs/operations.md holds what each drill
showed.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench.drills.stack import DrillFailed, Stack, django_setup  # noqa: E402

DRILLS = ["load", "worker_kill", "redis_outage", "postgres_restart", "decision_race", "idempotency", "web_tier"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("drills", nargs="*", metavar="drill", help=f"some of: {', '.join(DRILLS)} (default: all)")
    parser.add_argument("--enterprises", type=int, default=6000, help="size of the generated world")
    parser.add_argument("--seconds", type=int, default=20, help="how long the load drill submits")
    parser.add_argument("--clients", type=int, default=24, help="concurrent applicants in the load drill")
    parser.add_argument("--officers", type=int, default=4, help="concurrent officers in the load drill")
    parser.add_argument("--rate", type=float, default=0, help="load drill: applications a second in all (0: flat out)")
    parser.add_argument(
        "--pool-per-queue", action="store_true", help="load drill: a worker pool per kind of work, not one for all"
    )
    args = parser.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # progress shows as it happens, in CI too
    unknown = set(args.drills) - set(DRILLS)
    if unknown:
        parser.error(f"no drill named {', '.join(sorted(unknown))}; the drills are {', '.join(DRILLS)}")
    failed = []
    with Stack() as stack:
        took = stack.prepare_world(args.enterprises)
        print(f"world: {args.enterprises:,} firms generated, imported and trained on in {took:.0f} s")
        django_setup()
        for name in args.drills or DRILLS:
            module = importlib.import_module(f"bench.drills.{name}")
            started = time.monotonic()
            stack.fresh_database()
            try:
                module.drill(stack, args)
                print(f"-- {name}: passed in {time.monotonic() - started:.0f} s")
            except DrillFailed as failure:
                failed.append(name)
                print(f"-- {name}: FAILED after {time.monotonic() - started:.0f} s: {failure}")
            except Exception:
                failed.append(name)
                traceback.print_exc()
                print(f"-- {name}: FAILED (error) after {time.monotonic() - started:.0f} s")
            finally:
                stack.stop_all()
                if not stack.redis.ping():
                    stack.redis.start()
    ran = args.drills or DRILLS
    print(
        f"drills: {len(ran) - len(failed)} of {len(ran)} passed" + (f"; failed: {', '.join(failed)}" if failed else "")
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
