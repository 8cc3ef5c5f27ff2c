"""Tasks set going by committed writes, never lost between the commit and the broker: a transactional outbox.

`task_send_after_commit` writes an `OutboxMessage` in the caller's transaction and sends the task once that
commits. The task, an `OutboxTask` (or an `OutboxBatches`, run on a batch of messages), deletes its row when it
has run to the end. So a row outlives its grace period only when something failed in between: the broker was
down at the commit, the web process died right after it, or the worker died mid-task (Redis would hand the task
back only after its visibility timeout, hours later). `outbox_relay`, run by beat, sends such rows again, each
with a pause that doubles, and sets a row aside after `OUTBOX_MAX_ATTEMPTS` for an operator (the admin lists
them). A task may therefore run more than once; every task sent this way is idempotent, which is what makes "at
least once" come out as "once".
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from uuid import uuid4

from billiard.einfo import ExceptionInfo
from billiard.exceptions import WorkerLostError
from celery import Task, current_app
from celery.utils.nodenames import gethostname
from celery_batches import Batches, SimpleRequest
from celery_batches.trace import apply_batches_task
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


class OutboxBatches(Batches):
    """A task whose messages the worker takes in batches (celery-batches): it buffers up to `flush_every` of them
    (or what came within `flush_interval` seconds) and runs the task once on the list of their requests, each
    possibly sent through the outbox. `run(requests)` returns the requests it carried out to the end: their rows
    are deleted, the others' made due for the relay to send again at its next run. A batch that raises is logged
    by celery-batches and its messages acknowledged all the same, so the rows are what brings them back. A batch
    whose pool process dies hands its messages back to the broker at once (as reject_on_worker_lost does for a
    single task; see flush). The worker must fetch ahead enough messages for a batch to fill (--prefetch-multiplier;
    docs/operations.md)."""

    abstract = True

    def Strategy(self, task, app, consumer):  # noqa: N802 (Celery's name)
        """What takes this task's messages, built each time the worker's consumer starts, again after a lost
        connection to the broker. That restart clears the consumer's timer, and with it the flush celery-batches
        set going for its first request, and it still believes in: a batch short of flush_every would then wait
        for more messages for ever (the redis_outage drill saw applications settle minutes after Redis came
        back, at each sixteenth message the relay sent). Requests buffered from the lost connection are dropped:
        their messages went back to the broker with it (or, the broker lost, their outbox rows bring them back)."""
        if self._tref is not None:
            self._tref.cancel()
            self._tref = None
        while not self._buffer.empty():
            self._buffer.get_nowait()
        return super().Strategy(task, app, consumer)

    def flush(self, requests: list) -> object:
        """Hand the buffered requests to a pool process as one job, acknowledged once it has run (the task's
        acks_late), under the task's time limits as a single task's run is; what celery-batches does, and besides,
        a job lost with its process (killed, out of memory) puts its messages back on their queue: left
        unacknowledged in this process they would neither be run again until the worker restarts nor give back
        their places in its prefetch window. A job killed at its hard time limit is acknowledged, as a task that
        failed is: the outbox rows bring its messages back, after their pause."""
        batch = ([SimpleRequest.from_request(request) for request in requests],)

        def ran(_result) -> None:
            for request in requests:
                request.acknowledge()

        def failed(error: ExceptionInfo) -> None:
            lost = issubclass(error.type, WorkerLostError)
            if lost and len(requests) > 1:
                # Which of them took the process down is not known: each is run again as a job of its own, so that
                # one that does it again loops alone, as a single task would, and holds up none of the others.
                for request in requests:
                    self.flush([request])
                return
            for request in requests:
                if lost:
                    request.reject(requeue=True)
                else:
                    request.acknowledge()

        return self._pool.apply_async(
            apply_batches_task,
            (self, batch, 0, None),
            callback=ran,
            error_callback=failed,
            soft_timeout=self.soft_time_limit or self.app.conf.task_soft_time_limit,
            timeout=self.time_limit or self.app.conf.task_time_limit,
        )

    def __call__(self, requests: list[SimpleRequest]) -> int:
        done: list[SimpleRequest] = []
        try:
            done = super().__call__(requests)
        finally:
            carried_out = {request.id for request in done}
            finished, owed = [], []
            for request in requests:
                outbox_id = request.request_dict.get(OUTBOX_HEADER)
                if outbox_id is not None:
                    (finished if request.id in carried_out else owed).append(outbox_id)
            if finished:
                OutboxMessage.objects.filter(pk__in=finished).delete()
            if owed:
                # What failed (a lock, a dropped connection) is tried again at the relay's next run rather than after
                # the grace period: the relay's pause doubles with each try and sets the row aside in the end, which
                # is the retry with backoff a single task gets from autoretry.
                OutboxMessage.objects.filter(pk__in=owed, gave_up_at__isnull=True).update(
                    next_attempt_at=timezone.now()
                )
        return len(done)

    def apply(self, args=None, kwargs=None, *rest, **options):
        """Run here and now as a batch of one (the eager mode of a newcomer's machine and the tests), the message's
        headers (the outbox row's id) on its request as a worker would have them."""
        request = SimpleRequest(
            id=options.get("task_id") or uuid4().hex,
            name=self.name,
            args=tuple(args or ()),
            kwargs=kwargs or {},
            delivery_info={"is_eager": True},
            hostname=gethostname(),
            ignore_result=options.get("ignore_result", False),
            reply_to=None,
            correlation_id=None,
            request_dict=dict(options.get("headers") or {}),
        )
        return Task.apply(self, ([request],), {}, *rest, **options)


# What a task sent through the outbox is declared with: each deletes the rows of the messages it carried out.
OUTBOX_TASKS = (OutboxTask, OutboxBatches)


def task_send_after_commit(task: Task | str, *args) -> OutboxMessage:
    """Run `task(*args)` once the current transaction commits, and make sure it does run even if the broker or
    a worker fails on the way. Must be called inside a transaction. `task` is the task or its registered name:
    the flows (creditloan/flows/) sit below the tasks that call them, so they name the next step's task rather
    than import it. A name is sent as it is, without importing the task (see _publish); every name the flows
    use is held to an outbox task by tests/creditloan/test_flows.py."""
    if not isinstance(task, str) and not isinstance(task, OUTBOX_TASKS):
        raise TypeError(f"{task.name} must be declared with an outbox base ({OUTBOX_TASKS}) to be sent through it")
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
