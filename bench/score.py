"""How fast is scoring, and how good is the model, on a demo world of N firms?

1. Model quality: `train_model`'s out-of-time figures, LightGBM beside the WOE scorecard.
2. One application online: features from the firm's records, PD, points, reasons, improvements, policy rules,
   the Score stored, as `score_application` does it; p50 and p99 over a random sample of applications, with a
   raw one-row LightGBM predict beside it.
3. Re-rating the whole population: every firm's features, PD and grade, written as ratings, chunk by chunk as
   the Celery group's tasks do it (here one after another in this process: one core's throughput).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/creditloan_score .venv/bin/python bench/score.py \\
        [--enterprises 1000000] [--samples 1000] [--reuse]

The database named in DATABASE_URL is dropped and recreated (unless --reuse finds a world in it already).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench._setup import machine_description, peak_rss_kib, scratch_database  # noqa: E402

AS_OF = dt.date(2026, 10, 31)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--enterprises", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--reuse", action="store_true", help="keep a world already loaded in the database")
    args = parser.parse_args()
    _database(args.reuse)
    from creditloan.demo.services import demo_world_generate
    from creditloan.models import Application, Enterprise
    from scoring.models import ModelVersion, Rating

    if not Enterprise.objects.exists():
        start = time.perf_counter()
        demo_world_generate(enterprises=args.enterprises, seed=7, as_of=AS_OF)
        print(f"demo world of {args.enterprises:,} firms generated and loaded in {time.perf_counter() - start:.0f} s")
    firms = Enterprise.objects.count()
    print(f"firms: {firms:,}; applications: {Application.objects.count():,}")

    version = _quality()
    _online(version, args.samples)
    _population(version, firms)
    print(f"\nratings stored: {Rating.objects.filter(model_version=version).count():,}")
    print(f"model versions: {ModelVersion.objects.count()}; peak RSS of this process: {peak_rss_kib() / 1024:,.0f} MB")


def _database(reuse: bool):
    if not reuse:
        return scratch_database()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "creditloan.settings.local")
    os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_DEBUG", "false")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    print(machine_description(connection))
    return connection


def _quality():
    from django.conf import settings

    from creditloan.flows.champion import model_promote, model_train
    from scoring.models import ModelStatus

    # Without a broker, Celery runs tasks where they are sent: the re-rating that a promotion queues would run
    # inside train_model and be counted as training. Queued to the in-memory broker instead, it is left
    # there; section 3 times the same work.
    settings.CELERY_TASK_ALWAYS_EAGER = False
    start = time.perf_counter()
    outcome = model_train()
    seconds = time.perf_counter() - start
    metrics = outcome.version.metrics
    split = metrics["split"]
    print(f"\n1. model quality, out of time (train_model: {seconds:.1f} s)")
    print(
        f"trained on {split['train_rows']:,} loans ({split['train_defaults']:,} defaulted) "
        f"{split['train_from']}..{split['train_to']}; held out {split['test_rows']:,} "
        f"({split['test_defaults']:,} defaulted) {split['test_from']}..{split['test_to']}"
    )
    print(f"{'':<8}{'LightGBM':>10}{'scorecard':>11}")
    for name in ("auc", "ks", "gini", "brier"):
        print(f"{name.upper():<8}{metrics['lightgbm'][name]:>10.4f}{metrics['baseline'][name]:>11.4f}")
    print(outcome.message)
    version = outcome.version
    if version.status != ModelStatus.CHAMPION:
        version = model_promote(number=version.number)
        print(f"(v{version.number} promoted anyway, to measure its speed below)")
    return version


def _online(version, samples: int) -> None:
    from creditloan.models import Application
    from scoring import selectors
    from scoring.ml.features import build_features
    from scoring.services import application_score

    rng = np.random.default_rng(5)
    ids = np.array(Application.objects.values_list("id", flat=True))
    chosen = rng.choice(ids, size=min(samples, len(ids)), replace=False)
    for application_id in chosen[:20]:  # warm-up: the model is loaded once per process
        application_score(application_id=int(application_id))
    timings = []
    for application_id in chosen[20:]:
        start = time.perf_counter()
        application_score(application_id=int(application_id))
        timings.append(time.perf_counter() - start)

    model = selectors.loaded_model(version)
    application = Application.objects.get(pk=int(chosen[0]))
    import pandas as pd

    requests = pd.DataFrame(
        {"enterprise_id": [application.enterprise_id], "as_of": np.array([AS_OF], dtype="datetime64[D]")}
    )
    matrix = model._matrix(build_features(selectors.record_frames(requests=requests)))
    raw = []
    for _ in range(1000):
        start = time.perf_counter()
        model.booster_.predict(matrix, num_threads=1)
        raw.append(time.perf_counter() - start)

    ms = np.array(timings) * 1000
    print(f"\n2. one application online, stored with reasons and improvements ({len(ms):,} applications)")
    p50, p90, p99 = np.percentile(ms, [50, 90, 99])
    print(f"p50 {p50:.2f} ms   p90 {p90:.2f} ms   p99 {p99:.2f} ms")
    print(f"raw one-row LightGBM predict (booster on a ready matrix): median {statistics.median(raw) * 1e6:.0f} µs")


def _population(version, firms: int) -> None:
    from scoring import selectors
    from scoring.services import RATING_CHUNK, ratings_refresh

    chunks = selectors.firm_id_chunks(RATING_CHUNK)
    start = time.perf_counter()
    rated = sum(ratings_refresh(first_id=first, last_id=last, as_of=AS_OF, version=version) for first, last in chunks)
    seconds = time.perf_counter() - start
    print(f"\n3. re-rating the population: {rated:,} firms in {len(chunks)} chunks of up to {RATING_CHUNK:,}")
    print(f"{seconds:.1f} s ({rated / seconds:,.0f} firms/s) in one process; the Celery group spreads the chunks")
    print("over the workers")


if __name__ == "__main__":
    main()
