"""Streaming readers: a file is read in runs of rows, never whole, so memory does not grow with its size.

A CSV file is read by Arrow in blocks of whole lines for as long as every line holds one row, and by the csv
module from the first block that does not (plain_csv.py); JSON Lines line by line with json, workbooks with
calamine.

Text files (CSV, JSON Lines) are UTF-8, with or without a byte-order mark, or GB18030 (a superset of GBK, what
Chinese government systems export). Unless the encoding is named, it is found by reading the file once as UTF-8
in 1 MiB steps: the first byte that is not UTF-8 decides GB18030, and a file that is UTF-8 to its end is read as
UTF-8 (GBK text is almost never valid UTF-8, and pure ASCII reads the same in both). Workbooks (.xlsx) are read
with calamine, first sheet, first row the header; their cells become the text a CSV cell would hold. calamine
holds the whole sheet in memory (about 1 KB a row, bench/ingest.py --kind xlsx): the one exception to the rule
above, which is why a file of millions of rows should come as CSV.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import itertools
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import python_calamine

from creditloan.errors import ErrorCode
from creditloan.ingestion.plain_csv import NotPlain, PlainCsv, Replay
from creditloan.ingestion.problems import ImportRefused, Problem

FORMATS = ("csv", "jsonl", "xlsx")
# What a person may name, and the codec each is read with: GBK is read as GB18030, which contains it.
ENCODINGS = {"utf-8": "utf-8-sig", "utf8": "utf-8-sig", "gb18030": "gb18030", "gbk": "gb18030", "gb2312": "gb18030"}
_SNIFF_STEP = 1 << 20
# The csv module refuses a cell over 128 KiB, and with it the rest of the file. Cells up to this size are read,
# so a too-long one is refused by its column (every text column has a bound far below it) and only its row goes.
CSV_CELL_MOST_BYTES = 16 * 1024 * 1024
csv.field_size_limit(CSV_CELL_MOST_BYTES)


@dataclass
class Batch:
    row_numbers: Sequence[int] = field(default_factory=list)  # a NumPy array when read by Arrow
    columns: list[Sequence[str | None]] = field(default_factory=list)  # Arrow arrays when read by Arrow
    unreadable: list[tuple[int, Problem]] = field(default_factory=list)

    def with_columns(self, rows: list[list[str | None]], width: int) -> Batch:
        self.columns = list(zip(*rows)) if rows else [()] * width
        return self

    def rows(self) -> Iterator[tuple[int, tuple[str | None, ...]]]:
        """Each row as its line number and its cells, in Python's own types (a batch read by Arrow holds NumPy
        numbers and Arrow arrays): for a reader that takes the rows one by one."""
        columns = [column.to_pylist() if hasattr(column, "to_pylist") else list(column) for column in self.columns]
        return zip((int(number) for number in self.row_numbers), zip(*columns))


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


def detect_format(path: Path, file_format: str | None, name: str | None = None) -> str:
    name = name or path.name
    if file_format:
        if file_format not in FORMATS:
            raise ImportRefused(Problem("bad_format_name", {"name": name, "format": file_format}))
        return file_format
    suffix = Path(name).suffix.lower().lstrip(".")
    if suffix in ("jsonl", "ndjson"):
        return "jsonl"
    if suffix in ("csv", "xlsx"):
        return suffix
    raise ImportRefused(Problem("unknown_format", {"name": name}))


def codec_of(encoding: str | None, name: str) -> str | None:
    """The codec a named encoding is read with; None when none is named (then it is detected)."""
    if not encoding:
        return None
    codec = ENCODINGS.get(encoding.strip().lower().replace("_", "-"))
    if codec is None:
        raise ImportRefused(Problem("bad_encoding_name", {"name": name, "encoding": encoding[:40]}))
    return codec


def detect_encoding(path: Path) -> str:
    """UTF-8 (its BOM skipped) unless a byte of the file is not UTF-8; then GB18030. Reads in steps, so memory
    stays flat whatever the file's size."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with open(path, "rb") as raw:
        while step := raw.read(_SNIFF_STEP):
            try:
                decoder.decode(step)
            except UnicodeDecodeError:
                return "gb18030"
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:  # cut off mid-character at the end
            return "gb18030"
    return "utf-8-sig"


def encoding_label(codec: str) -> str:
    return "UTF-8" if codec.startswith("utf-8") else codec.upper()


def resolve_header(header: list[str], columns: tuple[str, ...], chinese: dict[str, str]) -> list[str]:
    """A header in the format's own (English) names, or in the Chinese ones of government exports; never both."""
    in_chinese = [name for name in header if name in chinese]
    in_english = [name for name in header if name in columns]
    if in_chinese and in_english:
        raise _MixedHeader(in_chinese, in_english)
    return [chinese.get(name, name) for name in header] if in_chinese else header


