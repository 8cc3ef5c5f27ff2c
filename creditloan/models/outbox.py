from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    """A Celery task that a committed write must set going (a transactional outbox).

    The row is written in the same transaction as the write, so it exists exactly when the write does. It is
    sent to the broker once the transaction commits and deleted when its task has run to the end; a row still
    here after its grace period (the broker was down, the worker died mid-task) is sent again by the relay,
    with a growing pause, and set aside after too many tries for an operator to look at."""

    task = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("arguments"), default=list)
    created_at = models.DateTimeField(_("written at"))
    next_attempt_at = models.DateTimeField(_("sent again from"))
    attempts = models.PositiveSmallIntegerField(_("times sent again"), default=0)
    gave_up_at = models.DateTimeField(_("set aside at"), null=True, blank=True)

    class Meta:
        verbose_name = _("task waiting to run")
        verbose_name_plural = _("tasks waiting to run")
        indexes = [
            # The relay's question: what is due and not set aside, oldest first.
            models.Index(fields=["next_attempt_at"], name="outbox_due", condition=Q(gave_up_at__isnull=True)),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(next_attempt_at__gte=models.F("created_at")), name="outbox_due_after_written"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task}{tuple(self.args)}"
