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
import io
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from django.db import connection, models, transaction
from psycopg.errors import ForeignKeyViolation, UniqueViolation

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
    """A run of rows from one file: the valid ones as an Arrow table (row_number + model fields, as text), the
    rest rejected."""

    table: pa.Table
    rejections: list[Rejection] = field(default_factory=list)
    bytes_read: int = 0

    def __len__(self) -> int:
        return self.table.num_rows + len(self.rejections)

    @property
    def rows(self) -> list[tuple[int, Row]]:
        """The valid rows one by one, for code that works row by row (the ORM path)."""
        return [(int(record.pop("row_number")), record) for record in self.table.to_pylist()]


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


# The statements below are built with f-strings from the models' own table and column names, never from
# input; every value goes as a parameter. That is why bandit's B608 is marked nosec where it stands.

# A list of row numbers as a relation to join: `row_number = ANY(array)` would compare every staged row with
# every element of the array.
_ROWS = "unnest(%s::integer[]) AS wanted(row_number)"
# Rows go to COPY as CSV written by Arrow in compiled code: every text value quoted (so an empty text stays
# empty, and line breaks, tabs and backslashes in free text need no escaping), a missing one as nothing (NULL).
# A chunk this large or larger may go straight into the table (PostgresWriter._copy_new_rows); a smaller one
# takes the staged upsert, so a file of a few rows does not read the whole registry to find its firms.
COPY_NEW_ROWS_FROM = 10_000
_COPY_CSV = pacsv.WriteOptions(include_header=False, quoting_style="needed", batch_size=8192)


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
        # New rows go straight into the table by COPY, as the floor under any importer does, until a chunk
        # carries a key already stored; from then on every chunk takes the staged upsert.
        self._new_rows_straight_in = True
        self._firms: tuple[np.ndarray, np.ndarray] | None = None
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
                # statistics yet; without them it misjudges the join from staged rows to their firms. The join's
                # column is all it needs (with the table's size, which any ANALYZE refreshes): a fraction of the
                # time of all eleven columns.
                cursor.execute("ANALYZE creditloan_enterprise (uscc)")
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
        table = chunk.table
        rejections: list[Rejection] = []
        key_column = "uscc" if self.fmt.is_registry else "record_id"

        # A key repeated within the chunk: the first occurrence stands, the others are rejected here, before
        # the database sees them (one INSERT ... ON CONFLICT may not touch a row twice).
        keys = (
            table[self.keys[0]] if len(self.keys) == 1 else pc.binary_join_element_wise(*self._key_texts(table), "\x00")
        )
        if pc.count_distinct(keys, mode="all").as_py() < table.num_rows:
            frame = table.select(["row_number", *self.keys]).to_pandas()
            repeated = frame.duplicated(subset=list(self.keys), keep="first").to_numpy()
            first_rows = frame.groupby(list(self.keys), sort=False, dropna=False)["row_number"].transform("first")
            for index in np.flatnonzero(repeated):
                row = int(frame["row_number"].iat[index])
                rejections.append(self._duplicate(row, int(first_rows.iat[index]), table, index, key_column))
            table = table.filter(pa.array(~repeated))

        if self._new_rows_straight_in and table.num_rows >= COPY_NEW_ROWS_FROM:
            copied = self._copy_new_rows(table)
            if copied is not None:
                created, unknown_firms = copied
                rejections += unknown_firms
                save_rejections(self.import_file, rejections)
                return ChunkResult(created=created, rejected=len(rejections))
            # A key already stored (by an earlier import, or by an earlier chunk of this file): this chunk and the
            # rest of the file take the staged upsert, which updates, leaves alone or rejects such rows.
            self._new_rows_straight_in = False

        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {self.stage}")
            self._copy(cursor, table)
            source = f"FROM {self.stage} s"
            if not self.fmt.is_registry:
                # Each staged row's firm by one probe of the registry's index on its code: a join hashes the whole
                # registry again for every chunk, which grows with the registry (at 500,000 firms it cost more than
                # the probes). OFFSET 0 keeps the planner from flattening the subquery and probing twice.
                source = (
                    "FROM (SELECT s.*, (SELECT e.id FROM creditloan_enterprise e WHERE e.uscc = s.uscc) AS firm_id "  # nosec B608 - the stage table is named by the writer
                    f"FROM {self.stage} s OFFSET 0) s WHERE s.firm_id IS NOT NULL"
                )
            created, updated, unapplied = self._upsert(cursor, source, firm="" if self.fmt.is_registry else "s.firm_id")
            unchanged = []
            row_numbers = None
            for row, reason_field, reason in self._why_not_applied(cursor, unapplied) if unapplied else ():
                if reason is None:
                    unchanged.append(row)
                    continue
                if row_numbers is None:
                    row_numbers = table["row_number"].to_numpy()
                index = int(np.searchsorted(row_numbers, row))  # the table is in file order
                rejections.append(Rejection(row, [(reason_field, reason)], self._raw(table, index)))
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

    def _copy_new_rows(self, table: pa.Table) -> tuple[int, list[Rejection]] | None:
        """COPY the chunk's rows straight into the table, as the upsert would insert them (the firm's id looked up
        here): how many went in and the rows rejected for an unknown firm; None, with nothing written, when a
        row's key is already stored (the unique index refuses the COPY and the savepoint undoes it)."""
        unknown_firms: list[Rejection] = []
        columns = {name: table[name] for name in [*self.keys, *self.fields]}
        if not self.fmt.is_registry:
            firm_ids = self._firm_ids(table["uscc"])
            known = firm_ids >= 0
            for index in np.flatnonzero(~known):
                row = int(table["row_number"][int(index)].as_py())
                unknown_firms.append(Rejection(row, [("uscc", UNKNOWN_FIRM)], self._raw(table, int(index))))
            if not known.all():
                mask = pa.array(known)
                columns = {name: values.filter(mask) for name, values in columns.items()}
                table = table.filter(mask)
                firm_ids = firm_ids[known]
            columns["enterprise_id"] = pa.array(firm_ids)
        count = table.num_rows
        stamp = pa.array([self.now.isoformat()] * count, type=pa.string()) if count else pa.array([], pa.string())
        columns |= {
            "import_file_id": pa.array(np.full(count, self.import_file.pk, dtype=np.int64)),
            "source_row": table["row_number"],
            "ingested_at": stamp,
            "updated_at": stamp,
        }
        rows = io.BytesIO()
        pacsv.write_csv(pa.table(columns), rows, _COPY_CSV)
        savepoint = transaction.savepoint()
        try:
            with (
                connection.cursor() as cursor,
                cursor.copy(f"COPY {self.table} ({', '.join(columns)}) FROM STDIN (FORMAT csv)") as copy,
            ):
                copy.write(rows.getbuffer())
        except (UniqueViolation, ForeignKeyViolation):
            transaction.savepoint_rollback(savepoint)
            return None
        transaction.savepoint_commit(savepoint)
        return count, unknown_firms

    def _firm_ids(self, codes: pa.ChunkedArray) -> np.ndarray:
        """Each code's firm id, -1 where no firm has it: a binary search in the registry's codes, read once per
        file (1,000,000 firms: about 26 MB) rather than a probe of its index per row in the server."""
        if self._firms is None:
            self._firms = _registry(connection)
        registered, ids = self._firms
        wanted = _fixed_codes(codes)
        if not len(registered):
            return np.full(len(wanted), -1, dtype=np.int64)
        at = np.minimum(np.searchsorted(registered, wanted), len(registered) - 1)
        return np.where(registered[at] == wanted, ids[at], -1)

    def _key_texts(self, table: pa.Table) -> list[pa.ChunkedArray]:
        # `source` may be missing only where the format gives it a default, which validation has filled in.
        return [table[name] for name in self.keys]

    def _raw(self, table: pa.Table, index: int) -> Row:
        cells = {name: table[name][index].as_py() for name in table.column_names if name != "row_number"}
        return self.fmt.masked(cells)

    def _duplicate(self, row: int, first: int, table: pa.Table, index: int, key_column: str) -> Rejection:
        return Rejection(row, [(key_column, duplicate_reason(first))], self._raw(table, index))

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

    def _copy(self, cursor, table: pa.Table) -> None:
        """COPY as CSV, written by Arrow: values are already canonical text, so nothing is done per row here."""
        if not table.num_rows:
            return
        data = io.BytesIO()
        pacsv.write_csv(table.select(self.stage_columns), data, _COPY_CSV)
        with cursor.copy(f"COPY {self.stage} ({', '.join(self.stage_columns)}) FROM STDIN (FORMAT csv)") as copy:
            copy.write(data.getbuffer())

    def _upsert(self, cursor, rows_sql: str, *, firm: str) -> tuple[int, int, list[int]]:
        """Insert new keys and update changed ones; returns how many rows were created and updated, and the staged
        rows left alone, in one round trip (the counting happens in the server, not row by row here).

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
            WITH applied AS (
                INSERT INTO {self.table} AS t
                    ({", ".join(columns)}, import_file_id, source_row, ingested_at, updated_at)
                SELECT {", ".join(selected)}, %s, s.row_number, %s, %s
                {rows_sql}
                ON CONFLICT ({", ".join(self.keys)}) DO UPDATE SET {assignments}
                WHERE t.import_file_id IS DISTINCT FROM EXCLUDED.import_file_id
                  AND ({target}) IS DISTINCT FROM ({proposed})
                  AND NOT EXISTS (SELECT 1 FROM {self.seen} seen WHERE {on_seen})
                RETURNING source_row, (xmax = 0) AS created
            )
            SELECT
                (SELECT count(*) FILTER (WHERE created) FROM applied),
                (SELECT count(*) FILTER (WHERE NOT created) FROM applied),
                (SELECT coalesce(array_agg(s.row_number ORDER BY s.row_number), '{{}}')
                 FROM {self.stage} s WHERE NOT EXISTS (SELECT 1 FROM applied a WHERE a.source_row = s.row_number))
            """,  # nosec B608
            [self.import_file.pk, self.now, self.now],
        )
        created, updated, unapplied = cursor.fetchone()
        return created, updated, unapplied


