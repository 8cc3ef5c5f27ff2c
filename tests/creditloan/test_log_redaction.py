"""No resident ID number, mobile number or token reaches the log as it was written."""

import logging

import pytest
from django.conf import settings

from creditloan.log_redaction import RedactingFilter, redacted


@pytest.mark.parametrize(
    ("line", "written"),
    [
        ("法定代表人 11010519491231002X 已核验", "法定代表人 110***********002X 已核验"),
        ("contact 13812345678, ok", "contact 138****5678, ok"),
        ("Authorization: Bearer kq3-9f_Zx81Lm", "Authorization: Bearer [redacted]"),
        ("firm 914403001922038216 imported", "firm 914403001922038216 imported"),  # a USCC is a firm's public code
        ("row 123456789012345678901 rejected", "row 123456789012345678901 rejected"),  # too long for an ID
    ],
)
def test_identifiers_and_tokens_are_masked(line, written):
    assert redacted(line) == written


def test_the_filter_masks_the_formatted_message_and_the_traceback():
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "user %s phone %s", ("zhang", "13812345678"), None)
    try:
        raise ValueError("bad id 11010519491231002X")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()

    RedactingFilter().filter(record)

    assert record.getMessage() == "user zhang phone 138****5678"
    assert "110***********002X" in record.exc_text and "11010519491231002X" not in record.exc_text


def test_the_console_handler_writes_through_the_filter():
    assert settings.LOGGING["handlers"]["console"]["filters"] == ["redact"]
    assert logging.getLogger().handlers  # configured, so lines go through it
    assert any(
        isinstance(each, RedactingFilter) for handler in logging.getLogger().handlers for each in handler.filters
    )


def test_the_development_servers_request_lines_go_through_the_filter_too():
    handlers = logging.getLogger("django.server").handlers

    assert handlers
    assert all(any(isinstance(each, RedactingFilter) for each in handler.filters) for handler in handlers)
