"""Whole-column checks that let most rows skip the cell-by-cell parsers.

Each acceptor takes a column of non-empty cells (a NumPy object array, exactly as read) and returns a mask of
the cells it vouches for: cells the column's parser would accept *and leave unchanged*. The contract is
one-sided: an acceptor may refuse a good cell (its row then goes through the parsers, which decide and
explain), but must never vouch for a cell the parser would reject or rewrite. Tests hold every acceptor to that
contract, so the parsers in fields.py stay the single definition of what is valid; this module only makes the
common case fast. The checks work on the cells' code points as integer matrices, so they run in NumPy's C
loops rather than once per cell in Python.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable

import numpy as np

from creditloan.identifiers import (
    NATIONAL_DIVISION,
    ORGANISATION_CODE_WEIGHTS,
    RESIDENT_ID_CHECK_CHARS,
    RESIDENT_ID_WEIGHTS,
    USCC_ALPHABET,
    USCC_ENTITY_TYPES,
    USCC_WEIGHTS,
)
from creditloan.reference.industries import DIVISIONS
from creditloan.reference.regions import PROVINCES, REGIONS

Acceptor = Callable[[np.ndarray], np.ndarray]

_TABLE = 128  # code points at or above this are never part of a code, a number or a date
_USCC_VALUE = np.full(_TABLE, -1, dtype=np.int64)
for _value, _char in enumerate(USCC_ALPHABET):
    _USCC_VALUE[ord(_char)] = _value
_BASE36 = np.full(_TABLE, 0, dtype=np.int64)
for _value, _char in enumerate("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"):
    _BASE36[ord(_char)] = _value
_VALID_PAIR = np.zeros((_TABLE, _TABLE), dtype=bool)
for _authority, _types in USCC_ENTITY_TYPES.items():
    for _type in _types:
        _VALID_PAIR[ord(_authority), ord(_type)] = True
_PROVINCE = np.zeros(100, dtype=bool)
_PROVINCE[[int(code) for code in PROVINCES]] = True
_DIVISION = np.zeros(100, dtype=bool)
_DIVISION[[int(code) for code in DIVISIONS]] = True
_USCC_CHARS = np.array([ord(char) for char in USCC_ALPHABET])
_ORG_CHECK = np.array([ord(char) for char in "0123456789X0"])  # indexed by 11 - sum % 11, which is 1..11
_RESIDENT_CHECK = np.array([ord(char) for char in RESIDENT_ID_CHECK_CHARS])
_DAYS_IN_MONTH = np.array([0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
_ZERO, _NINE = ord("0"), ord("9")


def _code_points(values: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Cells as an (n, width + 1) matrix of code points, zero-padded, and each cell's length. A cell longer
    than `width` shows as length width + 1, so an exact-length check also refuses it."""
    matrix = np.asarray(values, dtype=f"<U{width + 1}").view(np.uint32).reshape(len(values), width + 1)
    return matrix.astype(np.int64), (matrix != 0).sum(axis=1)


def _digits(matrix: np.ndarray) -> np.ndarray:
    return (matrix >= _ZERO) & (matrix <= _NINE)


def _number(matrix: np.ndarray, start: int, stop: int) -> np.ndarray:
    value = np.zeros(len(matrix), dtype=np.int64)
    for position in range(start, stop):
        value = value * 10 + (matrix[:, position] - _ZERO)
    return value


