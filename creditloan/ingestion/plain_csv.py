"""CSV read in compiled code (Arrow's CSV reader) for as long as the file is plain: one row on each line.

The importer numbers a row by the line of the file it starts on, as the csv module counts lines, so a person can
find it in an editor. Arrow's reader gives no line numbers; they are known only where every line holds exactly
one row. So the file is read in blocks of whole lines, and a block is taken from Arrow only when it proves plain:
as many rows as line ends, no carriage return except in CR LF, every row as wide as the header, and all of it
text in the file's encoding. A blank line, a quoted value running over lines, a row of the wrong width or a byte
not in the encoding stops the fast reading at the start of that block (`NotPlain`), and the caller reads that
block and the rest of the file with the csv module, which numbers, rejects and refuses exactly as it always has.
Memory stays bounded by a block and the rows read from it, whatever the file's size.
"""

from __future__ import annotations

import codecs
import io
from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

# About one chunk of rows (50,000 rows of 100-200 bytes) per block.
BLOCK_BYTES = 8 << 20
# A line longer than this is left to the csv module, which bounds a cell itself (readers.CSV_CELL_MOST_BYTES).
MOST_LINE_BYTES = 32 << 20


class NotPlain(Exception):  # noqa: N818 (a signal to change readers, not an error)
    """The fast reading stops here: `head` is what was read from the file but not taken (raw bytes, from the
    start of a line), `line` the number of that line."""

    def __init__(self, head: bytes, line: int) -> None:
        super().__init__(f"not plain from line {line}")
        self.head = head
        self.line = line


class PlainCsv:
    """Blocks of whole lines from `raw` (bytes in `codec`, a readers.ENCODINGS codec), as Arrow tables of text."""

    def __init__(self, raw: io.RawIOBase, codec: str) -> None:
        self._raw = raw
        self._utf8 = codecs.lookup(codec).name in ("utf-8", "utf-8-sig")
        self._codec = codec
        self._unread = b""
        self._at_start = True
        self.line = 1  # the line the next block starts on

    def header(self) -> list[str]:
        """The header's names, as the csv module would read them from an unquoted first line."""
        block = self._next_block()
        if block is None:
            raise NotPlain(b"", 1)
        end = block.index(b"\n") + 1
        first, self._unread = block[:end], block[end:] + self._unread
        try:
            text = self._decoded(first)
        except UnicodeDecodeError:
            raise NotPlain(first + self._unread, 1) from None
        if '"' in text or "\r" in text.rstrip("\r\n"):
            raise NotPlain(first + self._unread, 1)
        self.line = 2
        return text.rstrip("\r\n").split(",")

    def tables(self, width: int) -> Iterator[tuple[np.ndarray, pa.Table]]:
        """Each plain block's rows (columns named c0, c1, ... in the header's order, all text) and the line each
        row is on; NotPlain at the first block that is not plain."""
        names = [f"c{index}" for index in range(width)]
        convert = pacsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()),
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        )
        while (block := self._next_block()) is not None:
            try:
                data = block if self._utf8 else self._decoded(block).encode("utf-8")
            except UnicodeDecodeError:
                raise NotPlain(block + self._unread, self.line) from None
            table = self._parsed(data, names, convert)
            lines = data.count(b"\n")
            if table is None or table.num_rows != lines or (b"\r" in data and data.count(b"\r") != data.count(b"\r\n")):
                raise NotPlain(block + self._unread, self.line)
            yield np.arange(self.line, self.line + lines, dtype=np.int64), table
            self.line += lines

    @staticmethod
    def _parsed(data: bytes, names: list[str], convert: pacsv.ConvertOptions) -> pa.Table | None:
        read = pacsv.ReadOptions(column_names=names, block_size=len(data) + 1, use_threads=False)
        # Quoted values may hold line breaks only when there are quotes; Arrow then counts such a value as one
        # row over several lines, which the row count above catches.
        parse = pacsv.ParseOptions(newlines_in_values=b'"' in data)
        try:
            return pacsv.read_csv(io.BytesIO(data), read_options=read, parse_options=parse, convert_options=convert)
        except pa.ArrowInvalid:  # a row of the wrong width, or text not UTF-8
            return None

    def _decoded(self, block: bytes) -> str:
        return block.decode("utf-8" if self._utf8 else self._codec)

    def _next_block(self) -> bytes | None:
        """Raw bytes of whole lines (at least BLOCK_BYTES unless the file ends first), the last one ending in a
        line feed; None at the end of the file. A UTF-8 byte-order mark at the start of the file is dropped."""
        data = self._unread
        while True:
            cut = data.rfind(b"\n")
            if cut >= 0 and len(data) >= BLOCK_BYTES:
                break
            more = self._raw.read(BLOCK_BYTES)
            if not more:
                if data and not data.endswith(b"\n"):
                    data += b"\n"  # the last line, unterminated: read as the csv module reads it
                cut = len(data) - 1
                break
            data += more
            if len(data) > MOST_LINE_BYTES and data.rfind(b"\n") < 0:
                raise NotPlain(data, self.line)
        if not data:
            return None
        block, self._unread = data[: cut + 1], data[cut + 1 :]
        if self._at_start and self._utf8 and block.startswith(codecs.BOM_UTF8):
            block = block[len(codecs.BOM_UTF8) :]
        self._at_start = False
        return block


class Replay(io.RawIOBase):
    """The bytes read ahead, then the rest of the stream: what the csv module reads when fast reading stops."""

    def __init__(self, head: bytes, rest: io.RawIOBase) -> None:
        self._head = memoryview(head)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if len(self._head):
            size = min(len(buffer), len(self._head))
            buffer[:size] = self._head[:size]
            self._head = self._head[size:]
            return size
        data = self._rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._rest.close()
        super().close()
