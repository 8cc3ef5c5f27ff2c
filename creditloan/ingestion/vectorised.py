"""Whole-column checks that let most rows skip the cell-by-cell parsers.

Each acceptor takes a column of non-empty cells (an Arrow string array as the CSV reader gives it, or a NumPy
object array of str; exactly as read) and returns a NumPy mask of the cells it vouches for: cells the column's
parser would accept *and leave unchanged*. The contract is one-sided: an acceptor may refuse a good cell (its
row then goes through the parsers, which decide and explain), but must never vouch for a cell the parser would
reject or rewrite. Tests hold every acceptor to that contract, so the parsers in fields.py stay the single
definition of what is valid; this module only makes the common case fast.

Codes, numbers and dates are checked on the cells' bytes as integer matrices cut straight from the Arrow
array's buffers, free text and choices with Arrow's compute kernels: all in compiled loops, none once per cell
in Python. Every code, number and date is ASCII, so a cell holding any other character is refused by its bytes
(each at or above 128) and left to the parser.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

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


def as_arrow(values) -> pa.StringArray:
    """A column of cells as one Arrow string array (a NumPy or Python sequence of str or None is converted)."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if isinstance(values, pa.Array):
        return values.cast(pa.string()) if values.type != pa.string() else values
    return pa.array(values, type=pa.string(), from_pandas=True)


def _code_points(values, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Cells as an (n, width + 1) matrix of their UTF-8 bytes, zero-padded, and each cell's length in bytes. A cell
    longer than `width` shows as length width + 1, so an exact-length check also refuses it. For ASCII the bytes
    are the code points; any other character brings bytes of 128 or more, which no check below accepts."""
    cells = as_arrow(values)
    count = len(cells)
    _validity, offset_buffer, data_buffer = cells.buffers()
    offsets = np.frombuffer(offset_buffer, dtype=np.int32)[cells.offset : cells.offset + count + 1].astype(np.int64)
    data = np.frombuffer(data_buffer, dtype=np.uint8) if data_buffer is not None else np.zeros(0, dtype=np.uint8)
    length = np.minimum(np.diff(offsets), width + 1)
    if cells.null_count:  # not expected (cells are non-empty), but a missing cell must never be vouched for
        length = np.where(cells.is_null().to_numpy(zero_copy_only=False), 0, length)
    positions = np.arange(width + 1)
    inside = positions[None, :] < length[:, None]
    if not len(data):
        return np.zeros((count, width + 1), dtype=np.int64), length
    index = np.minimum(offsets[:-1, None] + positions[None, :], len(data) - 1)
    return np.where(inside, data[index], 0).astype(np.int64), length


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


# Every character str.strip() takes off (str.isspace; a test holds the list to it), as one RE2 class: a cell
# starting or ending with one is left to the parser.
PYTHON_WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u2028\u2029\u202f\u205f\u3000"
)
_PYTHON_SPACE = "".join(f"\\x{{{ord(char):x}}}" for char in PYTHON_WHITESPACE)
_SURROUNDING_SPACE = f"^[{_PYTHON_SPACE}]|[{_PYTHON_SPACE}]$"


def _mask(result: pa.Array) -> np.ndarray:
    return result.fill_null(False).to_numpy(zero_copy_only=False)


def accept_text(max_length: int) -> Acceptor:
    def accept(values) -> np.ndarray:
        cells = as_arrow(values)
        short = pc.less_equal(pc.utf8_length(cells), max_length)
        # The parser strips surrounding white space; a cell that has some is left to it.
        padded = pc.match_substring_regex(cells, _SURROUNDING_SPACE)
        return _mask(pc.and_(short, pc.invert(padded)))

    return accept


def accept_member(allowed) -> Acceptor:
    members = pa.array(sorted(frozenset(allowed)), type=pa.string())

    def accept(values) -> np.ndarray:
        return _mask(pc.is_in(as_arrow(values), value_set=members))

    return accept


def holds_nul(values) -> np.ndarray:
    """Cells holding a NUL character, which no field can store (the parsers say so, cell by cell)."""
    return _mask(pc.match_substring(as_arrow(values), "\x00"))


accept_region = accept_member(REGIONS)


def accept_industry(values: np.ndarray) -> np.ndarray:
    # Only the canonical digits-only form; letter-prefixed codes take the parser, which rewrites them.
    text, length = _code_points(values, 4)
    present = np.arange(5)[None, :] < length[:, None]
    ok = (length >= 2) & (length <= 4) & (_digits(text) | ~present).all(axis=1)
    return ok & _DIVISION[_number(np.where(ok[:, None], text, _ZERO), 0, 2)]
