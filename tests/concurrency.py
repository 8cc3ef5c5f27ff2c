"""Calls made at the same moment, as simultaneous requests or workers would make them."""

import threading
from collections.abc import Callable

from django.db import connection


def at_once(calls: list[Callable[[], object]]) -> list:
    """The calls, each in a thread of its own, released together by a barrier; their results, in order. Each
    thread closes its own database connection when done, as a request's thread does."""
    start = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def one(index: int) -> None:
        try:
            start.wait()
            results[index] = calls[index]()
        finally:
            connection.close()

    threads = [threading.Thread(target=one, args=(index,)) for index in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
