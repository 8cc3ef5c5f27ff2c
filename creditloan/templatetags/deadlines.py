"""A deadline as a person reads it beside its date: "in 3 working days", "today, by 17:00", "overdue by 2 days".
Working days are the official calendar's (creditloan.calendar), the one deadlines are set in, so "in 3 working days"
counts as the bank's deadline was counted."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from creditloan.calendar import working_days_between

register = template.Library()


def deadline_words(due_at: dt.datetime, *, now: dt.datetime) -> str:
    """How far off the deadline is, or how late: working days ahead (the unit deadlines are set in), the time
    when it falls today, calendar days or hours once it has passed."""
    if due_at < now:
        late = now - due_at
        if late.days:
            return ngettext("overdue by %(count)d day", "overdue by %(count)d days", late.days) % {"count": late.days}
        hours = late.seconds // 3600
        if hours:
            return ngettext("overdue by %(count)d hour", "overdue by %(count)d hours", hours) % {"count": hours}
        minutes = max(late.seconds // 60, 1)
        return ngettext("overdue by %(count)d minute", "overdue by %(count)d minutes", minutes) % {"count": minutes}
    today, day = timezone.localdate(now), timezone.localdate(due_at)
    if day == today:
        return _("today, by %(time)s") % {"time": timezone.localtime(due_at).strftime("%H:%M")}
    working = working_days_between(today, day)
    if working:
        return ngettext("in %(count)d working day", "in %(count)d working days", working) % {"count": working}
    # Due on a day off (a deadline set by hand), with no working day before it.
    days = (day - today).days
    return ngettext("in %(count)d day", "in %(count)d days", days) % {"count": days}


@register.filter
def due_words(due_at: dt.datetime | None) -> str:
    """deadline_words from now; nothing for no deadline (a finished offer has none to meet)."""
    return "" if due_at is None else deadline_words(due_at, now=timezone.now())


@register.filter
def is_overdue(due_at: dt.datetime | None) -> bool:
    return due_at is not None and due_at < timezone.now()
