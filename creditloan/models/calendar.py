"""The operator's own entries in the official working calendar: days the State Council's notice declares a holiday or
a make-up working day (调休), for years the chinesecalendar library does not know yet, or to correct it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarDay(models.Model):
    """One day of the official calendar as the operator states it; it wins over the library for its date."""

    date = models.DateField(_("date"), unique=True)
    working = models.BooleanField(_("working day"), help_text=_("off: a holiday; on: a make-up working day (调休)"))
    note = models.CharField(_("note (e.g. the holiday's name)"), max_length=200, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {'working' if self.working else 'holiday'}"
