"""What is wrong with a row or a file, kept as a code and its values so it can be read in any language.

A rejection is stored once (by the importer, in whatever language the worker runs) and read many times, on
Chinese and English pages and through the API. So it is stored as a `Problem` (a code from `MESSAGES` and the
values its message needs) and put into words only when someone reads it, in the reader's language.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from creditloan.errors import DomainError, ErrorCode

MESSAGES = {
    # A cell
    "required": _("is required"),
    "nul_character": _("holds a NUL character, which no field can store"),
    "too_long": _("is %(length)s characters long; at most %(most)s"),
    "not_a_choice": _("'%(value)s' is not one of: %(choices)s"),
    "in_future": _("%(value)s is in the future"),
    # Said by a parser shared with the pages and the API; its words are kept in every language at once.
    "invalid_value": _("%(detail)s"),
    # A row
    "field_count": _("has %(count)s fields, the header has %(width)s"),
    "not_json": _("is not valid JSON: %(detail)s at column %(column)s"),
    "nested_too_deep": _("nests arrays and objects too deep to read"),
    "not_an_object": _("is not a JSON object"),
    "unknown_keys": _("has fields this format does not know: %(keys)s"),
    "kind_mismatch": _("the code %(uscc)s registers a %(implied)s, not a %(kind)s"),
    "severity_required": _("is required for an administrative_penalty (minor, ordinary or serious)"),
    "severity_not_allowed": _("applies only to administrative_penalty, not to %(kind)s"),
    "date_before": _("%(value)s is before %(other)s %(other_value)s"),
    "duplicate": _("appears again in this file; the first occurrence, row %(first_row)s, is the one that counts"),
    "unknown_firm": _(
        "no enterprise with this code is registered; import its registry row first, or in the same batch"
    ),
    # A whole file
    "no_such_file": _("%(name)s: no such file"),
    "unknown_format": _("%(name)s: cannot tell the format from the name; use .csv, .jsonl or .xlsx"),
    "bad_format_name": _("%(name)s: format must be csv, jsonl or xlsx, got %(format)s"),
    "bad_encoding_name": _("%(name)s: the encoding must be utf-8 or gb18030 (gbk), got %(encoding)s"),
    "not_in_encoding": _("%(name)s: not %(encoding)s text near byte %(byte)s"),
    "empty_file": _("%(name)s: the file is empty; it needs a header row"),
    "bad_header": _("%(name)s: %(problems)s (the format's columns are %(columns)s)"),
    "missing_columns": _("missing required columns %(columns)s"),
    "unknown_columns": _("unknown columns %(columns)s"),
    "repeated_columns": _("repeated columns %(columns)s"),
    "mixed_headers": _("Chinese and English column names mixed (%(chinese)s; %(english)s): use one or the other"),
    "not_csv": _("%(name)s: not readable as CSV: %(detail)s"),
    "not_xlsx": _("%(name)s: not an .xlsx workbook (%(detail)s)"),
}


@dataclass(frozen=True)
class Problem:
    code: str
    params: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.code not in MESSAGES:
            raise ValueError(f"unknown problem code {self.code!r}")

    def __str__(self) -> str:
        return problem_text(self.code, self.params)

    def as_json(self) -> dict:
        return {"code": self.code, "params": self.params}


def problem_text(code: str, params: dict | None, fallback: str = "") -> str:
    """The problem in the active language; `fallback` (the sentence stored before codes were) for a row
    imported before then, or a code this version does not know."""
    template = MESSAGES.get(code)
    if template is None:
        return fallback
    params = dict(params or {})
    for name, value in params.items():
        if isinstance(value, dict):  # words kept in every language: the reader's, else English
            params[name] = value.get(translation.get_language() or "", value.get("en", ""))
        elif isinstance(value, list) and value and isinstance(value[0], dict):  # problems within a problem
            params[name] = "; ".join(problem_text(item["code"], item["params"]) for item in value)
        elif isinstance(value, list):
            # A Chinese list reads with the enumeration comma.
            params[name] = ("、" if (translation.get_language() or "").startswith("zh") else ", ").join(
                str(item) for item in value
            )
    return str(template) % params


def in_every_language(words) -> dict[str, str]:
    """`words()` said in each of the site's languages: for messages composed by code shared with the pages."""
    said = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            said[language] = str(words())
    return said


def in_english(problem: Problem) -> str:
    with translation.override("en"):
        return str(problem)


class CellRefused(ValueError):
    """A parser's refusal of a cell, with the problem to store."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(in_english(problem))
        self.problem = problem


class ImportRefused(DomainError):
    """A whole file refused: the batch keeps the problem, so it reads in whichever language it is read in."""

    def __init__(self, problem: Problem, code: ErrorCode = ErrorCode.IMPORT_FORMAT) -> None:
        super().__init__(code, str(problem))
        self.problem = problem
