"""Celery tasks of the core domain: thin callers of its services."""

from __future__ import annotations

from celery import shared_task

from creditloan.flows.records import import_upload_run
from creditloan.outbox import OutboxTask, outbox_relay
from creditloan.services import idempotency_records_prune


@shared_task(acks_late=True)
def prune_idempotency_records() -> int:
    """Run by beat, hourly: forget Idempotency-Key answers past their keeping time."""
    return idempotency_records_prune()


@shared_task(acks_late=True)
def relay_outbox() -> int:
    """Run by beat every OUTBOX_RELAY_SECONDS: send again the tasks that committed writes set going and that have
    not run yet (creditloan.outbox)."""
    return outbox_relay()


@shared_task(base=OutboxTask, acks_late=True)
def import_upload(batch_id: int) -> str:
    """A file an operator uploaded: imported as its batch; a second delivery finds the batch ended and does
    nothing."""
    batch = import_upload_run(batch_id=batch_id)
    return batch.status if batch else "gone"
