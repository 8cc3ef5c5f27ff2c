"""What a change to a firm's records sets going: an import that landed re-rates every firm and reassesses the
applications its repairs concern; a dispute that found a record wrong reassesses the firm's applications."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q

from creditloan import services
from creditloan.flows import steps
from creditloan.ingestion import services as ingestion
from creditloan.ingestion import uploads
from creditloan.models import Dispute, ImportBatch
from creditloan.models.disputes import DisputeStatus
from creditloan.models.imports import RecordSource
from creditloan.outbox import task_send_after_commit

WARNING_SOURCES = (RecordSource.PUBLIC_CREDIT, RecordSource.TAX)


def records_import(**batch) -> ImportBatch:
    """Import source files as one batch (creditloan.ingestion.services.records_import takes the same arguments);
    a batch that changed records queues, in its own last transaction, the re-rating of every firm and the
    reassessment of the applications its repairs concern (信用修复 counts at once)."""
    return ingestion.records_import(**batch, on_landed=_after_landing)


@transaction.atomic
def import_upload_receive(*, source: str, upload, encoding: str | None, started_by) -> ImportBatch:
    """An operator's uploaded file: kept, its batch opened, and its import queued for a worker once committed."""
    batch = uploads.import_upload_open(source=source, upload=upload, encoding=encoding, started_by=started_by)
    task_send_after_commit(steps.IMPORT_UPLOAD, batch.pk)
    return batch


def import_upload_run(*, batch_id: int) -> ImportBatch | None:
    """The worker's part of an upload: the import, and what a landed batch sets going."""
    return uploads.import_upload_run(batch_id=batch_id, on_landed=_after_landing)


def _after_landing(batch: ImportBatch) -> None:
    if batch.changed_records():
        task_send_after_commit(steps.RERATE_POPULATION)
        task_send_after_commit(steps.REASSESS_REPAIRED, batch.pk)
    # Only the public-credit and tax records can hold what a lender is warned of (matching.warnings).
    if batch.files.filter(Q(created__gt=0) | Q(updated__gt=0), source__in=WARNING_SOURCES).exists():
        task_send_after_commit(steps.WARN_LENDERS_AFTER_IMPORT, batch.pk)


@transaction.atomic
def dispute_resolve(*, by, dispute_id: int, outcome: str, resolution: str) -> Dispute:
    """An operator's answer to a dispute. A record found wrong no longer counts: the firm's open applications are
    weighed again without it, once committed."""
    dispute = services.dispute_resolve(by=by, dispute_id=dispute_id, outcome=outcome, resolution=resolution)
    if dispute.status == DisputeStatus.CORRECTED:
        task_send_after_commit(steps.REASSESS_ENTERPRISE, dispute.enterprise_id)
    return dispute
