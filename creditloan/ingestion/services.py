"""The import service: the management command, the demo loader and (later) the push API all call this."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from creditloan.errors import DomainError, ErrorCode
from creditloan.ingestion.formats import FORMATS
from creditloan.ingestion.pipeline import prefetched, validated_chunks
from creditloan.ingestion.problems import ImportRefused, Problem
from creditloan.ingestion.readers import RowReader, codec_of, detect_format
from creditloan.ingestion.writers import save_rejections, writer_for
from creditloan.models import ImportBatch, ImportBatchStatus, ImportFile, RecordSource

logger = logging.getLogger(__name__)

DEFAULT_CHUNK_SIZE = 50_000
# The registry first: a record is accepted when its firm's registry row arrives in the same batch.
SOURCE_ORDER = [source.value for source in RecordSource]


@dataclass(frozen=True)
class ImportSource:
    source: str
    path: Path
    file_format: str | None = None
    name: str | None = None
    # utf-8 or gb18030 (gbk); detected when None (creditloan/ingestion/readers.py says how)
    encoding: str | None = None


@dataclass(frozen=True)
class Progress:
    """What a progress display needs: the file in hand and how far through it the import is."""

    source: str
    name: str
    bytes_done: int
    bytes_total: int
    rows_done: int


def records_import(
    *,
    files: Sequence[ImportSource],
    origin: str,
    started_by=None,
    on_progress: Callable[[Progress], None] | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    fast_path: bool | None = None,
    on_landed: Callable[[ImportBatch], None] | None = None,
    batch: ImportBatch | None = None,
) -> ImportBatch:
    """Import source files as one batch: every file lands, or (on any failure) none of them does.

    Rows that break the format are rejected with their reasons and do not stop the rest. A file that cannot be
    read as its format at all (wrong columns, not UTF-8) fails the batch before anything is applied.
    `on_landed(batch)` runs in the batch's last transaction, so what it queues is sent once the batch commits, or
    never (creditloan.flows.records.records_import sets the re-rating going with it). `batch`: a running batch
    opened beforehand (an upload, which the operator follows while a worker imports it).
    """
    if not files:
        raise DomainError(ErrorCode.INVALID_INPUT, _("nothing to import: give at least one source and its file"))
    plan = []
    for item in files:
        if item.source not in FORMATS:
            raise DomainError(
                ErrorCode.IMPORT_SOURCE,
                _("unknown source “%(source)s”; one of: %(known)s")
                % {"source": item.source, "known": ", ".join(SOURCE_ORDER)},
            )
        if not item.path.is_file():
            raise ImportRefused(Problem("no_such_file", {"name": str(item.path)}), ErrorCode.INVALID_INPUT)
        codec_of(item.encoding, item.name or item.path.name)
        plan.append((item, detect_format(item.path, item.file_format, item.name)))
    plan.sort(key=lambda planned: SOURCE_ORDER.index(planned[0].source))

    manifest = [
        {"source": item.source, "name": item.name or item.path.name, "bytes": item.path.stat().st_size}
        for item, _ in plan
    ]
    if batch is None:
        batch = ImportBatch.objects.create(origin=origin, started_by=started_by, manifest=manifest)
    try:
        with transaction.atomic():
            for item, file_format in plan:
                _import_file(batch, item, file_format, on_progress, chunk_size, fast_path)
            batch.status = ImportBatchStatus.COMPLETED
            batch.finished_at = timezone.now()
            batch.save(update_fields=["status", "finished_at"])
            _close_interrupted_predecessors(batch)
            if on_landed is not None:
                on_landed(batch)
    except BaseException as error:
        _record_failure(batch, error)
        raise
    return batch


def _import_file(batch, item: ImportSource, file_format: str, on_progress, chunk_size: int, fast_path) -> None:
    fmt = FORMATS[item.source]
    required = tuple(column.name for column in fmt.columns if column.required)
    reader = RowReader(
        item.path,
        file_format,
        fmt.column_names,
        required=required,
        name=item.name,
        encoding=item.encoding,
        chinese=fmt.columns_by_chinese,
    )
    import_file = ImportFile.objects.create(
        batch=batch, source=item.source, name=reader.name, file_format=file_format, encoding=reader.encoding
    )
    writer = writer_for(fmt, import_file, timezone.now(), fast=fast_path)
    try:
        for chunk in prefetched(validated_chunks(reader, fmt, chunk_size)):
            result = writer.apply(chunk)
            save_rejections(import_file, chunk.rejections)
            result.rejected += len(chunk.rejections)
            import_file.rows += len(chunk)
            import_file.created += result.created
            import_file.updated += result.updated
            import_file.unchanged += result.unchanged
            import_file.rejected += result.rejected
            if on_progress:
                on_progress(Progress(item.source, reader.name, chunk.bytes_read, reader.size, import_file.rows))
    finally:
        reader.close()
    # Only after success: on failure the transaction is rolled back, and a broken transaction takes no more
    # statements (the writer's scratch tables are replaced when the next import starts).
    writer.close()
    import_file.sha256 = reader.sha256
    import_file.save()
    logger.info(
        "imported %s %s: rows=%d created=%d updated=%d unchanged=%d rejected=%d",
        item.source,
        reader.name,
        import_file.rows,
        import_file.created,
        import_file.updated,
        import_file.unchanged,
        import_file.rejected,
    )


def _close_interrupted_predecessors(batch: ImportBatch) -> None:
    """Earlier runs of the same files that died mid-way (killed, so never marked failed) are closed: this
    batch did their work."""
    ImportBatch.objects.filter(status=ImportBatchStatus.RUNNING, pk__lt=batch.pk, manifest=batch.manifest).update(
        status=ImportBatchStatus.INTERRUPTED, finished_at=timezone.now(), error=f"superseded by batch {batch.pk}"
    )


def _record_failure(batch: ImportBatch, error: BaseException) -> None:
    # A refusal of the file is kept as its problem, to be read in the reader's language; anything else as it came.
    problem = error.problem if isinstance(error, ImportRefused) else None
    try:
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=ImportBatchStatus.FAILED,
            finished_at=timezone.now(),
            error=f"{type(error).__name__}: {error}"[:4000],
            error_code=problem.code if problem else "",
            error_params=problem.params if problem else {},
        )
    except Exception:  # the database itself may be what failed; the batch then stays 'running'
        logger.exception("could not record the failure of import batch %s", batch.pk)
