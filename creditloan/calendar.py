"""The official working calendar (工作日): the State Council's public holidays and its make-up working days (调休),
as the chinesecalendar library knows them (2004 to the last year it was released for), with the operator's table
(CalendarDay) winning for its dates. A year neither knows falls back to Monday–Friday; deadlines that fall there are
flagged to the operator, who can enter the year's notice on the calendar page.

Every deadline a bank is held to (to accept an offer, to decide once accepted) is counted here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

import chinese_calendar
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from creditloan.errors import DomainError, ErrorCode
from creditloan.models import CalendarDay

LIBRARY_FIRST_YEAR = min(chinese_calendar.holidays).year
LIBRARY_LAST_YEAR = max(chinese_calendar.holidays).year
NOTE_MAX = CalendarDay._meta.get_field("note").max_length
# Years the operator may enter: the library's first, up to a few years ahead (a notice comes out in the autumn).
YEARS_AHEAD = 5


def _library_says(day: dt.date) -> bool | None:
    """Whether the library counts `day` as a working day; None for a year it does not know."""
    if not LIBRARY_FIRST_YEAR <= day.year <= LIBRARY_LAST_YEAR:
        return None
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return None


def _table_between(first: dt.date, last: dt.date) -> dict[dt.date, bool]:
    return dict(CalendarDay.objects.filter(date__range=(first, last)).values_list("date", "working"))


def operator_days() -> dict[dt.date, bool]:
    """The operator's whole table: each day entered, and whether it is a working day."""
    return dict(CalendarDay.objects.values_list("date", "working"))


def is_working_day(day: dt.date) -> bool:
    """The operator's table, else the library, else Monday to Friday."""
    return _working(day, _table_between(day, day))


def _working(day: dt.date, table: dict[dt.date, bool]) -> bool:
    if day in table:
        return table[day]
    said = _library_says(day)
    return said if said is not None else day.weekday() < 5


def years_entered() -> set[int]:
    """Years the operator has entered at least one day of: the table then stands for that year's notice."""
    return {day.year for day in CalendarDay.objects.dates("date", "year")}


def calendar_known_until() -> dt.date:
    """The last day the official calendar is known for: the end of the library's last year, or of the last year the
    operator has entered days for, whichever is later (and with no year missing in between)."""
    last, entered = LIBRARY_LAST_YEAR, years_entered()
    while last + 1 in entered:
        last += 1
    return dt.date(last, 12, 31)


def working_days_after(start: dt.datetime | dt.date, days: int) -> dt.datetime | dt.date:
    """`days` official working days after `start`, at the same time of day (Beijing time) for a moment. The day of
    `start` itself does not count, so an offer made on a holiday has its full days after it."""
    return working_days_after_each(start, [days])[days]


def working_days_after_each(
    start: dt.datetime | dt.date, days: Iterable[int], operator_table: Mapping[dt.date, bool] | None = None
) -> dict:
    """working_days_after for each of several counts of days from one start, by count, the operator's table read
    once: the deadlines of the offers one routing makes, whose banks give different times. `operator_table`
    (operator_days' whole table, as a worker keeps it) spares the read."""
    counts = set(days)
    if any(count < 0 for count in counts):
        raise ValueError("days must not be negative")
    if not counts:
        return {}
    moment = timezone.localtime(start) if isinstance(start, dt.datetime) and timezone.is_aware(start) else start
    day = moment.date() if isinstance(moment, dt.datetime) else moment
    most = max(counts)
    # Read the table in spans long enough for any run of holidays (Spring Festival is at most 9 days off).
    span = dt.timedelta(days=2 * most + 20)
    table_end = dt.date.max if operator_table is not None else day + span
    table = operator_table if operator_table is not None else _table_between(day, table_end)
    reached = {0: day} if 0 in counts else {}
    passed = 0
    while passed < most:
        day += dt.timedelta(days=1)
        if day > table_end:
            table.update(_table_between(day, day + span))
            table_end = day + span
        if _working(day, table):
            passed += 1
            if passed in counts:
                reached[passed] = day
    return {count: _at_time_of(moment, reached_day) for count, reached_day in reached.items()}


def _at_time_of(moment: dt.datetime | dt.date, day: dt.date) -> dt.datetime | dt.date:
    """`day` at the time of day of `moment` (in its zone), or `day` itself when `moment` is a date."""
    if isinstance(moment, dt.datetime):
        naive = dt.datetime.combine(day, moment.timetz().replace(tzinfo=None))
        return timezone.make_aware(naive, moment.tzinfo) if timezone.is_aware(moment) else naive
    return day


def working_days_between(first: dt.date, last: dt.date) -> int:
    """How many official working days fall after `first`, up to and including `last` (none when `last` is not
    after `first`): "in 3 working days" beside a deadline. One read of the operator's table."""
    if last <= first:
        return 0
    table = _table_between(first, last)
    return sum(_working(first + dt.timedelta(days=offset), table) for offset in range(1, (last - first).days + 1))


@transaction.atomic
def calendar_day_set(*, date: dt.date, working: bool, note: str = "", by=None) -> tuple[CalendarDay, bool]:
    """Enter one day of a State Council notice (a holiday, or a make-up working day); an existing entry for the date is
    replaced. Deadlines already set stay as they were. Returns the row and whether it is new."""
    note = (note or "").strip()
    if not isinstance(date, dt.date) or isinstance(date, dt.datetime):
        raise DomainError(ErrorCode.INVALID_INPUT, _("date: “%(date)s” is not a date") % {"date": date}, field="date")
    latest = timezone.localdate().year + YEARS_AHEAD
    if not LIBRARY_FIRST_YEAR <= date.year <= latest:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            _("date: %(date)s is outside the years the calendar keeps, %(first)d–%(last)d")
            % {"date": date.isoformat(), "first": LIBRARY_FIRST_YEAR, "last": latest},
            field="date",
        )
    if len(note) > NOTE_MAX:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            _("note: %(length)d characters, at most %(most)d") % {"length": len(note), "most": NOTE_MAX},
            field="note",
        )
    return CalendarDay.objects.update_or_create(
        date=date, defaults={"working": bool(working), "note": note, "recorded_by": by}
    )


@transaction.atomic
def calendar_day_remove(*, date: dt.date) -> bool:
    """Remove the operator's entry for a date (the library, or Monday–Friday, holds for it again). Returns whether
    there was one."""
    deleted, _rows = CalendarDay.objects.filter(date=date).delete()
    return bool(deleted)


def calendar_days_entered() -> list[CalendarDay]:
    """The operator's entries, newest year first, each year's days in order."""
    return sorted(CalendarDay.objects.all(), key=lambda day: (-day.date.year, day.date))
