"""How long does the beat's lapse sweep take with 100,000 offers open?

Builds a demo world (7,000 firms, the champion trained on it), then N open offers (default 100,000): matched
applications of those firms, three offers each, every application with a stored ranking of eight products
across the banks, and bank capacity to spare so that routing on can always offer the next product. Then:

1. the sweep when nothing is due, as most beats find it: median of repeated runs;
2. the sweep after L offers (default 2,000) passed their deadline: wall time, offers lapsed a second, and a
   check that every application whose offer lapsed got exactly one new offer and none was offered twice.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/creditloan_lapse .venv/bin/python bench/lapse_sweep.py \\
        [--offers 100000] [--overdue 2000]

The database named in DATABASE_URL is dropped and recreated.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench._setup import scratch_database  # noqa: E402

AS_OF = dt.date(2026, 10, 31)
OFFERS_PER_APPLICATION = 3
RANKED = 8


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--offers", type=int, default=100_000)
    parser.add_argument("--overdue", type=int, default=2_000)
    args = parser.parse_args()
    scratch_database()
    from django.db import connection
    from django.db.models import Count
    from django.utils import timezone

    from creditloan.demo.services import demo_world_generate
    from creditloan.flows.champion import model_train
    from creditloan.models import Application, Bank, Enterprise
    from matching.models import LoanProduct, MatchingSettings, Offer, OfferStatus, Ranking
    from matching.routing import offers_lapse_sweep
    from scoring.models import Score
    from scoring.selectors import champion

    start = time.perf_counter()
    demo_world_generate(enterprises=7_000, seed=7, as_of=AS_OF)
    model_train()
    version = champion()
    Bank.objects.update(monthly_capacity=10_000_000)
    print(f"world: 7,000 firms, champion v{version.number}, in {time.perf_counter() - start:.0f} s")

    start = time.perf_counter()
    rng = np.random.default_rng(5)
    now = timezone.now()
    firms = list(Enterprise.objects.values_list("pk", flat=True))
    products = list(LoanProduct.objects.filter(active=True).select_related("bank"))
    settings = MatchingSettings.objects.get(number=1)
    n_applications = args.offers // OFFERS_PER_APPLICATION
    applications = Application.objects.bulk_create(
        Application(
            enterprise_id=int(rng.choice(firms)),
            amount=500_000,
            term_months=12,
            purpose="备货",
            guarantee_mode="credit",
            status="matched",
            submitted_at=now - dt.timedelta(days=2),
        )
        for _ in range(n_applications)
    )
    scores = Score.objects.bulk_create(
        Score(
            enterprise_id=application.enterprise_id,
            application=application,
            model_version=version,
            as_of=AS_OF,
            probability_of_default=0.03,
            points=650,
            grade="B",
            features={},
            reasons={"raised": [], "lowered": []},
            created_at=now - dt.timedelta(days=2),
        )
        for application in applications
    )
    chosen = [rng.choice(len(products), size=RANKED, replace=False) for _ in applications]
    Ranking.objects.bulk_create(
        Ranking(
            application=application,
            score=score,
            settings=settings,
            entries=[
                {"product": products[i].pk, "bank": products[i].bank.code, "utility": 1 - position / 10}
                for position, i in enumerate(picks)
            ],
            created_at=now - dt.timedelta(days=2),
        )
        for application, score, picks in zip(applications, scores, chosen)
    )
    offered_at = now - dt.timedelta(days=1)
    Offer.objects.bulk_create(
        (
            Offer(
                application=application,
                product=products[i],
                bank_id=products[i].bank_id,
                rank=position,
                offered_at=offered_at,
                deadline=offered_at + dt.timedelta(days=5),
            )
            for application, picks in zip(applications, chosen)
            for position, i in enumerate(picks[:OFFERS_PER_APPLICATION], start=1)
        ),
        batch_size=5_000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    open_offers = Offer.objects.filter(status=OfferStatus.OFFERED).count()
    print(
        f"{open_offers:,} open offers on {n_applications:,} applications, built in {time.perf_counter() - start:.0f} s"
    )

    idle = []
    for _ in range(21):
        start = time.perf_counter()
        lapsed = offers_lapse_sweep()
        idle.append(time.perf_counter() - start)
        assert lapsed == 0
    print(f"sweep with nothing due among {open_offers:,} open offers: median {statistics.median(idle) * 1000:.2f} ms")

    due = list(
        Offer.objects.filter(status=OfferStatus.OFFERED).order_by("?").values_list("pk", flat=True)[: args.overdue]
    )
    Offer.objects.filter(pk__in=due).update(offered_at=now - dt.timedelta(days=8), deadline=now - dt.timedelta(hours=1))
    affected = set(Offer.objects.filter(pk__in=due).values_list("application_id", flat=True))
    offers_before = dict(
        Offer.objects.filter(application_id__in=affected).values_list("application_id").annotate(n=Count("pk"))
    )
    start = time.perf_counter()
    lapsed = offers_lapse_sweep()
    elapsed = time.perf_counter() - start
    offers_after = dict(
        Offer.objects.filter(application_id__in=affected).values_list("application_id").annotate(n=Count("pk"))
    )
    lapsed_per_application = dict(
        Offer.objects.filter(pk__in=due).values_list("application_id").annotate(n=Count("pk"))
    )
    assert lapsed == len(due), (lapsed, len(due))
    wrong = [a for a in affected if offers_after[a] - offers_before[a] != lapsed_per_application[a]]
    print(
        f"sweep of {lapsed:,} overdue offers among {open_offers:,} open: {elapsed:.1f} s, "
        f"{lapsed / elapsed:,.0f} offers lapsed and routed on a second ({elapsed / lapsed * 1000:.2f} ms each)"
    )
    print(
        f"applications routed on: {len(affected):,}; each got one new offer per lapsed one: "
        f"{'yes' if not wrong else f'NO, {len(wrong)} did not'}"
    )
    again = offers_lapse_sweep()
    print(f"the same sweep run again lapsed {again} more")


if __name__ == "__main__":
    main()
