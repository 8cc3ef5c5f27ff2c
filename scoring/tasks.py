"""Celery tasks: thin callers of the scoring services, taking ids and safe to run twice."""

from __future__ import annotations

import datetime as dt
import logging

from celery import group, shared_task
from celery_batches import SimpleRequest
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from creditloan.celery import RETRY_TRANSIENT
from creditloan.flows import applications
from creditloan.flows.champion import training_run_execute
from creditloan.outbox import OutboxBatches, OutboxTask, task_send_after_commit
from scoring import selectors
from scoring.models import ModelVersion
from scoring.services import RATING_CHUNK, ratings_refresh

logger = logging.getLogger(__name__)


@shared_task(
    base=OutboxBatches,
    acks_late=True,
    flush_every=settings.SCORING_BATCH_SIZE,
    flush_interval=settings.SCORING_BATCH_SECONDS,
)
def score_application(requests: list[SimpleRequest]) -> list[SimpleRequest]:
    """Sent with one application's id (`score_application.delay(application_id)`), run on a batch of them: each
    submitted one scored with the champion, then routed (the flow). Returns the requests carried out (see
    OutboxBatches). Run again after a crash, it finds the scores stored and routes what is still owed."""
    done = applications.applications_score(application_ids=[request.args[0] for request in requests])
    return [request for request in requests if request.args[0] in done]


@shared_task(acks_late=True, **RETRY_TRANSIENT)
def rate_firms(first_id: int, last_id: int, version_number: int, as_of: str) -> int:
    """Rate one run of firms (see `rerate_population`); an upsert, so a redelivered chunk does no harm."""
    version = ModelVersion.objects.get(number=version_number)
    return ratings_refresh(first_id=first_id, last_id=last_id, as_of=dt.date.fromisoformat(as_of), version=version)


@shared_task(base=OutboxTask, acks_late=True, **RETRY_TRANSIENT)
def after_new_champion() -> None:
    """What a promotion sets going once committed: every firm re-rated, and every application still waiting
    for a score (sent while there was no champion) scored, each through the outbox as a submission's is, so that
    one whose batch fails is sent again rather than left submitted."""
    rerate_population.delay()
    with transaction.atomic():
        for application_id in selectors.unscored_applications():
            task_send_after_commit(score_application, application_id)


@shared_task(base=OutboxTask, acks_late=True, **RETRY_TRANSIENT)
def rerate_population(as_of: str | None = None) -> int:
    """Re-rate every firm under the champion, in chunks that run in parallel on the workers (a Celery group).
    Sent when the champion changes and when an import batch lands. Returns the number of chunks sent."""
    version = selectors.champion()
    if version is None:
        logger.info("no champion yet: nothing to re-rate")
        return 0
    as_of = as_of or timezone.localdate().isoformat()
    chunks = selectors.firm_id_chunks(RATING_CHUNK)
    group(rate_firms.si(first, last, version.number, as_of) for first, last in chunks).apply_async()
    return len(chunks)


@shared_task(base=OutboxTask, acks_late=True)
def train_model_run(run_id: int) -> str:
    """A training queued from the operators' page; a second delivery finds it taken up and does nothing."""
    return training_run_execute(run_id=run_id).status
