"""Sending a text message through the backend that `SMS_BACKEND` names, as Django sends e-mail through
EMAIL_BACKEND. A deployment plugs in its SMS gateway's client as a backend (a class with `send(phone, text)`);
the demo writes each message to a file a developer can read, the tests keep them in memory. Every backend
delivers the real code: none skips the check that the person typed it."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from pathlib import Path

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class FileBackend:
    """Appends each message, with its time and number, to SMS_FILE_PATH (the demo's `var/sms.log`)."""

    _lock = threading.Lock()

    def send(self, phone: str, text: str) -> None:
        path = Path(settings.SMS_FILE_PATH)
        path.parent.mkdir(parents=True, exist_ok=True)
        line = f"{dt.datetime.now().astimezone():%Y-%m-%d %H:%M:%S%z} to {phone}: {text}\n"
        with self._lock, path.open("a", encoding="utf-8") as out:
            out.write(line)


class MemoryBackend:
    """Keeps each message in `outbox` as (phone, text), as Django's locmem e-mail backend does: for tests."""

    outbox: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> None:
        MemoryBackend.outbox.append((phone, text))


def sms_send(*, phone: str, text: str) -> None:
    import_string(settings.SMS_BACKEND)().send(phone, text)
