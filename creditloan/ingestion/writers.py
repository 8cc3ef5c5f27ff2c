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

import numpy as np
import pandas as pd
from django.db import connection, models

from creditloan.ingestion.formats import FieldError, Row, SourceFormat
from creditloan.ingestion.problems import Problem, in_english
from creditloan.models import Enterprise, ImportFile, ImportRejection

UNKNOWN_FIRM = Problem("unknown_firm")


@dataclass
class Rejection:
    row_number: int
    errors: list[FieldError]
    raw: dict[str, str | None]

    @property
    def field(self) -> str:
        return self.errors[0][0]

    @property
    def problem(self) -> Problem:
        return self.errors[0][1]

    @property
    def reason(self) -> str:
        return in_english(self.problem)


@dataclass
class Chunk:
    """A run of rows from one file: the valid ones as a frame (row_number + model fields), the rest rejected."""

    frame: pd.DataFrame
    rejections: list[Rejection] = field(default_factory=list)
    bytes_read: int = 0

    def __len__(self) -> int:
        return len(self.frame) + len(self.rejections)

    @property
    def rows(self) -> list[tuple[int, Row]]:
        """The valid rows one by one, for code that works row by row (the ORM path)."""
        records = self.frame.to_dict("records")
        return [(int(record.pop("row_number")), record) for record in records]


@dataclass
class ChunkResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0


def duplicate_reason(first_row: int) -> Problem:
    return Problem("duplicate", {"first_row": first_row})


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
                # In English, as rows imported before codes were read; `code` and `params` are what is shown.
                reason=rejection.reason,
                code=rejection.problem.code,
                params=rejection.problem.params,
                errors=[
                    {"field": name, "reason": in_english(problem), **problem.as_json()}
                    for name, problem in rejection.errors
                ],
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


_COPY_BUFFER = 1 << 20
# The statements below are built with f-strings from the models' own table and column names, never from
# input; every value goes as a parameter. That is why bandit's B608 is marked nosec where it stands.

