"""A file an operator uploads from the imports page: kept on disk, then imported by a worker as one batch.

The batch is opened when the file arrives, so the operator can follow it at once; the worker imports it and
writes how far it has gone to a small file beside the upload (the import itself is one transaction, so nothing
it writes to the database shows until it ends). The upload and its progress are deleted once the batch ends.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from creditloan.errors import DomainError, ErrorCode
from creditloan.ingestion.problems import ImportRefused
from creditloan.ingestion.readers import codec_of, detect_format
from creditloan.ingestion.services import ImportSource, Progress, records_import
from creditloan.models import ImportBatch, ImportBatchStatus, RecordSource

UPLOAD_ORIGIN = "upload"
UPLOAD_SUFFIXES = (".csv", ".jsonl", ".ndjson", ".xlsx")
_PROGRESS = "progress.json"


def upload_most_bytes() -> int:
    """The same limit as a source system's push (SOURCE_MAX_BODY_BYTES, 200 MiB unless configured)."""
    return settings.SOURCE_MAX_BODY_BYTES


def upload_directory(batch_id: int) -> Path:
    root = Path(settings.MEDIA_ROOT) if settings.MEDIA_ROOT else Path(tempfile.gettempdir())
    return root / "import-uploads" / str(batch_id)


@transaction.atomic
def import_upload_open(*, source: str, upload, encoding: str | None, started_by) -> ImportBatch:
    """Keep an uploaded file (a Django UploadedFile) and open its batch; the caller sets the import going once
    this commits. Refuses, naming the field, a source it does not know, an empty or too large file, a name that
    is not .csv, .jsonl or .xlsx, and an encoding it cannot read."""
    if source not in RecordSource.values:
        raise DomainError(ErrorCode.IMPORT_SOURCE, _("source: choose one of the listed sources"), field="source")
    name = Path(upload.name or "").name[:255]
    if Path(name).suffix.lower() not in UPLOAD_SUFFIXES:
        raise DomainError(
            ErrorCode.IMPORT_FORMAT,
            _("file: “%(name)s” is not a .csv, .jsonl or .xlsx file") % {"name": name},
            field="file",
        )
    if not upload.size:
        raise DomainError(ErrorCode.INVALID_INPUT, _("file: the file is empty"), field="file")
    if upload.size > upload_most_bytes():
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            _("file: the file is %(size)s MiB; at most %(most)s MiB can be uploaded")
            % {"size": round(upload.size / 2**20, 1), "most": upload_most_bytes() // 2**20},
            field="file",
        )
    try:
        codec_of(encoding, name)
        file_format = detect_format(Path(name), None)
    except ImportRefused as refusal:
        raise DomainError(refusal.code, refusal.message, field="encoding" if encoding else "file") from None
    manifest = [{"source": source, "name": name, "bytes": upload.size, "encoding": encoding or ""}]
    batch = ImportBatch.objects.create(origin=UPLOAD_ORIGIN, started_by=started_by, manifest=manifest)
    directory = upload_directory(batch.pk)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with open(directory / f"upload.{file_format}", "wb") as kept:
            for piece in upload.chunks():
                kept.write(piece)
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    return batch


def import_upload_run(*, batch_id: int, on_landed: Callable[[ImportBatch], None] | None = None) -> ImportBatch | None:
    """Import an uploaded file into its batch. A batch that has ended already (the task delivered twice) is
    left as it is; one still running (its worker died) is imported again from the start, as nothing of it was
    applied. A file the importer refuses fails the batch with the reason, which the batch page shows."""
    batch = ImportBatch.objects.filter(pk=batch_id, origin=UPLOAD_ORIGIN).first()
    if batch is None or batch.status != ImportBatchStatus.RUNNING:
        return batch
    (entry,) = batch.manifest
    directory = upload_directory(batch.pk)
    kept = next(directory.glob("upload.*"), None)
    if kept is None:
        raise DomainError(
            ErrorCode.NOT_FOUND, _("The uploaded file of import %(number)s is gone.") % {"number": batch.pk}
        )
    source = ImportSource(
        source=entry["source"],
        path=kept,
        file_format=kept.suffix.lstrip("."),
        name=entry["name"],
        encoding=entry["encoding"] or None,
    )
    try:
        return records_import(
            files=[source],
            origin=UPLOAD_ORIGIN,
            batch=batch,
            on_progress=_progress_writer(directory),
            on_landed=on_landed,
        )
    except DomainError:
        batch.refresh_from_db()
        return batch  # failed, with its reason recorded: nothing to try again
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _progress_writer(directory: Path) -> Callable[[Progress], None]:
    def record(progress: Progress) -> None:
        staged = directory / f".{_PROGRESS}"
        staged.write_text(
            json.dumps(
                {"bytes_done": progress.bytes_done, "bytes_total": progress.bytes_total, "rows": progress.rows_done}
            )
        )
        os.replace(staged, directory / _PROGRESS)  # whole or not at all, for a page reading it meanwhile

    return record


def upload_progress(batch: ImportBatch) -> dict:
    """How far a running upload's import is: percent of the file read and rows done (0 before it starts)."""
    try:
        recorded = json.loads((upload_directory(batch.pk) / _PROGRESS).read_text())
    except (OSError, ValueError):
        recorded = {"bytes_done": 0, "bytes_total": 0, "rows": 0}
    percent = 100 * recorded["bytes_done"] // recorded["bytes_total"] if recorded["bytes_total"] else 0
    return {"status": batch.status, "percent": min(percent, 100), "rows": recorded["rows"]}
