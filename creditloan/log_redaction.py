"""A logging filter that masks personal identifiers and secrets in every line before it is written: resident ID
numbers (居民身份证号) and mobile numbers as the pages mask them, bearer tokens and API keys entirely. Code should
not log them in the first place; this is the net under it (a value quoted in an exception, a library's line)."""

from __future__ import annotations

import logging
import re

from creditloan.identifiers import mask_phone, mask_resident_id

# 18 characters, 17 digits and a digit or X, with a date of birth in positions 7-14, not inside a longer run of
# letters or digits. The date tells an ID from a firm's code of 18 digits (统一社会信用代码, which is public).
RESIDENT_ID = re.compile(
    r"(?<![0-9A-Za-z])\d{6}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![0-9A-Za-z])"
)
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
BEARER = re.compile(r"(Bearer\s+)\S+", re.IGNORECASE)


def redacted(text: str) -> str:
    text = BEARER.sub(r"\1[redacted]", text)
    text = RESIDENT_ID.sub(lambda match: mask_resident_id(match[0]), text)
    return MOBILE.sub(lambda match: mask_phone(match[0]), text)


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        masked = redacted(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_text:
            record.exc_text = redacted(record.exc_text)
        return True
