"""What does the worker pay for one application, against the kernels it runs?

On a demo world of N firms (a trained champion, an approval model, the demo catalogue), in one run:

1. the kernels: one application scored online with reasons and improvements, as bench/score.py times it
   (scoring.services.application_score on applications of the world's history), and eligibility followed by
   ranking against the catalogue compiled once, as bench/match.py times it;
2. the worker: fresh applications submitted by applicants who authorised every bank, then taken as the scoring
   task takes them (creditloan.flows.applications.applications_score): in batches of SCORING_BATCH_SIZE, each
   batch scored in one transaction, then routed in another (matching.routing.applications_route),
   as a warm worker process does them: CPU time of this process (time.process_time) and of its PostgreSQL backend
   (/proc, when the server runs on this machine), and the SQL statements each application costs (BEGIN, COMMIT
   and savepoints included; a batch's shared by its applications);
3. the ratio of the worker's CPU to the kernels', against the goal of 3×.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/creditloan_apppath .venv/bin/python bench/application_path.py \\
        [--enterprises 6000] [--applications 300]

The database named in DATABASE_URL is dropped and recreated. The tasks the flows send are left in Celery's
in-memory broker: each step is run here, in order, and timed on its own.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench._setup import peak_rss_kib, scratch_database  # noqa: E402
from bench.drills.seed import people_acting_for_firms  # noqa: E402

AS_OF = dt.date(2026, 10, 31)
GOAL_RATIO = 3.0
WARM_UP = 20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--enterprises", type=int, default=6000)
    parser.add_argument("--applications", type=int, default=300)
    args = parser.parse_args()
    connection = scratch_database()
    from django.conf import settings

    # The tasks the flows send after commit stay in the in-memory broker; this script runs each step itself.
    settings.CELERY_TASK_ALWAYS_EAGER = False
    start = time.perf_counter()
    _world(args.enterprises)
    took = time.perf_counter() - start
    print(f"world: {args.enterprises:,} firms, champion and approval model trained, in {took:.0f} s")

    score_ms, score_db_ms = _kernel_score(connection, args.applications)
    applicants = people_acting_for_firms(args.applications + WARM_UP, username="bench-applicant")
    match_ms = _kernel_match(applicants)
    worker, worker_db = _worker(connection, applicants)

    kernels = score_ms + match_ms
    print("\n3. the worker against the kernels (CPU per application, medians)")
    print(f"kernels: {kernels:.2f} ms (score {score_ms:.2f} + eligibility with ranking {match_ms:.3f})")
    print(f"worker:  {worker:.2f} ms (this process; the database's share is above)")
    verdict = "met" if worker <= GOAL_RATIO * kernels else "NOT met"
    print(f"ratio worker/kernels: {worker / kernels:.2f}× (goal ≤ {GOAL_RATIO:.0f}×: {verdict})")
    if worker_db is not None:
        with_db, worker_with_db = kernels + score_db_ms, worker + worker_db
        print(
            f"with the database's CPU (means): kernels {with_db:.2f} ms, worker {worker_with_db:.2f} ms, "
            f"ratio {worker_with_db / with_db:.2f}×"
        )
    print(f"peak RSS of this process: {peak_rss_kib() / 1024:,.0f} MB")


def _world(enterprises: int) -> None:
    from creditloan.demo.services import demo_world_generate
    from creditloan.flows.champion import model_promote, model_train
    from creditloan.models import Bank
    from matching.services import approval_model_train
    from scoring.models import ModelStatus

    demo_world_generate(enterprises=enterprises, seed=7, as_of=AS_OF)
    version = model_train().version
    if version.status != ModelStatus.CHAMPION:
        model_promote(number=version.number)
    approval_model_train()
    # Capacity is not the question here: no bank turns an application away for want of room this month.
    Bank.objects.update(monthly_capacity=1_000_000)


def _kernel_score(connection, samples: int) -> tuple[float, float]:
    """bench/score.py's section 2: the median CPU of scoring one application of the history, stored with its
    reasons and improvements, after a warm-up."""
    from creditloan.models import Application
    from scoring.services import application_score

    rng = np.random.default_rng(5)
    ids = np.array(Application.objects.values_list("id", flat=True))
    chosen = rng.choice(ids, size=min(samples + WARM_UP, len(ids)), replace=False)
    for application_id in chosen[:WARM_UP]:
        application_score(application_id=int(application_id))
    backend = _BackendClock(connection)
    cpu = []
    backend_before = backend.seconds()
    for application_id in chosen[WARM_UP:]:
        start = time.process_time()
        application_score(application_id=int(application_id))
        cpu.append(time.process_time() - start)
    db_ms = (backend.seconds() - backend_before) * 1000 / len(cpu)
    ms = np.array(cpu) * 1000
    print(f"\n1. the kernels ({len(ms):,} samples each)")
    print(
        f"online score, stored with reasons (bench/score.py): CPU p50 {np.median(ms):.2f} ms, p90 {_p(ms, 90):.2f} ms"
    )
    if backend.readable:
        print(f"its database's CPU: {db_ms:.2f} ms (mean)")
    return float(np.median(ms)), db_ms


def _kernel_match(applicants: list) -> float:
    """bench/match.py's third figure on this world's catalogue: eligibility of an applicant against every offered
    product, then the eligible ones ranked, with the table and the ranking's arrays built once."""
    from creditloan import selectors as creditloan_selectors
    from matching import selectors
    from matching.ranking import ApprovalModel, rank
    from scoring.selectors import enterprise_assess

    products = selectors.offered_products()
    table = selectors.product_table(products)
    approval_version = selectors.latest_approval_model()
    # Until one is trained, every bank at even odds (as matching's EVEN_ODDS).
    even_odds = ApprovalModel(banks=(), intercept=(), pd_slope=(), amount_slope=0.0)
    approval = ApprovalModel.from_dict(approval_version.coefficients) if approval_version else even_odds
    catalogue = selectors.ranking_candidates(products, approval=approval, responses=selectors.bank_response_rates())
    weights = selectors.weights_of(selectors.current_settings())
    rng = np.random.default_rng(11)
    cases = []
    for _person, firm in applicants:
        score = enterprise_assess(enterprise_id=firm.pk, as_of=AS_OF)
        amount, term = float(rng.choice([200_000, 500_000, 1_000_000])), int(rng.choice([12, 24, 36]))
        applicant = selectors.applicant_of(
            enterprise=firm,
            score=score,
            amount=amount,
            term_months=term,
            guarantee_mode="credit",
            consent=creditloan_selectors.consent_by_bank(firm.pk),
        )
        cases.append((firm.pk, applicant))

    def match(key, applicant):
        return rank(
            catalogue,
            positions=table.eligible_positions(applicant),
            application_key=key,
            probability_of_default=applicant.probability_of_default,
            amount=applicant.amount,
            term_months=applicant.term_months,
            weights=weights,
            approval=approval,
        )

    for key, applicant in cases[:WARM_UP]:
        match(key, applicant)
    cpu = []
    for _round in range(20):  # each call is a few tens of µs: repeated, so the clock's grain does not show
        for key, applicant in cases:
            start = time.perf_counter()
            match(key, applicant)
            cpu.append(time.perf_counter() - start)
    us = np.array(cpu) * 1e6
    print(
        f"eligibility with ranking against the {len(products)} offered products (bench/match.py): "
        f"p50 {np.median(us):.0f} µs, p90 {_p(us, 90):.0f} µs"
    )
    return float(np.median(us)) / 1000


