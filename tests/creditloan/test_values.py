"""Every number and date is read by one reader per kind: ASCII digits, sane bounds, and one message that says
what is wrong. The reproductions of the issue are the first rows of each table."""

import datetime as dt
from decimal import Decimal

import pytest

from creditloan.values import (
    ValueRefused,
    amount_text,
    percent_text,
    read_amount,
    read_date,
    read_decimal,
    read_rate,
    read_rate_percent,
    read_weight,
    read_whole_number,
)

APPLICATION = {"minimum": Decimal("10000"), "maximum": Decimal("100000000")}


@pytest.mark.parametrize(
    ("raw", "amount"),
    [
        ("1,000,000", Decimal("1000000")),
        ("1,000,000.50", Decimal("1000000.50")),
        ("1000000", Decimal("1000000")),
        (" 250000.5 ", Decimal("250000.5")),
        (500000, Decimal("500000")),
        (500000.0, Decimal("500000.0")),
        ("10,000", Decimal("10000")),
        ("100,000,000.00", Decimal("100000000.00")),
    ],
)
def test_an_amount_in_ascii_digits_is_read_with_or_without_thousands_separators(raw, amount):
    assert read_amount(raw, **APPLICATION) == amount


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("１００００００", "'１００００００': write digits as 0–9 (half-width), not ０–９ or another script's"),
        ("1_000_000", "'1_000_000': write the number without underscores"),
        ("5e5", "'5e5': write the number out in digits, without an exponent"),
        ("-1", "-1 yuan is outside 10,000–100,000,000"),
        ("0", "0 yuan is outside 10,000–100,000,000"),
        ("-500000", "-500000 yuan is outside 10,000–100,000,000"),
        ("NaN", "'NaN' is not a number"),
        ("Infinity", "'Infinity' is not a number"),
        ("-inf", "'-inf' is not a number"),
        ("١٠٠٠٠٠", "'١٠٠٠٠٠': write digits as 0–9 (half-width), not ０–９ or another script's"),
        ("1,00,000", "'1,00,000': thousands separators go every three digits (1,000,000)"),
        ("1000,000", "'1000,000': thousands separators go every three digits (1,000,000)"),
        ("+50000", "'+50000': write the amount without a + sign"),
        ("50000.005", "50000.005 has more than two decimals"),
        ("¥50000", "'¥50000' is not an amount in yuan (like 1250000.00)"),
        (".5", "'.5' is not an amount in yuan (like 1250000.00)"),
        (True, "'true' is not a number"),
        (1e16, "'1e+16': write the number out in digits, without an exponent"),
    ],
)
def test_an_amount_written_any_other_way_is_refused_saying_what_is_wrong(raw, message):
    with pytest.raises(ValueRefused) as refusal:
        read_amount(raw, **APPLICATION)

    assert refusal.value.message == message


def test_an_amount_has_at_most_14_digits_before_the_point_and_is_not_negative_by_default():
    assert read_amount("99999999999999.99") == Decimal("99999999999999.99")
    with pytest.raises(ValueRefused, match="more than 14 digits before the point"):
        read_amount("100000000000000")
    with pytest.raises(ValueRefused, match="is negative; an amount is 0 yuan or more"):
        read_amount("-0")


@pytest.mark.parametrize(("raw", "text"), [("1250000.00", "1250000.00"), ("0", "0"), ("1,250,000.5", "1250000.5")])
def test_the_text_of_an_amount_is_kept_as_given_but_for_its_separators(raw, text):
    assert amount_text(raw) == text


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("１２", "'１２': write digits as 0–9 (half-width), not ０–９ or another script's"),
        ("0", "0 is not a whole number from 1 to 360"),
        ("361", "361 is not a whole number from 1 to 360"),
        ("-0", "-0 is not a whole number from 1 to 360"),
        ("12.0", "'12.0' is not a whole number"),
        ("1_2", "'1_2': write the number without underscores"),
        ("1e1", "'1e1': write the number out in digits, without an exponent"),
        ("1,2", "'1,2': write the number without separators"),
        ("9" * 5000, f"{'9' * 5000} is not a whole number from 1 to 360"),
        (True, "'true' is not a number"),
    ],
)
def test_a_whole_number_is_ascii_digits_within_its_bounds(raw, message):
    with pytest.raises(ValueRefused) as refusal:
        read_whole_number(raw, minimum=1, maximum=360)

    assert refusal.value.message == message


