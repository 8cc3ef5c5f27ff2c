"""Tests for the GB/T 4754-2017 reference table; plain pytest, no Django needed."""

import math

import pytest

from creditloan.reference.industries import (
    DIVISION_WEIGHTS,
    DIVISIONS,
    SECTIONS,
    Division,
    Section,
    UnknownIndustryCode,
    normalise_industry_code,
    section_of,
)

# Written out independently of the module so a typo in either place is caught.
SECTION_RANGES: dict[str, tuple[int, int]] = {
    "A": (1, 5),
    "B": (6, 12),
    "C": (13, 43),
    "D": (44, 46),
    "E": (47, 50),
    "F": (51, 52),
    "G": (53, 60),
    "H": (61, 62),
    "I": (63, 65),
    "J": (66, 69),
    "K": (70, 70),
    "L": (71, 72),
    "M": (73, 75),
    "N": (76, 79),
    "O": (80, 82),
    "P": (83, 83),
    "Q": (84, 85),
    "R": (86, 90),
    "S": (91, 96),
    "T": (97, 97),
}


def expected_section(code: str) -> str:
    number = int(code)
    return next(letter for letter, (low, high) in SECTION_RANGES.items() if low <= number <= high)


def test_there_are_twenty_sections_lettered_a_to_t() -> None:
    assert list(SECTIONS) == [chr(c) for c in range(ord("A"), ord("T") + 1)]
    assert all(isinstance(s, Section) and s.code == key for key, s in SECTIONS.items())


def test_there_are_ninety_seven_divisions_keyed_by_two_digit_code() -> None:
    assert len(DIVISIONS) == 97
    assert all(isinstance(d, Division) and d.code == key and len(key) == 2 for key, d in DIVISIONS.items())


@pytest.mark.parametrize("code", sorted(DIVISIONS))
def test_each_division_belongs_to_the_section_whose_range_contains_it(code: str) -> None:
    assert DIVISIONS[code].section == expected_section(code)


def test_every_section_has_at_least_one_division() -> None:
    assert {d.section for d in DIVISIONS.values()} == set(SECTIONS)


def test_every_section_and_division_has_chinese_and_english_names() -> None:
    for item in [*SECTIONS.values(), *DIVISIONS.values()]:
        assert item.name_zh.strip() and item.name_en.strip()
        assert any("\u4e00" <= ch <= "\u9fff" for ch in item.name_zh)
        assert item.name_en.isascii()


@pytest.mark.parametrize(
    ("code", "name_zh"),
    [
        ("01", "农业"),
        ("39", "计算机、通信和其他电子设备制造业"),
        ("51", "批发业"),
        ("52", "零售业"),
        ("62", "餐饮业"),
        ("65", "软件和信息技术服务业"),
        ("72", "商务服务业"),
        ("97", "国际组织"),
    ],
)
def test_well_known_divisions_carry_their_official_chinese_name(code: str, name_zh: str) -> None:
    assert DIVISIONS[code].name_zh == name_zh


def test_divisions_are_frozen() -> None:
    with pytest.raises(AttributeError):
        DIVISIONS["39"].section = "B"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("39", "39"),
        ("391", "391"),
        ("3911", "3911"),
        ("C39", "39"),
        ("C3911", "3911"),
        ("c3911", "3911"),
        ("  C39 \n", "39"),
        ("01", "01"),
        ("A0111", "0111"),
        ("T97", "97"),
    ],
)
def test_normalise_accepts_division_and_finer_codes_with_optional_section_letter(raw: str, expected: str) -> None:
    assert normalise_industry_code(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("98", "98 is not a GB/T 4754-2017 division (valid divisions are 01–97)"),
        ("00", "00 is not a GB/T 4754-2017 division (valid divisions are 01–97)"),
        ("9912", "99 is not a GB/T 4754-2017 division (valid divisions are 01–97)"),
        ("B39", "section B does not contain division 39 (39 is in section C)"),
        ("a3911", "section A does not contain division 39 (39 is in section C)"),
        (
            "X12",
            "must be 2 to 4 digits, optionally prefixed by its section letter, got 'X12'",
        ),
        ("3", "must be 2 to 4 digits, optionally prefixed by its section letter, got '3'"),
        (
            "39111",
            "must be 2 to 4 digits, optionally prefixed by its section letter, got '39111'",
        ),
        ("", "must be 2 to 4 digits, optionally prefixed by its section letter, got ''"),
        (
            "C 39",
            "must be 2 to 4 digits, optionally prefixed by its section letter, got 'C 39'",
        ),
        (
            "３９",
            "must be 2 to 4 digits, optionally prefixed by its section letter, got '３９'",
        ),
    ],
)
def test_normalise_rejects_bad_codes_with_a_message_saying_what_is_wrong(raw: str, message: str) -> None:
    with pytest.raises(UnknownIndustryCode) as excinfo:
        normalise_industry_code(raw)
    assert str(excinfo.value) == message


def test_unknown_industry_code_is_a_value_error() -> None:
    assert issubclass(UnknownIndustryCode, ValueError)


@pytest.mark.parametrize(
    ("code", "letter"),
    [("39", "C"), ("3911", "C"), ("C391", "C"), ("05", "A"), ("52", "F"), ("83", "P"), ("97", "T")],
)
def test_section_of_accepts_division_and_finer_codes(code: str, letter: str) -> None:
    assert section_of(code) is SECTIONS[letter]


def test_section_of_rejects_unknown_codes() -> None:
    with pytest.raises(UnknownIndustryCode):
        section_of("98")


def test_weights_cover_every_division_and_sum_to_one() -> None:
    assert set(DIVISION_WEIGHTS) == set(DIVISIONS)
    assert math.isclose(sum(DIVISION_WEIGHTS.values()), 1.0, abs_tol=1e-9)
    assert all(w >= 0 for w in DIVISION_WEIGHTS.values())


def test_weights_make_wholesale_and_retail_the_two_largest_divisions() -> None:
    top_two = sorted(DIVISION_WEIGHTS, key=DIVISION_WEIGHTS.__getitem__, reverse=True)[:2]
    assert set(top_two) == {"51", "52"}


def test_only_non_market_divisions_may_have_zero_weight() -> None:
    zero = {code for code, w in DIVISION_WEIGHTS.items() if w == 0}
    assert zero <= {"91", "92", "93", "94", "95", "96", "97"}
