"""The official working calendar: the State Council's holidays and make-up working days (调休) from chinesecalendar,
the operator's table winning over it, and Monday–Friday past what either knows."""

import datetime as dt
import zoneinfo

import pytest

from creditloan.calendar import (
    LIBRARY_LAST_YEAR,
    calendar_day_remove,
    calendar_day_set,
    calendar_known_until,
    is_working_day,
    working_days_after,
    working_days_between,
)
from creditloan.errors import DomainError
from creditloan.models import CalendarDay

pytestmark = pytest.mark.django_db

BEIJING = zoneinfo.ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        # National Day and Mid-Autumn, 10-01..10-07 off; Saturday 10-10 is a make-up working day.
        (dt.date(2026, 9, 30), 1, dt.date(2026, 10, 8)),
        (dt.date(2026, 9, 30), 3, dt.date(2026, 10, 10)),
        (dt.date(2026, 10, 9), 1, dt.date(2026, 10, 10)),
        (dt.date(2026, 10, 9), 2, dt.date(2026, 10, 12)),
        # Spring Festival, 02-15..02-23 off; Saturdays 02-14 and 02-28 are make-up working days.
        (dt.date(2026, 2, 13), 1, dt.date(2026, 2, 14)),
        (dt.date(2026, 2, 13), 2, dt.date(2026, 2, 24)),
        (dt.date(2026, 2, 13), 3, dt.date(2026, 2, 25)),
        (dt.date(2026, 2, 27), 1, dt.date(2026, 2, 28)),
        # An ordinary weekend.
        (dt.date(2026, 11, 27), 1, dt.date(2026, 11, 30)),
        (dt.date(2026, 11, 27), 3, dt.date(2026, 12, 2)),
    ],
)
def test_working_days_follow_the_state_councils_calendar(start, days, due):
    assert working_days_after(start, days) == due


def test_three_working_days_from_the_eve_of_national_day_land_after_the_holiday():
    # Counted Monday to Friday, this landed on 10-05, in the middle of the holiday. Officially 10-08 and 10-09 are the
    # first two working days after it and the make-up Saturday 10-10 the third; from 09-29, 09-30 is the first.
    assert working_days_after(dt.date(2026, 9, 30), 3) == dt.date(2026, 10, 10)
    assert working_days_after(dt.date(2026, 9, 29), 3) == dt.date(2026, 10, 9)


def test_a_moment_keeps_its_time_of_day_in_beijing():
    offered = dt.datetime(2026, 9, 30, 16, 30, tzinfo=BEIJING)

    due = working_days_after(offered, 3)

    assert due == dt.datetime(2026, 10, 10, 16, 30, tzinfo=BEIJING)


def test_a_moment_in_utc_is_counted_by_its_day_in_beijing():
    # 2026-09-30 17:00 UTC is already 10-01 01:00 in Beijing, a holiday: one working day on is 10-08.
    offered = dt.datetime(2026, 9, 30, 17, 0, tzinfo=dt.UTC)

    assert working_days_after(offered, 1) == dt.datetime(2026, 10, 8, 1, 0, tzinfo=BEIJING)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (dt.date(2026, 10, 1), False),
        (dt.date(2026, 10, 10), True),
        (dt.date(2026, 2, 14), True),
        (dt.date(2026, 2, 28), True),
        (dt.date(2026, 2, 16), False),
        (dt.date(2026, 12, 7), True),
        (dt.date(2026, 12, 6), False),
    ],
)
def test_is_working_day_reads_the_library(day, working):
    assert is_working_day(day) is working


def test_a_year_the_library_does_not_know_falls_back_to_monday_to_friday():
    assert LIBRARY_LAST_YEAR == 2026
    assert calendar_known_until() == dt.date(2026, 12, 31)

    # 2027-01-01 is a Friday: by Monday–Friday a working day, though it will be New Year's Day.
    assert is_working_day(dt.date(2027, 1, 1)) is True
    assert working_days_after(dt.date(2026, 12, 31), 1) == dt.date(2027, 1, 1)


def test_the_operators_table_overrides_the_fallback_for_2027():
    calendar_day_set(date=dt.date(2027, 1, 1), working=False, note="元旦")
    calendar_day_set(date=dt.date(2027, 1, 2), working=True, note="调休上班")

    assert is_working_day(dt.date(2027, 1, 1)) is False
    assert is_working_day(dt.date(2027, 1, 2)) is True
    assert working_days_after(dt.date(2026, 12, 31), 1) == dt.date(2027, 1, 2)
    assert working_days_after(dt.date(2026, 12, 31), 2) == dt.date(2027, 1, 4)
    assert calendar_known_until() == dt.date(2027, 12, 31)


def test_the_operators_table_wins_over_the_library():
    calendar_day_set(date=dt.date(2026, 10, 12), working=False, note="示例更正")

    assert working_days_after(dt.date(2026, 10, 9), 2) == dt.date(2026, 10, 13)


def test_a_day_entered_again_is_replaced_and_removed_it_falls_back():
    calendar_day_set(date=dt.date(2027, 2, 6), working=False)
    row, created = calendar_day_set(date=dt.date(2027, 2, 6), working=True, note="调休")

    assert (created, row.working, CalendarDay.objects.count()) == (False, True, 1)
    assert calendar_day_remove(date=dt.date(2027, 2, 6)) is True
    assert calendar_day_remove(date=dt.date(2027, 2, 6)) is False
    assert is_working_day(dt.date(2027, 2, 6)) is False  # a Saturday again


def test_a_long_run_of_entered_holidays_is_read_past_the_first_span():
    for offset in range(40):
        calendar_day_set(date=dt.date(2027, 3, 1) + dt.timedelta(days=offset), working=False)

    assert working_days_after(dt.date(2027, 2, 26), 1) == dt.date(2027, 4, 12)


@pytest.mark.parametrize(
    ("given", "field", "words"),
    [
        ({"date": dt.date(1999, 1, 1), "working": False}, "date", "outside the years the calendar keeps"),
        ({"date": "2027-01-01", "working": False}, "date", "is not a date"),
        ({"date": dt.date(2027, 1, 1), "working": False, "note": "x" * 201}, "note", "at most 200"),
    ],
)
def test_a_bad_entry_is_refused_naming_its_field(given, field, words):
    with pytest.raises(DomainError, match=words) as refusal:
        calendar_day_set(**given)

    assert refusal.value.field == field
    assert not CalendarDay.objects.exists()


@pytest.mark.parametrize(
    ("first", "last", "count"),
    [
        (dt.date(2026, 9, 30), dt.date(2026, 10, 10), 3),
        (dt.date(2026, 9, 30), dt.date(2026, 10, 7), 0),
        (dt.date(2026, 2, 13), dt.date(2026, 2, 25), 3),
        (dt.date(2026, 10, 9), dt.date(2026, 10, 9), 0),
        (dt.date(2026, 10, 9), dt.date(2026, 10, 1), 0),
    ],
)
def test_working_days_between_counts_what_working_days_after_adds(first, last, count):
    assert working_days_between(first, last) == count
    if count:
        assert working_days_after(first, count) == last
