"""Parsers for one cell of an import file.

Each takes the cell's text and returns its canonical text (what PostgreSQL's COPY and Django's fields both
accept), or raises ValueError with a message that says what is wrong in the cell's own terms. They run once per
cell for millions of rows, so they are plain functions over strings, with the cheap checks first.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

from creditloan.identifiers import InvalidIdentifier, validate_resident_id, validate_uscc
from creditloan.ingestion.problems import CellRefused, Problem
from creditloan.ingestion.vectorised import (
    Acceptor,
    accept_amount,
    accept_count,
    accept_date,
    accept_industry,
    accept_member,
    accept_region,
    accept_resident_id,
    accept_text,
    accept_uscc,
    accept_year,
)
from creditloan.reference.industries import UnknownIndustryCode, normalise_industry_code
from creditloan.reference.regions import UnknownRegionCode, normalise_region_code
from creditloan.values import amount_text, read_date, read_whole_number

EARLIEST_DATE = dt.date(1949, 10, 1)
EARLIEST_YEAR = 1990
COUNT_LARGEST = 999_999_999
# The grammar is creditloan/values.py's; these are its common cases, matched first because they are cheap.
# ASCII digits only: \d alone also matches full-width (１００) and Arabic-Indic (٢٠٢٣) digits, which PostgreSQL's
# COPY then refuses, failing the whole batch for one cell.
_AMOUNT = re.compile(r"\d{1,14}(?:\.\d{1,2})?", re.ASCII)
_INTEGER = re.compile(r"\d{1,9}", re.ASCII)


@dataclass(frozen=True)
class Column:
    """One column of a source format: how it is parsed, whether it must be there, and what it means."""

    name: str
    parse: Callable[[str], str]
    type_label: str
    meaning: str
    required: bool = True
    field: str = ""
    default: str | None = None
    choices: tuple[str, ...] = ()
    # A personal identifier: kept masked wherever the importer keeps a copy of the row (rejections).
    personal: bool = False
    # The whole-column fast check (vectorised.py); None means the parser's own entry in ACCEPTORS.
    accept: Acceptor | None = None

    @property
    def model_field(self) -> str:
        return self.field or self.name

    @property
    def acceptor(self) -> Acceptor:
        return self.accept or ACCEPTORS[self.parse]


def parse_uscc(text: str) -> str:
    try:
        return validate_uscc(text)
    except InvalidIdentifier as error:
        raise ValueError(error.message) from None


def parse_resident_id(text: str) -> str:
    try:
        return validate_resident_id(text)
    except InvalidIdentifier as error:
        raise ValueError(error.message) from None


def parse_region(text: str) -> str:
    try:
        return normalise_region_code(text)
    except UnknownRegionCode as error:
        raise ValueError(str(error)) from None


def parse_industry(text: str) -> str:
    try:
        return normalise_industry_code(text)
    except UnknownIndustryCode as error:
        raise ValueError(str(error)) from None


def parse_date(text: str) -> str:
    value = read_date(text, earliest=EARLIEST_DATE)
    if value > dt.date.today():
        raise CellRefused(Problem("in_future", {"value": value.isoformat()}))
    return value.isoformat()


def parse_amount(text: str) -> str:
    """Yuan, not negative, at most two decimals: what every money column in the hub stores. Read as every
    amount is (values.read_amount); thousands separators are taken out ("1,250,000.00" → "1250000.00")."""
    text = text.strip()
    if _AMOUNT.fullmatch(text):
        return text  # the common case, without the reader's checks
    return amount_text(text)


def parse_count(text: str) -> str:
    text = text.strip()
    if _INTEGER.fullmatch(text):
        return text
    return str(read_whole_number(text, minimum=0, maximum=COUNT_LARGEST))


def parse_year(text: str) -> str:
    return str(read_whole_number(text.strip(), minimum=EARLIEST_YEAR, maximum=dt.date.today().year))


def text_parser(max_length: int) -> Callable[[str], str]:
    def parse_text(text: str) -> str:
        text = text.strip()
        if len(text) > max_length:
            raise CellRefused(Problem("too_long", {"length": len(text), "most": max_length}))
        return text

    return parse_text


def choice_parser(choices: tuple[str, ...]) -> Callable[[str], str]:
    allowed = frozenset(choices)

    def parse_choice(text: str) -> str:
        text = text.strip()
        if text in allowed:
            return text
        raise CellRefused(Problem("not_a_choice", {"value": text[:200], "choices": list(choices)}))

    return parse_choice


def text(name: str, max_length: int, meaning: str, **options) -> Column:
    return Column(
        name,
        text_parser(max_length),
        f"text (≤ {max_length})",
        meaning,
        accept=accept_text(max_length),
        **options,
    )


def choice(name: str, choices: tuple[str, ...], meaning: str, **options) -> Column:
    return Column(
        name,
        choice_parser(choices),
        "one of: " + ", ".join(choices),
        meaning,
        choices=choices,
        accept=accept_member(choices),
        **options,
    )


ACCEPTORS: dict[Callable[[str], str], Acceptor] = {
    parse_uscc: accept_uscc,
    parse_resident_id: accept_resident_id,
    parse_region: accept_region,
    parse_industry: accept_industry,
    parse_date: accept_date(EARLIEST_DATE),
    parse_amount: accept_amount,
    parse_count: accept_count,
    parse_year: accept_year,
}