def _real_date(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    ok = (month >= 1) & (month <= 12) & (day >= 1)
    days = _DAYS_IN_MONTH[np.clip(month, 0, 12)] - ((month == 2) & ~leap)
    return ok & (day <= days)


def _ordinal(year, month, day) -> np.ndarray:
    return year * 10_000 + month * 100 + day


def _today() -> int:
    today = dt.date.today()
    return today.year * 10_000 + today.month * 100 + today.day


def accept_uscc(values: np.ndarray) -> np.ndarray:
    codes, length = _code_points(values, 18)
    ok = (length == 18) & (codes < _TABLE).all(axis=1)
    codes = np.where(ok[:, None], codes, ord("0"))[:, :18]
    ok &= (_USCC_VALUE[codes] >= 0).all(axis=1)
    ok &= _VALID_PAIR[codes[:, 0], codes[:, 1]]
    ok &= _digits(codes[:, 2:8]).all(axis=1)
    national = _number(codes, 2, 8) == int(NATIONAL_DIVISION)
    ok &= _PROVINCE[np.clip(_number(codes, 2, 4), 0, 99)] | national
    org_sum = (_BASE36[codes[:, 8:16]] * np.array(ORGANISATION_CODE_WEIGHTS)).sum(axis=1)
    ok &= codes[:, 16] == _ORG_CHECK[11 - org_sum % 11]
    total = (_USCC_VALUE[codes[:, :17]] * np.array(USCC_WEIGHTS)).sum(axis=1)
    return ok & (codes[:, 17] == _USCC_CHARS[(31 - total % 31) % 31])


def accept_resident_id(values: np.ndarray) -> np.ndarray:
    numbers, length = _code_points(values, 18)
    ok = (length == 18) & _digits(numbers[:, :17]).all(axis=1)
    ok &= _digits(numbers[:, 17]) | (numbers[:, 17] == ord("X"))
    numbers = np.where(ok[:, None], numbers, _ZERO)
    ok &= _PROVINCE[_number(numbers, 0, 2)]
    weighted = ((numbers[:, :17] - _ZERO) * np.array(RESIDENT_ID_WEIGHTS)).sum(axis=1)
    ok &= numbers[:, 17] == _RESIDENT_CHECK[weighted % 11]
    year, month, day = _number(numbers, 6, 10), _number(numbers, 10, 12), _number(numbers, 12, 14)
    ok &= _real_date(year, month, day) & (year >= 1900) & (_ordinal(year, month, day) <= _today())
    return ok


def accept_date(earliest: dt.date) -> Acceptor:
    first = _ordinal(earliest.year, earliest.month, earliest.day)

    def accept(values: np.ndarray) -> np.ndarray:
        text, length = _code_points(values, 10)
        ok = (length == 10) & (text[:, 4] == ord("-")) & (text[:, 7] == ord("-"))
        ok &= _digits(text[:, [0, 1, 2, 3, 5, 6, 8, 9]]).all(axis=1)
        text = np.where(ok[:, None], text, _ZERO)
        year, month, day = _number(text, 0, 4), _number(text, 5, 7), _number(text, 8, 10)
        ordinal = _ordinal(year, month, day)
        return ok & _real_date(year, month, day) & (ordinal >= first) & (ordinal <= _today())

    return accept


def accept_amount(values: np.ndarray) -> np.ndarray:
    """Like r"\\d{1,14}(\\.\\d{1,2})?": up to 14 digits, then optionally a point and one or two digits."""
    text, length = _code_points(values, 17)
    present = np.arange(18)[None, :] < length[:, None]
    point = text == ord(".")
    ok = (length <= 17) & ((_digits(text) | point) | ~present).all(axis=1) & (point.sum(axis=1) <= 1)
    point_at = np.where(point.any(axis=1), point.argmax(axis=1), length)
    decimals = length - point_at - 1
    ok &= (point_at >= 1) & (point_at <= 14)
    return ok & ((point_at == length) | (decimals == 1) | (decimals == 2))


def accept_count(values: np.ndarray) -> np.ndarray:
    """Like r"\\d{1,9}"."""
    text, length = _code_points(values, 9)
    present = np.arange(10)[None, :] < length[:, None]
    return (length >= 1) & (length <= 9) & (_digits(text) | ~present).all(axis=1)


def accept_year(values: np.ndarray) -> np.ndarray:
    text, length = _code_points(values, 4)
    ok = (length == 4) & _digits(text[:, :4]).all(axis=1)
    year = _number(np.where(ok[:, None], text, _ZERO), 0, 4)
    return ok & (year >= 1990) & (year <= dt.date.today().year)


def accept_text(max_length: int) -> Acceptor:
    def accept(values: np.ndarray) -> np.ndarray:
        count = len(values)
        short = np.fromiter(map(len, values), dtype=np.int64, count=count) <= max_length
        # The parser strips surrounding white space; a cell that has some is left to it.
        trimmed = np.fromiter(map(operator.eq, values, map(str.strip, values)), dtype=bool, count=count)
        return short & trimmed

    return accept


def accept_member(allowed) -> Acceptor:
    members = frozenset(allowed)

    def accept(values: np.ndarray) -> np.ndarray:
        return np.fromiter(map(members.__contains__, values), dtype=bool, count=len(values))

    return accept


accept_region = accept_member(REGIONS)


def accept_industry(values: np.ndarray) -> np.ndarray:
    # Only the canonical digits-only form; letter-prefixed codes take the parser, which rewrites them.
    text, length = _code_points(values, 4)
    present = np.arange(5)[None, :] < length[:, None]
    ok = (length >= 2) & (length <= 4) & (_digits(text) | ~present).all(axis=1)
    return ok & _DIVISION[_number(np.where(ok[:, None], text, _ZERO), 0, 2)]