class _MixedHeader(Exception):
    def __init__(self, chinese: list[str], english: list[str]) -> None:
        self.problem = Problem("mixed_headers", {"chinese": chinese, "english": english})


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
        encoding: str | None = None,
        chinese: dict[str, str] | None = None,
    ) -> None:
        self.path = path
        self.required = required
        self.name = name or path.name
        self.file_format = file_format
        self.columns = columns
        self.chinese = chinese or {}
        self.size = path.stat().st_size
        self._counter = CountingReader(open(path, "rb"))  # noqa: SIM115 (closed by close())
        self._text = None
        # The line from which a CSV file was read by the csv module (1: all of it); None while Arrow read it all.
        self.csv_module_from_line: int | None = None
        self._sheet_rows_read = 0
        self._sheet_height = 0
        if file_format == "xlsx":
            self.encoding = ""
            return
        codec = codec_of(encoding, self.name) or detect_encoding(path)
        self.encoding = encoding_label(codec)
        self._codec = codec
        if file_format == "jsonl":
            self._text = self._text_of(self._counter)

    def _text_of(self, raw: io.RawIOBase) -> io.TextIOWrapper:
        return io.TextIOWrapper(io.BufferedReader(raw, 1 << 20), encoding=self._codec, newline="")

    @property
    def bytes_read(self) -> int:
        if self.file_format == "xlsx":
            # A workbook is compressed; its share of rows read stands for its share of bytes.
            return self.size * self._sheet_rows_read // max(self._sheet_height, 1)
        return self._counter.bytes_read

    @property
    def sha256(self) -> str:
        return self._counter.sha256.hexdigest()

    def close(self) -> None:
        if self._text is not None:
            self._text.close()
            return
        if self.file_format == "xlsx":
            # calamine reads the workbook itself; the bytes go through the counter only for the batch's hash.
            while not self._counter.closed and self._counter.read(1 << 20):
                pass
        self._counter.close()

    def batches(self, size: int) -> Iterator[Batch]:
        """Rows in runs of up to `size`, column by column in the format's order, with the rows that could not be
        read as rows. Taking a run at once keeps per-row Python work to a minimum on large files."""
        with self._read_errors():
            if self.file_format == "csv":
                yield from self._csv_batches(size)
                return
            if self.file_format == "xlsx":
                yield from self._table_batches(self._sheet_rows(), size)
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

    def _sheet_rows(self) -> Iterator[list[str]]:
        """The first sheet's rows as CSV would give them: every cell as text. `line_num` is the sheet's row number,
        as csv.reader's is the file's line."""
        try:
            workbook = python_calamine.CalamineWorkbook.from_path(str(self.path))
            sheet = workbook.get_sheet_by_index(0)
        except (python_calamine.CalamineError, OSError, ValueError) as error:
            raise ImportRefused(Problem("not_xlsx", {"name": self.name, "detail": str(error)[:200]})) from None
        self._sheet_height = sheet.height
        first_row = sheet.start[0] if sheet.start else 0
        for index, cells in enumerate(sheet.iter_rows()):
            self._sheet_rows_read = index + 1
            self.line_num = first_row + index + 1
            yield [_sheet_cell(cell) for cell in cells]

    def _csv_batches(self, size: int) -> Iterator[Batch]:
        """CSV rows: read by Arrow while the file is plain (plain_csv.py says what that means), by the csv module
        from the first block that is not; both give the same rows, numbers and rejections."""
        plain = PlainCsv(self._counter, self._codec)
        try:
            indexes, width = self._columns_of(plain.header())
        except NotPlain as stop:
            self.csv_module_from_line = 1
            self._text = self._text_of(Replay(stop.head, self._counter))
            yield from self._table_batches(csv.reader(self._text), size)
            return
        held: list[tuple[np.ndarray, pa.Table]] = []
        try:
            for numbers, table in plain.tables(width):
                held.append((numbers, table))
                while _rows_held(held) >= size:
                    batch, held = _take_rows(held, size, indexes)
                    yield batch
        except NotPlain as stop:
            head, lines_before = stop.head, stop.line - 1
        else:
            if held:
                yield _take_rows(held, _rows_held(held), indexes)[0]
            return
        if held:
            yield _take_rows(held, _rows_held(held), indexes)[0]
        self.csv_module_from_line = lines_before + 1
        self._text = self._text_of(Replay(head, self._counter))
        reader = csv.reader(self._text)
        yield from self._row_batches(reader, size, indexes, width, lambda: lines_before + reader.line_num)

    def _columns_of(self, header: list[str]) -> tuple[list[int | None], int]:
        """Where each of the format's columns is in the file (None: not there), and how wide a row is."""
        header = [name.strip() for name in header]
        while header and not header[-1]:  # a sheet's header may run into empty cells
            header.pop()
        try:
            header = resolve_header(header, self.columns, self.chinese)
        except _MixedHeader as mixed:
            raise ImportRefused(mixed.problem) from None
        self._check_header(header)
        position = {name: index for index, name in enumerate(header)}
        return [position.get(column) for column in self.columns], len(header)

    def _table_batches(self, reader, size: int) -> Iterator[Batch]:
        """CSV rows, or a sheet's: a header, then rows of cells. `reader.line_num` numbers the rows."""
        line_of = (lambda: reader.line_num) if self.file_format == "csv" else (lambda: self.line_num)
        self.line_num = 0
        header = next(reader, None)
        if header is None:
            raise ImportRefused(Problem("empty_file", {"name": self.name}))
        indexes, width = self._columns_of(header)
        yield from self._row_batches(reader, size, indexes, width, line_of)

    def _row_batches(self, reader, size: int, indexes, width: int, line_of) -> Iterator[Batch]:
        """Rows of cells after the header, in runs of `size`; `line_of()` is the line the reader has reached."""
        is_sheet = self.file_format == "xlsx"
        while True:
            batch = Batch()
            rows: list[list[str]] = []
            numbers, append_row, append_number = batch.row_numbers, rows.append, batch.row_numbers.append
            # A row is numbered by the line it starts on (a quoted field may run over several lines).
            last_line = line_of()
            for cells in itertools.islice(reader, size):
                if is_sheet:
                    # A sheet's rows are as wide as its widest; empty cells past the header carry nothing.
                    if len(cells) > width and not any(cells[width:]):
                        del cells[width:]
                    if not any(cells):
                        last_line = line_of()
                        continue
                    append_number(line_of())
                else:
                    append_number(last_line + 1)
                append_row(cells)
                last_line = line_of()
            if not rows:
                return
            if any(len(cells) != width for cells in rows):
                kept = [(line, cells) for line, cells in zip(numbers, rows) if len(cells) == width]
                batch.unreadable = [
                    (line, Problem("field_count", {"count": len(cells), "width": width}))
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
        except UnicodeDecodeError:
            raise ImportRefused(
                Problem(
                    "not_in_encoding",
                    {"name": self.name, "encoding": encoding_label(self._codec), "byte": self.bytes_read},
                )
            ) from None
        except csv.Error as error:
            raise ImportRefused(Problem("not_csv", {"name": self.name, "detail": str(error)[:200]})) from None

    def _jsonl_rows(self):
        known = set(self.columns)
        for line_number, line in enumerate(self._text, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as error:
                yield line_number, None, Problem("not_json", {"detail": error.msg, "column": error.colno})
                continue
            except RecursionError:
                yield line_number, None, Problem("nested_too_deep")
                continue
            if not isinstance(obj, dict):
                yield line_number, None, Problem("not_an_object")
                continue
            unknown = sorted(set(obj) - known)
            if unknown:
                yield line_number, None, Problem("unknown_keys", {"keys": unknown})
                continue
            yield line_number, [_cell(obj.get(column)) for column in self.columns], None

    def _check_header(self, header: list[str]) -> None:
        unknown = [name for name in header if name not in self.columns]
        duplicated = sorted({name for name in header if header.count(name) > 1})
        missing = [name for name in self.required if name not in header]
        problems = []
        if missing:
            problems.append(Problem("missing_columns", {"columns": missing}).as_json())
        if unknown:
            problems.append(Problem("unknown_columns", {"columns": unknown}).as_json())
        if duplicated:
            problems.append(Problem("repeated_columns", {"columns": duplicated}).as_json())
        if problems:
            params = {"name": self.name, "problems": problems, "columns": list(self.columns)}
            raise ImportRefused(Problem("bad_header", params), ErrorCode.IMPORT_FORMAT)


def _rows_held(held: list[tuple[np.ndarray, pa.Table]]) -> int:
    return sum(len(numbers) for numbers, _ in held)


def _take_rows(
    held: list[tuple[np.ndarray, pa.Table]], size: int, indexes: list[int | None]
) -> tuple[Batch, list[tuple[np.ndarray, pa.Table]]]:
    """The first `size` rows of the blocks held (all of them if fewer) as a batch in the format's column order,
    and what is left over."""
    numbers = np.concatenate([numbers for numbers, _ in held])
    table = pa.concat_tables([table for _, table in held]) if len(held) > 1 else held[0][1]
    taken, rest = table.slice(0, size), table.slice(size)
    count = taken.num_rows
    columns = [
        pa.nulls(count, pa.string()) if index is None else taken.column(index).combine_chunks() for index in indexes
    ]
    batch = Batch(row_numbers=numbers[:count], columns=columns)
    return batch, ([(numbers[count:], rest)] if rest.num_rows else [])


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


def _sheet_cell(value) -> str:
    """A workbook cell as the text the column's parser reads: a whole number without its ".0" (a code or a count
    typed as a number), a date as YYYY-MM-DD."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if value is None:
        return ""
    return str(value)
