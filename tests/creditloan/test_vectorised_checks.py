"""The column checks that let rows skip the parsers must never vouch for a cell the parser would refuse or
rewrite, and validating a chunk at once must give exactly what validating its rows one by one gives."""

import datetime as dt
import random

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from creditloan.demo.world import build_world
from creditloan.ingestion.formats import FORMATS
from creditloan.ingestion.vectorised import accept_uscc

COLUMNS = [
    pytest.param(source, column, id=f"{source}.{column.name}")
    for source, fmt in FORMATS.items()
    for column in fmt.columns
]
NASTY = [
    " 914403001922038216",
    "12.5 ",
    " 2024-01-01",
    "1.",
    ".5",
    "1.234",
    "123456789012345.1",
    "0",
    "1234567890",
    "２０２４-01-01",
    "2024-02-29",
    "2023-02-29",
    "2024-13-01",
    "2024-00-10",
    "x" * 18,
    "9144030019220382160",
    "",
    " ",
    "x",
    "-1",
    "1e5",
    "0.001",
    "١٢٣",
    "３９",
    "2023-02-30",
    "2031-01-01",
    "1900-01-01",
    "20240101",
    "2024-1-05",
    "a" * 400,
    "914403001922038216 ",
    "914403001922038216".lower(),
    "C39",
    "c3911",
    "440307",
    "11010519491231002x",
    "18991231",
    "ABC",
    "A",
    "M",
    "administrative_penalty",
    "minor",
    "registered",
    "1989",
    "2026",
    "9999",
    "123456789012345",
    "12345678901234.99",
    "00",
    "98",
    "99999",
]


@pytest.fixture(scope="module")
def world():
    return build_world(300, seed=5, as_of=dt.date(2026, 10, 31))


def candidates(world, source: str, name: str) -> list[str]:
    """Real cells of the column, each cell changed at one position, and a list of hard cases."""
    frame = getattr(world, source)
    real = [str(value) for value in frame[name].tolist() if str(value).strip()] if name in frame else []
    rng = random.Random(name)
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-.: 年x"
    mutated = []
    for value in real[:150]:
        position = rng.randrange(len(value))
        mutated.append(value[:position] + rng.choice(alphabet) + value[position + 1 :])
    return real + mutated + NASTY


def vouched_cells_parse_to_themselves(column, cells: list[str]) -> None:
    present = np.array([cell for cell in cells if cell], dtype=object)
    # As the CSV reader hands them over too: an Arrow array, here a slice of a longer one (its buffers start
    # before its first cell).
    as_read = pa.array(["914403001922038216", *present], type=pa.string())[1:]
    for column_cells in (present, as_read):
        mask = column.acceptor(column_cells)
        for cell, vouched in zip(present, mask, strict=True):
            if vouched:
                assert column.parse(cell) == cell, f"{column.name}: vouched for {cell!r}"


@pytest.mark.parametrize(("source", "column"), COLUMNS)
def test_a_column_check_vouches_only_for_cells_the_parser_keeps_as_they_are(world, source, column):
    cells = candidates(world, source, column.name)

    vouched_cells_parse_to_themselves(column, cells)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(alphabet="0123456789-.:AXMBC ", min_size=1, max_size=20), min_size=1, max_size=20))
def test_no_column_check_vouches_for_a_cell_its_parser_would_refuse(cells):
    for fmt in FORMATS.values():
        for column in fmt.columns:
            vouched_cells_parse_to_themselves(column, cells)


@pytest.mark.parametrize("as_arrow", [False, True], ids=["python-cells", "arrow-columns"])
@pytest.mark.parametrize("source", list(FORMATS))
def test_validating_a_chunk_gives_what_validating_each_row_gives(world, source, as_arrow):
    fmt = FORMATS[source]
    frame = getattr(world, source)
    rows = [
        [None if pd.isna(v) else str(v) for v in record]
        for record in frame.reindex(columns=fmt.column_names).itertuples(index=False)
    ]
    rng = random.Random(source)
    for row in rows[::3]:
        position = rng.randrange(len(row))
        row[position] = rng.choice(["", "bad", "2031-01-01", "-5", None, " " + (row[position] or "") + " "])
    numbers = list(range(2, len(rows) + 2))

    columns = list(zip(*rows))
    if as_arrow:
        columns = [pa.array(cells, type=pa.string()) for cells in columns]

    good, rejected = fmt.validate_chunk(numbers, columns)

    one_by_one_good, one_by_one_rejected = [], []
    for number, row in zip(numbers, rows, strict=True):
        values, errors = fmt.validate(row)
        if errors:
            one_by_one_rejected.append((number, errors))
        else:
            one_by_one_good.append({"row_number": number, **values})
    assert [(number, errors) for number, errors, _ in rejected] == one_by_one_rejected
    chunk_good = good.to_pylist()
    assert chunk_good == one_by_one_good
    assert len(rejected) > 0 and len(chunk_good) > len(rows) / 2


def test_the_column_check_vouches_for_a_code_registered_nationally():
    codes = np.array(["91100000100003962T", "911000001000013428", "91100000100003962X"], dtype=object)

    assert accept_uscc(codes).tolist() == [True, True, False]


def test_a_penalty_repair_is_moved_column_wise_exactly_as_row_by_row():
    fmt = FORMATS["public_credit"]
    firm = "914403001922038216"
    cases = [  # decision date, severity, repaired on
        ("2025-01-31", "ordinary", "2025-02-01"),  # 3 months from the 31st: cut to April's 30th
        ("2023-11-30", "ordinary", "2023-12-01"),  # into a leap February: the 29th
        ("2024-02-29", "serious", "2024-03-01"),  # 12 months from a leap day: the 28th
        ("2024-08-15", "serious", "2026-01-01"),  # repaired after the period: kept
        ("2025-01-10", "minor", "2025-01-10"),  # no minimum
        ("2024-13-01", "minor", "2025-01-10"),  # no such decision date: refused by its own column
    ]
    rows = [
        [firm, f"P-{n}", "administrative_penalty", severity, "市场监管局", "罚款", decided, None, repaired, None, None]
        for n, (decided, severity, repaired) in enumerate(cases)
    ]
    numbers = list(range(2, len(rows) + 2))

    good, rejected = fmt.validate_chunk(numbers, [pa.array(cells, type=pa.string()) for cells in zip(*rows)])

    one_by_one = [fmt.validate(row) for row in rows]
    assert good.to_pylist() == [
        {"row_number": number, **values} for number, (values, errors) in zip(numbers, one_by_one) if not errors
    ]
    assert [row["repaired_on"] for row in good.to_pylist()] == [
        "2025-04-30",
        "2024-02-29",
        "2025-02-28",
        "2026-01-01",
        "2025-01-10",
    ]
    assert [(number, errors[0][0]) for number, errors, _ in rejected] == [(7, "decision_date")]