def _worker(connection, applicants: list) -> float:
    """Submit the applications, then take them as the scoring task does, in batches of SCORING_BATCH_SIZE: the
    batch scored in one transaction, then the ones scored routed in another (the two halves of
    creditloan.flows.applications.applications_score, timed apart). Returns the median CPU of this process per
    application (both halves, each batch's shared by its applications) and the mean of its database's (None where
    it cannot be read)."""
    from django.conf import settings
    from django.db import transaction
    from django.test.utils import CaptureQueriesContext

    from creditloan.flows.applications import application_submit
    from creditloan.models import Application
    from matching.routing import applications_route
    from scoring.services import applications_score

    backend = _BackendClock(connection)
    size = settings.SCORING_BATCH_SIZE
    ids = [
        application_submit(
            applicant=person,
            enterprise_id=firm.pk,
            amount=Decimal(500_000 + 10_000 * (index % 50)),
            term_months=12,
            purpose="working capital",
            guarantee_mode="credit",
        ).pk
        for index, (person, firm) in enumerate(applicants)
    ]

    def measured(step) -> tuple[float, float, int]:
        backend_before = backend.seconds()
        # Every statement sent, BEGIN and COMMIT included (Django logs them while the capture is on); the log is
        # emptied first, as it keeps only the last 9,000.
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as statements:
            start = time.process_time()
            step()
            cpu = time.process_time() - start
        return cpu, backend.seconds() - backend_before, len(statements.captured_queries)

    def scored(batch: list[int]) -> list[int]:
        with transaction.atomic():
            return [
                score.application_id
                for score in applications_score(application_ids=batch)
                if score.application.status == "scored"
            ]

    rows = []
    for first in range(0, len(ids), size):
        batch, to_route = ids[first : first + size], []
        score_figures = measured(lambda batch=batch, to_route=to_route: to_route.extend(scored(batch)))
        route_figures = measured(lambda to_route=to_route: applications_route(application_ids=to_route))
        # Each application's share of its batch.
        rows += [[value / len(batch) for value in (*score_figures, *route_figures)]] * len(batch)
    reached = Counter(Application.objects.filter(pk__in=ids).values_list("status", flat=True))
    measured_rows = np.array(rows[WARM_UP:], dtype=float)
    score_cpu, score_db, score_sql, route_cpu, route_db, route_sql = (measured_rows[:, i] for i in range(6))
    both = (score_cpu + route_cpu) * 1000
    print(
        f"\n2. the worker: {len(measured_rows):,} fresh applications, scored then routed in batches of {size}, "
        "in a warm process (a batch's figures shared by its applications)"
    )
    print(f"{'':<22}{'CPU p50':>10}{'CPU p90':>10}{'database CPU':>14}{'SQL statements':>16}")
    for title, cpu, db, sql in (
        ("score (a batch)", score_cpu, score_db, score_sql),
        ("route", route_cpu, route_db, route_sql),
        ("one application", score_cpu + route_cpu, score_db + route_db, score_sql + route_sql),
    ):
        database = f"{np.mean(db) * 1000:.2f} ms" if backend.readable else "n/a"
        print(
            f"{title:<22}{np.median(cpu) * 1000:>7.2f} ms{_p(cpu * 1000, 90):>7.2f} ms{database:>14}"
            f"{np.mean(sql):>16.1f}"
        )
    print("where they ended: " + ", ".join(f"{status} {count}" for status, count in sorted(reached.items())))
    return float(np.median(both)), float(np.mean(score_db + route_db)) * 1000 if backend.readable else None


class _BackendClock:
    """The CPU seconds (user + system) of this connection's PostgreSQL backend process, read from /proc: the
    server runs on this machine. `readable` is False where it does not (the figure is then left out)."""

    def __init__(self, connection) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            self.path = f"/proc/{cursor.fetchone()[0]}/stat"
        self.tick = os.sysconf("SC_CLK_TCK")
        self.readable = os.path.exists(self.path)

    def seconds(self) -> float:
        if not self.readable:
            return 0.0
        with open(self.path, encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / self.tick


def _p(values, percentile: int) -> float:
    return float(np.percentile(values, percentile))


if __name__ == "__main__":
    main()