@pytest.mark.parametrize(("raw", "number"), [("12", 12), (" 360 ", 360), (1, 1), ("007", 7)])
def test_a_whole_number_in_ascii_digits_is_read(raw, number):
    assert read_whole_number(raw, minimum=1, maximum=360) == number


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("２０２７-０６-０１", "'２０２７-０６-０１': write digits as 0–9 (half-width), not ０–９ or another script's"),
        ("20270601", "'20270601' is not a date (YYYY-MM-DD)"),
        ("2027-6-1", "'2027-6-1' is not a date (YYYY-MM-DD)"),
        ("2027-02-30", "'2027-02-30' is not a date (YYYY-MM-DD)"),
        ("1949-09-30", "1949-09-30 is before 1949-10-01"),
        (dt.datetime(2027, 6, 1, 12), "'2027-06-01 12:00:00' is not a date (YYYY-MM-DD)"),
    ],
)
def test_a_date_is_yyyy_mm_dd_in_ascii_digits(raw, message):
    with pytest.raises(ValueRefused) as refusal:
        read_date(raw, earliest=dt.date(1949, 10, 1))

    assert refusal.value.message == message


def test_a_date_in_ascii_digits_is_read():
    assert read_date(" 2027-06-01 ") == dt.date(2027, 6, 1)
    assert read_date(dt.date(2027, 6, 1), latest=dt.date(2027, 6, 1)) == dt.date(2027, 6, 1)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (1e308, "1e+308 is not a weight from 0 to 100"),
        ("1e308", "'1e308': write the number out in digits, without an exponent"),
        (float("inf"), "'inf' is not a number"),
        (float("nan"), "'nan' is not a number"),
        ("-0.1", "-0.1 is not a weight from 0 to 100"),
        (100.5, "100.5 is not a weight from 0 to 100"),
        ("０.５", "'０.５': write digits as 0–9 (half-width), not ０–９ or another script's"),
    ],
)
def test_a_ranking_weight_is_finite_and_from_0_to_100(raw, message):
    with pytest.raises(ValueRefused) as refusal:
        read_weight(raw)

    assert refusal.value.message == message


@pytest.mark.parametrize(("raw", "weight"), [("0.25", 0.25), (0, 0.0), (100, 100.0), ("1", 1.0)])
def test_a_ranking_weight_in_range_is_read(raw, weight):
    assert read_weight(raw) == weight


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("4.5%", "'4.5%' is not a rate (like 0.0450 for 4.50%)"),
        ("4.5", "4.5 is not a rate from 0 to below 1 (write 4.50% as 0.0450)"),
        ("1", "1 is not a rate from 0 to below 1 (write 4.50% as 0.0450)"),
        ("0.04505", "0.04505 has more than four decimals"),
        ("０.０４５", "'０.０４５': write digits as 0–9 (half-width), not ０–９ or another script's"),
        ("4.5e-2", "'4.5e-2': write the number out in digits, without an exponent"),
    ],
)
def test_a_rate_is_a_fraction_below_1_with_at_most_four_decimals(raw, message):
    with pytest.raises(ValueRefused) as refusal:
        read_rate(raw)

    assert refusal.value.message == message


def test_a_rate_as_a_fraction_is_read():
    assert read_rate("0.0450") == Decimal("0.0450")
    assert read_rate(0.045) == Decimal("0.045")


@pytest.mark.parametrize(
    ("raw", "rate"),
    [
        ("4.5", Decimal("0.0450")),
        ("4.50", Decimal("0.0450")),
        ("4.50%", Decimal("0.0450")),
        ("4.5％", Decimal("0.0450")),
        (" 12 % ", Decimal("0.12")),
        ("0", Decimal("0")),
    ],
)
def test_a_rate_typed_in_percent_is_kept_as_the_fraction_products_store(raw, rate):
    assert read_rate_percent(raw) == rate


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("0.045%", "more than two decimals"),
        ("100", "from 0% to below 100%"),
        ("-4.5", "from 0% to below 100%"),
        ("４.５", "half-width"),
        ("4,5", "without separators"),
        ("", "not a rate in percent"),
    ],
)
def test_a_rate_in_percent_written_any_other_way_is_refused(raw, message):
    with pytest.raises(ValueRefused, match=message):
        read_rate_percent(raw)


def test_a_stored_rate_reads_in_percent():
    assert percent_text(Decimal("0.0450")) == "4.50%"
    assert percent_text(Decimal("0.2")) == "20.00%"


def test_a_decimal_number_keeps_to_its_places_and_bounds():
    assert read_decimal("1.5", places=1, minimum=0, maximum=Decimal("999.9")) == Decimal("1.5")
    with pytest.raises(ValueRefused, match="1.25 has too many decimals; at most 1"):
        read_decimal("1.25", places=1, minimum=0, maximum=Decimal("999.9"))
    with pytest.raises(ValueRefused, match="1.5 is outside 0–1"):
        read_decimal("1.5", places=4, minimum=0, maximum=1)
