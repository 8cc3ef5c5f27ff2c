"""The one exception type services raise, with a machine-readable code that API and pages both show."""

from __future__ import annotations

import re

from django.db import models
from django.utils.translation import gettext_lazy as _


class ErrorCode(models.TextChoices):
    IMPORT_FORMAT = "import_format", _("The import file is not in the expected format")
    IMPORT_SOURCE = "import_source", _("Unknown import source")
    INVALID_INPUT = "invalid_input", _("Invalid input")
    NOT_FOUND = "not_found", _("Not found")
    FORBIDDEN = "forbidden", _("Not allowed for this account")
    CONFLICT = "conflict", _("Another change got there first")
    INVALID_TRANSITION = "invalid_transition", _("Not possible in the current state")
    NOT_ENOUGH_HISTORY = "not_enough_history", _("Not enough loan history to train a model")
    MODEL_INTEGRITY = "model_integrity", _("The stored model does not match its hash")
    NO_CHAMPION = "no_champion", _("No model has been promoted")
    THROTTLED = "throttled", _("Too many tries: wait, then try again")


class DomainError(Exception):
    def __init__(self, code: ErrorCode, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message


# A service's message about one field starts with the field's name: "amount: ..." in English, "金额：..." in
# Chinese (a short label and a full-width colon). Shown next to the field itself, the name is dropped.
FIELD_PREFIX = re.compile(r"^(?:[a-z_]+: |[^：:\s]{1,8}：)")


def without_field_name(message: str) -> str:
    return FIELD_PREFIX.sub("", message, count=1)
