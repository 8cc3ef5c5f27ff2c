"""Reading and validating a file in a thread of its own while the database applies the previous chunk.

Python's validation and PostgreSQL's upsert then overlap instead of taking turns; the queue between them is
short, so memory stays bounded by a few chunks whatever the file's size.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import TypeVar

from creditloan.ingestion.formats import SourceFormat
from creditloan.ingestion.readers import RowReader
from creditloan.ingestion.writers import Chunk, Rejection

T = TypeVar("T")
_DONE = object()


def validated_chunks(reader: RowReader, fmt: SourceFormat, chunk_size: int) -> Iterator[Chunk]:
    for batch in reader.batches(chunk_size):
        table, rejected = fmt.validate_chunk(batch.row_numbers, batch.columns)
        rejections = [Rejection(line, [("row", problem)], {}) for line, problem in batch.unreadable]
        rejections += [Rejection(number, errors, raw) for number, errors, raw in rejected]
        yield Chunk(table=table, rejections=rejections, bytes_read=reader.bytes_read)


def prefetched(items: Iterable[T], depth: int = 2) -> Iterator[T]:
    """Iterate `items` in a background thread, at most `depth` ahead; its exceptions surface here."""
    buffer: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        buffer.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            buffer.put(_DONE)
        except BaseException as error:  # handed to the consumer, which re-raises it
            buffer.put(error)

    thread = threading.Thread(target=produce, name="import-reader", daemon=True)
    thread.start()
    try:
        while True:
            item = buffer.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join(timeout=5)