def _registry(db) -> tuple[np.ndarray, np.ndarray]:
    """Every registered firm's code (as 18 bytes, sorted) and its id, in this transaction's view. Fetched as two
    aggregates in one row: COPY TO or a cursor would hand the client one row at a time."""
    with db.cursor() as cursor:
        cursor.execute("SELECT string_agg(uscc, ''), array_agg(id) FROM creditloan_enterprise")
        joined, ids = cursor.fetchone()
    if not ids:
        return np.array([], dtype="S18"), np.array([], dtype=np.int64)
    # Both aggregates read the rows in the same order; every stored code is 18 characters (a check constraint).
    codes = np.frombuffer(joined.encode("ascii"), dtype="S18")
    ids = np.array(ids, dtype=np.int64)
    order = np.argsort(codes, kind="stable")
    return codes[order], ids[order]


def _fixed_codes(codes: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Codes as a NumPy array of 18-byte strings, cut from Arrow's buffer when every one is 18 ASCII characters
    (as every valid code is; the database holds them to that form too)."""
    codes = codes.combine_chunks() if isinstance(codes, pa.ChunkedArray) else codes
    _validity, offset_buffer, data_buffer = codes.buffers()
    offsets = np.frombuffer(offset_buffer, dtype=np.int32)[codes.offset : codes.offset + len(codes) + 1]
    if codes.null_count == 0 and len(codes) and (np.diff(offsets) == 18).all():
        data = np.frombuffer(data_buffer, dtype=np.uint8)[offsets[0] : offsets[-1]]
        return data.view("S18").copy()
    return np.array([code or "" for code in codes.to_pylist()], dtype="S18")


def writer_for(fmt: SourceFormat, import_file: ImportFile, now: dt.datetime, *, fast: bool | None = None) -> Writer:
    """The COPY path on PostgreSQL unless told otherwise; the ORM path everywhere else."""
    use_copy = connection.vendor == "postgresql" if fast is None else fast
    return (PostgresWriter if use_copy else OrmWriter)(fmt, import_file, now)
