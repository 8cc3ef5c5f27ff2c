"""The one exception type services raise, with a machine-readable code that API and pages both show."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ErrorCode(models.TextChoices):
    IMPORT_FORMAT = "import_format", _("The import file is not in the expected format")
    IMPORT_SOURCE = "import_source", _("Unknown import source")
    INVALID_INPUT = "invalid_input", _("Invalid input")


class DomainError(Exception):
    def __init__(self, code: ErrorCode, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message
