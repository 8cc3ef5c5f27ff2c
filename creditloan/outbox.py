"""Tasks set going by committed writes, never lost between the commit and the broker: a transactional outbox.

`task_send_after_commit` writes an `OutboxMessage` in the caller's transaction and sends the task once that
commits. The task, an `OutboxTask`, deletes its row when it has run to the end. So a row outlives its grace
period only when something failed in between: the broker was down at the commit, the web process died right
after it, or the worker died mid-task (Redis would hand the task back only after its visibility timeout,
hours later). `outbox_relay`, run by beat, sends such rows again, each with a pause that doubles, and sets a row
aside after `OUTBOX_MAX_ATTEMPTS` for an operator (the admin lists them). A task may therefore run more than
once; every task sent this way is idempotent, which is what makes "at least once" come out as "once".
"""

from __future__ import annotations

import datetime as dt
import logging
import threading

from celery import Task, current_app
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerUnreachable

from creditloan.models import OutboxMessage

logger = logging.getLogger(__name__)

# The message header that carries the row's id to the worker.
OUTBOX_HEADER = "outbox_id"
RELAY_BATCH = 500
LONGEST_PAUSE = dt.timedelta(hours=1)


class OutboxTask(Task):
    """A task that may have been sent through the outbox: once it succeeds, its row has done its job."""

    def on_success(self, retval, task_id, args, kwargs) -> None:
        outbox_id = (self.request.headers or {}).get(OUTBOX_HEADER)
        if outbox_id is not None:
            OutboxMessage.objects.filter(pk=outbox_id).delete()


def task_send_after_commit(task: Task | str, *args) -> OutboxMessage:
    """Run `task(*args)` once the current transaction commits, and make sure it does run even if the broker or
    a worker fails on the way. Must be called inside a transaction. `task` is the task or its registered name:
    the flows (creditloan/flows/) sit below the tasks that call them, so they name the next step's task rather
    than import it. A name is sent as it is, without importing the task (see _publish); every name the flows
    use is held to an outbox task by tests/creditloan/test_flows.py."""
    if not isinstance(task, str) and not isinstance(task, OutboxTask):
        raise TypeError(f"{task.name} must be declared with base=OutboxTask to be sent through the outbox")
    name = task if isinstance(task, str) else task.name
    now = timezone.now()
    message = OutboxMessage.objects.create(task=name, args=list(args), created_at=now, next_attempt_at=now + _grace())
    # robust: a task run eagerly (no broker configured) that fails is logged; the write stays committed.
    transaction.on_commit(lambda: _publish(message), robust=True)
    return message


def outbox_relay(*, now: dt.datetime | None = None) -> int:
    """Send again every message past its grace period and not set aside, oldest first, up to RELAY_BATCH of
    them; returns how many reached the broker. Each is first given its next time (the pause doubles with each
    try) in a transaction of its own, so two relays never send the same row at once and a relay that dies
    half-way leaves nothing claimed for long. Stops at the first message the broker refuses."""
    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(gave_up_at__isnull=True, next_attempt_at__lte=now)
            .order_by("next_attempt_at")[:RELAY_BATCH]
        )
        for message in due:
            message.attempts += 1
            if message.attempts > settings.OUTBOX_MAX_ATTEMPTS:
                message.gave_up_at = now
                logger.error("outbox: %s #%d set aside after %d tries", message.task, message.pk, message.attempts - 1)
            else:
                message.next_attempt_at = now + min(_grace() * 2**message.attempts, LONGEST_PAUSE)
        OutboxMessage.objects.bulk_update(due, ["attempts", "next_attempt_at", "gave_up_at"])
    sent = 0
    for message in due:
        if message.gave_up_at is not None:
            continue
        if not _publish(message):
            break
        sent += 1
    if sent:
        logger.info("outbox: sent %d waiting tasks again", sent)
    return sent


def outbox_retry(*, message_ids: list[int]) -> int:
    """An operator's "send again": messages set aside (or waiting) become due now with their count reset."""
    now = timezone.now()
    return OutboxMessage.objects.filter(pk__in=message_ids).update(gave_up_at=None, attempts=0, next_attempt_at=now)


def _publish(message: OutboxMessage) -> bool:
    # No publish retries: the row is the retry. A request need not wait on a broker that is down.
    options = {"args": message.args, "headers": {OUTBOX_HEADER: message.pk}, "retry": False}
    try:
        if settings.CELERY_TASK_ALWAYS_EAGER:
            registered_task(message.task).apply_async(**options)  # run here and now: the task itself is needed
        else:
            # By name, as apply_async itself sends (the queue comes from CELERY_TASK_ROUTES, by name too): a process
            # that only queues the task, a web request or an import, need not import every app's tasks module, and
            # with them scikit-learn and LightGBM, about a second, to hand the broker a message.
            current_app.send_task(message.task, **options)
    except BrokerUnreachable as error:
        logger.warning("outbox: broker unreachable (%s); %s #%d waits for the relay", error, message.task, message.pk)
        return False
    return True


def registered_task(name: str) -> Task:
    """The task registered under `name`. A web process imports the apps' tasks modules only when something asks
    for one (Celery's autodiscovery is lazy), so a name not yet known has them imported first, by one thread
    while the others wait: a thread that found a tasks module half-imported by another would find its tasks not
    yet registered (the load drill's first submissions under gunicorn's threads answered 500). A name still
    unknown then is a KeyError (celery.exceptions.NotRegistered)."""
    if name not in current_app.tasks:
        with _DISCOVERY:
            if name not in current_app.tasks:
                current_app.loader.import_default_modules()
    return current_app.tasks[name]


_DISCOVERY = threading.Lock()


def _grace() -> dt.timedelta:
    return dt.timedelta(seconds=settings.OUTBOX_GRACE_SECONDS)