# A list of row numbers as a relation to join: `row_number = ANY(array)` would compare every staged row with
# every element of the array.
_ROWS = "unnest(%s::integer[]) AS wanted(row_number)"
# COPY's text format: backslash, tab and line breaks inside a value must be escaped.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_escape(value: str) -> str:
    return value.translate(_COPY_ESCAPES)


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
        self._free_text = {column.model_field for column in fmt.columns if column.free_text}
        self._create_tables()

    def _column_type(self, name: str) -> str:
        if name == "uscc" and not self.fmt.is_registry:
            return "varchar(18)"
        return self.model._meta.get_field(name).db_type(connection)

    def _create_tables(self) -> None:
        stage_defs = ", ".join(
            ["row_number integer"] + [f"{name} {self._column_type(name)}" for name in self.stage_columns[1:]]
        )
        # Same types and collation as the target's keys, so joins and lookups on them can use the index.
        key_defs = ", ".join(f"{name} {self._column_type(name)}" for name in self.keys)
        with connection.cursor() as cursor:
            # Check foreign keys as each statement ends rather than at commit: a batch of millions of rows
            # would otherwise queue millions of pending checks in the server's memory.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            if not self.fmt.is_registry:
                # Firms registered moments ago (a registry file earlier in the batch) are not in the planner's
                # statistics yet; without them it misjudges the join from staged rows to their firms.
                cursor.execute("ANALYZE creditloan_enterprise")
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
        frame = chunk.frame
        rejections: list[Rejection] = []
        key_column = "uscc" if self.fmt.is_registry else "record_id"

        # A key repeated within the chunk: the first occurrence stands, the others are rejected here, before
        # the database sees them (one INSERT ... ON CONFLICT may not touch a row twice).
        repeated = frame.duplicated(subset=list(self.keys), keep="first").to_numpy()
        if repeated.any():
            first_rows = frame.groupby(list(self.keys), sort=False)["row_number"].transform("first").to_numpy()
            for index in np.flatnonzero(repeated):
                row = int(frame["row_number"].iat[index])
                rejections.append(self._duplicate(row, int(first_rows[index]), frame.iloc[index], key_column))
            frame = frame[~repeated]

        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {self.stage}")
            self._copy(cursor, frame)
            source = f"FROM {self.stage} s"
            if not self.fmt.is_registry:
                source += " JOIN creditloan_enterprise e ON e.uscc = s.uscc"
            applied = self._upsert(cursor, source, firm="" if self.fmt.is_registry else "e.id")
            created = sum(applied.values())
            updated = len(applied) - created
            unapplied = [int(row) for row in frame["row_number"] if int(row) not in applied]
            unchanged = []
            by_row = None
            for row, reason_field, reason in self._why_not_applied(cursor, unapplied) if unapplied else ():
                if reason is None:
                    unchanged.append(row)
                    continue
                if by_row is None:
                    by_row = frame.set_index("row_number")
                rejections.append(Rejection(row, [(reason_field, reason)], self._raw(by_row.loc[row])))
            if unchanged:
                # Remember keys this file left as they were, so that a later repeat is still a duplicate.
                keys = ", ".join(self.keys)
                cursor.execute(
                    f"INSERT INTO {self.seen} ({keys}, row_number) SELECT {keys}, row_number FROM {self.stage} "  # nosec B608
                    f"JOIN {_ROWS} USING (row_number)",
                    [unchanged],
                )
        save_rejections(self.import_file, rejections)
        return ChunkResult(created=created, updated=updated, unchanged=len(unchanged), rejected=len(rejections))

    def _raw(self, values: pd.Series) -> Row:
        cells = {name: (None if pd.isna(value) else str(value)) for name, value in values.items()}
        cells.pop("row_number", None)
        return self.fmt.masked(cells)

    def _duplicate(self, row: int, first: int, values: pd.Series, key_column: str) -> Rejection:
        return Rejection(row, [(key_column, duplicate_reason(first))], self._raw(values))

    def _why_not_applied(self, cursor, rows: list[int]) -> list[tuple[int, str, str | None]]:
        """For staged rows the upsert left alone: a repeat of a key this file already carried, a record for an
        unregistered firm, or (reason None) a row equal to what is stored."""
        on_key = " AND ".join(f"t.{name} = s.{name}" for name in self.keys)
        on_seen = " AND ".join(f"seen.{name} = s.{name}" for name in self.keys)
        firm = (
            "TRUE" if self.fmt.is_registry else "EXISTS (SELECT 1 FROM creditloan_enterprise e WHERE e.uscc = s.uscc)"
        )
        if len(rows) > 1000:
            # Many rows to look up (a re-import): with statistics on the staged rows the planner probes the
            # indexes; without them it scans the whole target table for every chunk.
            cursor.execute(f"ANALYZE {self.stage}")
        cursor.execute(
            f"""
            SELECT s.row_number, {firm}, t.import_file_id, t.source_row, seen.row_number
            FROM {self.stage} s
            JOIN {_ROWS} USING (row_number)
            LEFT JOIN {self.table} t ON {on_key}
            LEFT JOIN {self.seen} seen ON {on_seen}
            """,  # nosec B608
            [rows],
        )
        key_column = "uscc" if self.fmt.is_registry else "record_id"
        verdicts = []
        for row, registered, file_id, source_row, seen_row in cursor.fetchall():
            if not registered:
                verdicts.append((row, "uscc", UNKNOWN_FIRM))
            elif file_id == self.import_file.pk and source_row != row:
                verdicts.append((row, key_column, duplicate_reason(source_row)))
            elif seen_row is not None:
                verdicts.append((row, key_column, duplicate_reason(seen_row)))
            else:
                verdicts.append((row, key_column, None))
        return verdicts

    def _copy(self, cursor, frame: pd.DataFrame) -> None:
        """COPY in text form, built column-wise: values are already canonical, so only NULLs and the escapes of
        free text need work, and joining rows happens in C (map over str.join)."""
        columns = [frame["row_number"].astype(str).to_numpy(dtype=object)]
        for name in self.stage_columns[1:]:
            values = frame[name].to_numpy(dtype=object)
            missing = pd.isna(values)
            if name in self._free_text:
                values = np.fromiter(map(_copy_escape, np.where(missing, "", values)), dtype=object, count=len(values))
            columns.append(np.where(missing, "\\N", values))
        data = "\n".join(map("\t".join, zip(*columns))) + "\n" if len(frame) else ""
        with cursor.copy(f"COPY {self.stage} ({', '.join(self.stage_columns)}) FROM STDIN") as copy:
            for start in range(0, len(data), _COPY_BUFFER):
                copy.write(data[start : start + _COPY_BUFFER])

    def _upsert(self, cursor, rows_sql: str, *, firm: str) -> dict[int, bool]:
        """Insert new keys and update changed ones; returns {row number: created} for the rows applied.

        A row is left alone when its values equal what is stored, when this file already wrote its key (a
        repeat), or when this file already found its key unchanged (a repeat too, remembered in `seen`)."""
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
        on_seen = " AND ".join(f"seen.{name} = EXCLUDED.{name}" for name in self.keys)
        cursor.execute(
            f"""
            INSERT INTO {self.table} AS t
                ({", ".join(columns)}, import_file_id, source_row, ingested_at, updated_at)
            SELECT {", ".join(selected)}, %s, s.row_number, %s, %s
            {rows_sql}
            ON CONFLICT ({", ".join(self.keys)}) DO UPDATE SET {assignments}
            WHERE t.import_file_id IS DISTINCT FROM EXCLUDED.import_file_id
              AND ({target}) IS DISTINCT FROM ({proposed})
              AND NOT EXISTS (SELECT 1 FROM {self.seen} seen WHERE {on_seen})
            RETURNING source_row, (xmax = 0)
            """,  # nosec B608
            [self.import_file.pk, self.now, self.now],
        )
        return dict(cursor.fetchall())


def writer_for(fmt: SourceFormat, import_file: ImportFile, now: dt.datetime, *, fast: bool | None = None) -> Writer:
    """The COPY path on PostgreSQL unless told otherwise; the ORM path everywhere else."""
    use_copy = connection.vendor == "postgresql" if fast is None else fast
    return (PostgresWriter if use_copy else OrmWriter)(fmt, import_file, now)
