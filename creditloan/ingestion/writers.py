"""Applying validated rows to the database: one semantics, two ways.

- PostgresWriter streams each chunk through COPY into a temporary staging table and applies it with set-based
  statements (INSERT ... ON CONFLICT), so the database does the heavy lifting in C.
- OrmWriter does the same through Django's ORM, for SQLite and as the reference the fast path is tested
  against.

Both apply the same rules: a record is keyed by (source, record id), a firm by its code; a key seen earlier in
the same file is a duplicate and rejected; a record whose firm is not registered is rejected; a row whose
values equal what is stored changes nothing (not even its provenance), so importing a file twice is a no-op.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Protocol

from django.db import connection, models

from creditloan.ingestion.formats import FieldError, Row, SourceFormat
from creditloan.models import Enterprise, ImportFile, ImportRejection

UNKNOWN_FIRM = "no enterprise with this code is registered; import its registry row first, or in the same batch"


@dataclass
class Rejection:
    row_number: int
    errors: list[FieldError]
    raw: dict[str, str | None]

    @property
    def field(self) -> str:
        return self.errors[0][0]

    @property
    def reason(self) -> str:
        return self.errors[0][1]


@dataclass
class Chunk:
    rows: list[tuple[int, Row]] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    bytes_read: int = 0

    def __len__(self) -> int:
        return len(self.rows) + len(self.rejections)


@dataclass
class ChunkResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0


def duplicate_reason(first_row: int) -> str:
    return f"appears again in this file; the first occurrence, row {first_row}, was applied"


def key_fields(fmt: SourceFormat) -> tuple[str, ...]:
    return ("uscc",) if fmt.is_registry else ("source", "source_record_id")


def data_fields(fmt: SourceFormat) -> list[str]:
    """The model fields a row sets, besides the key and the firm it is about."""
    keys = key_fields(fmt)
    return [column.model_field for column in fmt.columns if column.model_field not in keys and column.name != "uscc"]


def save_rejections(import_file: ImportFile, rejections: list[Rejection]) -> None:
    ImportRejection.objects.bulk_create(
        [
            ImportRejection(
                file=import_file,
                row_number=rejection.row_number,
                field=rejection.field,
                reason=rejection.reason,
                errors=[{"field": name, "reason": reason} for name, reason in rejection.errors],
                raw=rejection.raw,
            )
            for rejection in rejections
        ],
        batch_size=2000,
    )


class Writer(Protocol):
    def apply(self, chunk: Chunk) -> ChunkResult:
        """Apply the chunk's valid rows; its already-rejected rows are the caller's to keep."""

    def close(self) -> None: ...


class OrmWriter:
    """The portable path: per chunk, read what exists, then bulk-create and bulk-update the difference."""

    def __init__(self, fmt: SourceFormat, import_file: ImportFile, now: dt.datetime) -> None:
        self.fmt = fmt
        self.model = fmt.model
        self.import_file = import_file
        self.now = now
        self.keys = key_fields(fmt)
        self.fields = data_fields(fmt)
        self.model_fields = {name: self.model._meta.get_field(name) for name in self.fields}
        # Every key this file has carried so far, with the row that carried it first.
        self.first_row_of: dict[tuple, int] = {}

    def close(self) -> None:
        self.first_row_of.clear()

    def apply(self, chunk: Chunk) -> ChunkResult:
        result = ChunkResult()
        rejections: list[Rejection] = []
        fresh: list[tuple[int, Row]] = []
        for row_number, values in chunk.rows:
            key = tuple(values[name] for name in self.keys)
            first = self.first_row_of.setdefault(key, row_number)
            if first != row_number:
                rejections.append(
                    Rejection(row_number, [(self._key_column(), duplicate_reason(first))], self.fmt.masked(values))
                )
            else:
                fresh.append((row_number, values))

        firm_ids = {}
        if not self.fmt.is_registry:
            usccs = {values["uscc"] for _, values in fresh}
            firm_ids = dict(Enterprise.objects.filter(uscc__in=usccs).values_list("uscc", "id"))
        existing = self._existing({tuple(values[name] for name in self.keys) for _, values in fresh})

        to_create, to_update = [], []
        for row_number, values in fresh:
            if not self.fmt.is_registry and values["uscc"] not in firm_ids:
                rejections.append(Rejection(row_number, [("uscc", UNKNOWN_FIRM)], values))
                continue
            typed = {name: field.to_python(values[name]) for name, field in self.model_fields.items()}
            if not self.fmt.is_registry:
                typed["enterprise_id"] = firm_ids[values["uscc"]]
            stored = existing.get(tuple(values[name] for name in self.keys))
            if stored is None:
                keys = {name: values[name] for name in self.keys}
                to_create.append(
                    self.model(
                        **keys,
                        **typed,
                        import_file=self.import_file,
                        source_row=row_number,
                        ingested_at=self.now,
                        updated_at=self.now,
                    )
                )
            elif any(getattr(stored, name) != value for name, value in typed.items()):
                for name, value in typed.items():
                    setattr(stored, name, value)
                stored.import_file = self.import_file
                stored.source_row = row_number
                stored.updated_at = self.now
                to_update.append(stored)
            else:
                result.unchanged += 1
        self.model.objects.bulk_create(to_create, batch_size=1000)
        changed = [*typed_field_names(self.fields, self.fmt), "import_file", "source_row", "updated_at"]
        self.model.objects.bulk_update(to_update, changed, batch_size=1000)
        save_rejections(self.import_file, rejections)
        result.created, result.updated, result.rejected = len(to_create), len(to_update), len(rejections)
        return result

    def _key_column(self) -> str:
        return "uscc" if self.fmt.is_registry else "record_id"

    def _existing(self, keys: set[tuple]) -> dict[tuple, models.Model]:
        if not keys:
            return {}
        if self.fmt.is_registry:
            found = self.model.objects.filter(uscc__in=[key[0] for key in keys])
        else:
            found = self.model.objects.filter(source_record_id__in=[key[1] for key in keys])
        by_key = {tuple(getattr(obj, name) for name in self.keys): obj for obj in found}
        return {key: obj for key, obj in by_key.items() if key in keys}


def typed_field_names(fields: list[str], fmt: SourceFormat) -> list[str]:
    return fields if fmt.is_registry else [*fields, "enterprise"]


# COPY's text format: backslash, tab and line breaks inside a value must be escaped.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_COPY_BUFFER = 1 << 20


class PostgresWriter:
    """The fast path: COPY each chunk into a staging table, then a handful of set-based statements."""

    def __init__(self, fmt: SourceFormat, import_file: ImportFile, now: dt.datetime) -> None:
        self.fmt = fmt
        self.import_file = import_file
        self.now = now
        self.model = fmt.model
        self.table = self.model._meta.db_table
        self.keys = key_fields(fmt)
        self.fields = data_fields(fmt)
        self.stage = f"import_stage_{fmt.source.value}"
        self.seen = f"import_seen_{fmt.source.value}"
        # Stage columns in the order COPY receives them: the row number, then every column of the format.
        self.stage_columns = ["row_number", *[column.model_field for column in fmt.columns]]
        self._create_tables()

    def _column_type(self, name: str) -> str:
        if name == "uscc" and not self.fmt.is_registry:
            return "varchar(18)"
        return self.model._meta.get_field(name).db_type(connection)

    def _create_tables(self) -> None:
        stage_defs = ", ".join(
            ["row_number integer"] + [f"{name} {self._column_type(name)}" for name in self.stage_columns[1:]]
        )
        key_defs = ", ".join(f"{name} {self._column_type(name)}" for name in self.keys)
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.stage}, {self.seen}")
            cursor.execute(f"CREATE TEMPORARY TABLE {self.stage} ({stage_defs})")
            cursor.execute(
                f"CREATE TEMPORARY TABLE {self.seen} ({key_defs}, row_number integer, "
                f"PRIMARY KEY ({', '.join(self.keys)}))"
            )

    def close(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.stage}, {self.seen}")

    def apply(self, chunk: Chunk) -> ChunkResult:
        result = ChunkResult()
        rejections: list[Rejection] = []
        by_row = dict(chunk.rows)
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {self.stage}")
            self._copy(cursor, chunk.rows)
            # A temporary table has no statistics until analysed; without them the planner hash-joins the
            # whole firm table for every chunk instead of probing its index.
            cursor.execute(f"ANALYZE {self.stage}")
            keys = ", ".join(self.keys)
            cursor.execute(
                f"INSERT INTO {self.seen} ({keys}, row_number) SELECT {keys}, row_number FROM {self.stage} "
                "ON CONFLICT DO NOTHING RETURNING row_number"
            )
            first_seen = {row for (row,) in cursor.fetchall()}
            repeated = [row for row in by_row if row not in first_seen]
            if repeated:
                join_seen = " AND ".join(f"seen.{name} = s.{name}" for name in self.keys)
                cursor.execute(
                    f"SELECT s.row_number, seen.row_number FROM {self.stage} s JOIN {self.seen} seen ON {join_seen} "
                    "WHERE s.row_number = ANY(%s)",
                    [repeated],
                )
                key_column = "uscc" if self.fmt.is_registry else "record_id"
                for row, first in cursor.fetchall():
                    rejections.append(
                        Rejection(row, [(key_column, duplicate_reason(first))], self.fmt.masked(by_row[row]))
                    )
            if not self.fmt.is_registry:
                cursor.execute(
                    f"SELECT s.row_number FROM {self.stage} s "
                    "WHERE NOT EXISTS (SELECT 1 FROM creditloan_enterprise e WHERE e.uscc = s.uscc)"
                )
                for (row,) in cursor.fetchall():
                    if row in first_seen:
                        rejections.append(Rejection(row, [("uscc", UNKNOWN_FIRM)], by_row[row]))
            if repeated:
                cursor.execute(f"DELETE FROM {self.stage} WHERE row_number = ANY(%s)", [repeated])
            if self.fmt.is_registry:
                created, updated = self._upsert(cursor, f"FROM {self.stage} s", firm="")
            else:
                created, updated = self._upsert(
                    cursor, f"FROM {self.stage} s JOIN creditloan_enterprise e ON e.uscc = s.uscc", firm="e.id"
                )
        save_rejections(self.import_file, rejections)
        result.created, result.updated, result.rejected = created, updated, len(rejections)
        result.unchanged = len(chunk.rows) - created - updated - result.rejected
        return result

    def _copy(self, cursor, rows: list[tuple[int, Row]]) -> None:
        names = self.stage_columns[1:]
        free_text = {column.model_field for column in self.fmt.columns if column.free_text}
        escapes = _COPY_ESCAPES
        parts: list[str] = []
        size = 0
        with cursor.copy(f"COPY {self.stage} ({', '.join(self.stage_columns)}) FROM STDIN") as copy:
            for row_number, values in rows:
                cells = [str(row_number)]
                for name in names:
                    value = values[name]
                    if value is None:
                        cells.append("\\N")
                    elif name in free_text:
                        cells.append(value.translate(escapes))
                    else:
                        cells.append(value)
                line = "\t".join(cells)
                parts.append(line)
                size += len(line)
                if size > _COPY_BUFFER:
                    copy.write("\n".join(parts) + "\n")
                    parts, size = [], 0
            if parts:
                copy.write("\n".join(parts) + "\n")

    def _upsert(self, cursor, rows_sql: str, *, firm: str) -> tuple[int, int]:
        columns = [*self.keys, *self.fields]
        selected = [f"s.{name}" for name in columns]
        if firm:
            columns.append("enterprise_id")
            selected.append(firm)
        compared = [name for name in columns if name not in self.keys]
        assignments = ", ".join(
            f"{name} = EXCLUDED.{name}" for name in [*compared, "import_file_id", "source_row", "updated_at"]
        )
        target = ", ".join(f"t.{name}" for name in compared)
        proposed = ", ".join(f"EXCLUDED.{name}" for name in compared)
        cursor.execute(
            f"""
            WITH upserted AS (
                INSERT INTO {self.table} AS t
                    ({", ".join(columns)}, import_file_id, source_row, ingested_at, updated_at)
                SELECT {", ".join(selected)}, %s, s.row_number, %s, %s
                {rows_sql}
                ON CONFLICT ({", ".join(self.keys)}) DO UPDATE SET {assignments}
                WHERE ({target}) IS DISTINCT FROM ({proposed})
                RETURNING (xmax = 0) AS created
            )
            SELECT count(*) FILTER (WHERE created), count(*) FILTER (WHERE NOT created) FROM upserted
            """,
            [self.import_file.pk, self.now, self.now],
        )
        created, updated = cursor.fetchone()
        return created, updated


def writer_for(fmt: SourceFormat, import_file: ImportFile, now: dt.datetime, *, fast: bool | None = None) -> Writer:
    """The COPY path on PostgreSQL unless told otherwise; the ORM path everywhere else."""
    use_copy = connection.vendor == "postgresql" if fast is None else fast
    return (PostgresWriter if use_copy else OrmWriter)(fmt, import_file, now)
