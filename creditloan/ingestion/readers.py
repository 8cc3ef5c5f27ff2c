"""Streaming readers: a file is read row by row, never whole, so memory does not grow with its size."""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from creditloan.errors import DomainError, ErrorCode

FORMATS = ("csv", "jsonl")
# The csv module refuses a cell over 128 KiB, and with it the rest of the file. Cells up to this size are read,
# so a too-long one is refused by its column (every text column has a bound far below it) and only its row goes.
CSV_CELL_MOST_BYTES = 16 * 1024 * 1024
csv.field_size_limit(CSV_CELL_MOST_BYTES)


@dataclass
class Batch:
    row_numbers: list[int] = field(default_factory=list)
    columns: list[Sequence[str | None]] = field(default_factory=list)
    unreadable: list[tuple[int, str]] = field(default_factory=list)

    def with_columns(self, rows: list[list[str | None]], width: int) -> Batch:
        self.columns = list(zip(*rows)) if rows else [()] * width
        return self


class CountingReader(io.RawIOBase):
    """Counts and hashes the bytes that pass, for the progress bar and the batch's record of the file."""

    def __init__(self, raw: io.BufferedIOBase) -> None:
        self._raw = raw
        self.bytes_read = 0
        self.sha256 = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._raw.read(len(buffer))
        size = len(data)
        buffer[:size] = data
        self.bytes_read += size
        self.sha256.update(data)
        return size

    def close(self) -> None:
        self._raw.close()
        super().close()


def detect_format(path: Path, file_format: str | None) -> str:
    if file_format:
        if file_format not in FORMATS:
            raise DomainError(ErrorCode.IMPORT_FORMAT, f"{path.name}: format must be csv or jsonl, got {file_format}")
        return file_format
    suffix = path.suffix.lower().lstrip(".")
    if suffix in ("jsonl", "ndjson"):
        return "jsonl"
    if suffix == "csv":
        return "csv"
    raise DomainError(ErrorCode.IMPORT_FORMAT, f"{path.name}: cannot tell the format from the name; use .csv or .jsonl")


class RowReader:
    """Reads a CSV or JSON Lines file in runs of rows (see `batches`), in the format's column order.

    Row numbers are the file's own line numbers (a CSV header is line 1), so a person can find the row in an
    editor. A row that cannot be read as a row at all comes with a reason instead of cells.
    """

    def __init__(
        self,
        path: Path,
        file_format: str,
        columns: tuple[str, ...],
        *,
        required: tuple[str, ...] = (),
        name: str | None = None,
    ) -> None:
        self.path = path
        self.required = required
        self.name = name or path.name
        self.file_format = file_format
        self.columns = columns
        self._counter = CountingReader(open(path, "rb"))  # noqa: SIM115 (closed by close())
        self._text = io.TextIOWrapper(io.BufferedReader(self._counter, 1 << 20), encoding="utf-8-sig", newline="")
        self.size = path.stat().st_size

    @property
    def bytes_read(self) -> int:
        return self._counter.bytes_read

    @property
    def sha256(self) -> str:
        return self._counter.sha256.hexdigest()

    def close(self) -> None:
        self._text.close()

    def batches(self, size: int) -> Iterator[Batch]:
        """Rows in runs of up to `size`, column by column in the format's order, with the rows that could not be
        read as rows. Taking a run at once keeps per-row Python work to a minimum on large files."""
        with self._read_errors():
            if self.file_format == "csv":
                yield from self._csv_batches(size)
                return
            batch = Batch()
            rows: list[list[str | None]] = []
            for line, cells, problem in self._jsonl_rows():
                if cells is None:
                    batch.unreadable.append((line, problem))
                else:
                    batch.row_numbers.append(line)
                    rows.append(cells)
                if len(rows) + len(batch.unreadable) >= size:
                    yield batch.with_columns(rows, len(self.columns))
                    batch, rows = Batch(), []
            if rows or batch.unreadable:
                yield batch.with_columns(rows, len(self.columns))

    def _csv_batches(self, size: int) -> Iterator[Batch]:
        reader = csv.reader(self._text)
        header = next(reader, None)
        if header is None:
            raise DomainError(ErrorCode.IMPORT_FORMAT, f"{self.name}: the file is empty; it needs a header row")
        header = [name.strip() for name in header]
        self._check_header(header)
        position = {name: index for index, name in enumerate(header)}
        indexes = [position.get(column) for column in self.columns]
        width = len(header)
        while True:
            batch = Batch()
            rows: list[list[str]] = []
            numbers, append_row, append_number = batch.row_numbers, rows.append, batch.row_numbers.append
            # A row is numbered by the line it starts on (a quoted field may run over several lines).
            last_line = reader.line_num
            for cells in itertools.islice(reader, size):
                append_number(last_line + 1)
                append_row(cells)
                last_line = reader.line_num
            if not rows:
                return
            if any(len(cells) != width for cells in rows):
                kept = [(line, cells) for line, cells in zip(numbers, rows) if len(cells) == width]
                batch.unreadable = [
                    (line, f"has {len(cells)} fields, the header has {width}")
                    for line, cells in zip(numbers, rows)
                    if cells and len(cells) != width  # a blank line carries nothing
                ]
                batch.row_numbers = [line for line, _ in kept]
                rows = [cells for _, cells in kept]
            by_header = list(zip(*rows)) if rows else [()] * width
            absent = (None,) * len(rows)
            batch.columns = [absent if index is None else by_header[index] for index in indexes]
            yield batch

    @contextmanager
    def _read_errors(self):
        try:
            yield
        except UnicodeDecodeError as error:
            raise DomainError(
                ErrorCode.IMPORT_FORMAT, f"{self.name}: not UTF-8 text near byte {self.bytes_read}: {error.reason}"
            ) from None
        except csv.Error as error:
            raise DomainError(ErrorCode.IMPORT_FORMAT, f"{self.name}: not readable as CSV: {error}") from None

    def _jsonl_rows(self):
        known = set(self.columns)
        for line_number, line in enumerate(self._text, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as error:
                yield line_number, None, f"is not valid JSON: {error.msg} at column {error.colno}"
                continue
            except RecursionError:
                yield line_number, None, "nests arrays and objects too deep to read"
                continue
            if not isinstance(obj, dict):
                yield line_number, None, "is not a JSON object"
                continue
            unknown = sorted(set(obj) - known)
            if unknown:
                yield line_number, None, f"has fields this format does not know: {', '.join(unknown)}"
                continue
            yield line_number, [_cell(obj.get(column)) for column in self.columns], ""

    def _check_header(self, header: list[str]) -> None:
        unknown = [name for name in header if name not in self.columns]
        duplicated = sorted({name for name in header if header.count(name) > 1})
        missing = [name for name in self.required if name not in header]
        problems = []
        if missing:
            problems.append(f"missing required columns {', '.join(missing)}")
        if unknown:
            problems.append(f"unknown columns {', '.join(unknown)}")
        if duplicated:
            problems.append(f"repeated columns {', '.join(duplicated)}")
        if problems:
            raise DomainError(
                ErrorCode.IMPORT_FORMAT,
                f"{self.name}: {'; '.join(problems)} (the format's columns are {', '.join(self.columns)})",
            )


def _cell(value) -> str | None:
    """JSON values become the text a CSV cell would hold, so both formats share one validation."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value) if isinstance(value, float) else str(value)
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)
