"""The transactional outbox: a task that a committed write sets going is kept until it has run, sent again by the
relay with a pause that doubles, and set aside for a person after the last try. (That a lost task ends with the
application scored and routed once is in tests/scoring/test_training_and_scoring.py; that a worker killed
mid-task or a Redis outage loses nothing, in bench/drills/.)"""

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from creditloan.flows.applications import application_submit
from creditloan.models import OutboxMessage
from creditloan.outbox import outbox_relay, task_send_after_commit
from creditloan.tasks import prune_idempotency_records
from matching.tasks import route_application
from scoring.tasks import score_application
from tests.factories import STOCK_LOAN_TERMS, EnterpriseFactory, acting_for

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def tasks_go_to_the_broker(settings):
    """Tasks are sent as messages (to Redis in CI, to kombu's in-memory transport elsewhere) and nothing here
    runs them: what the relay sends can be counted without running it."""
    settings.CELERY_TASK_ALWAYS_EAGER = False


# An application that does not exist: routing it finds nothing to do, which is a success.
NO_SUCH_APPLICATION = 999_999


def waiting_task(**fields) -> OutboxMessage:
    fields = {"created_at": NOW, "next_attempt_at": NOW + dt.timedelta(minutes=2)} | fields
    return OutboxMessage.objects.create(task=route_application.name, args=[NO_SUCH_APPLICATION], **fields)


def test_a_submission_keeps_its_scoring_task_in_the_outbox_until_it_has_run(django_capture_on_commit_callbacks):
    firm = EnterpriseFactory()
    person = acting_for(firm)

    with django_capture_on_commit_callbacks() as callbacks:
        application = application_submit(applicant=person, enterprise_id=firm.pk, **STOCK_LOAN_TERMS)

    message = OutboxMessage.objects.get()
    assert (message.task, message.args, message.attempts) == (score_application.name, [application.pk], 0)
    assert message.next_attempt_at - message.created_at == dt.timedelta(seconds=120)
    assert len(callbacks) == 1


def test_a_write_rolled_back_leaves_nothing_to_send(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(RuntimeError), transaction.atomic():
        task_send_after_commit(route_application, NO_SUCH_APPLICATION)
        raise RuntimeError("the write failed after the task was asked for")

    assert not OutboxMessage.objects.exists()
    assert callbacks == []


def test_a_task_that_succeeds_deletes_its_row(settings, django_capture_on_commit_callbacks):
    settings.CELERY_TASK_ALWAYS_EAGER = True

    with django_capture_on_commit_callbacks(execute=True):
        task_send_after_commit(route_application, NO_SUCH_APPLICATION)

    assert not OutboxMessage.objects.exists()


def test_only_a_task_that_clears_its_row_can_be_sent_through_the_outbox():
    with pytest.raises(TypeError, match="prune_idempotency_records"), transaction.atomic():
        task_send_after_commit(prune_idempotency_records)


def test_the_relay_leaves_alone_what_is_still_within_its_grace_period(tasks_go_to_the_broker):
    message = waiting_task()

    sent = outbox_relay(now=message.next_attempt_at - dt.timedelta(seconds=1))

    message.refresh_from_db()
    assert (sent, message.attempts) == (0, 0)


def test_the_relay_sends_again_with_a_pause_that_doubles_then_sets_the_task_aside(tasks_go_to_the_broker, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 4
    message = waiting_task()
    pauses, now = [], message.next_attempt_at

    for _ in range(4):
        assert outbox_relay(now=now) == 1
        message.refresh_from_db()
        pauses.append(message.next_attempt_at - now)
        now = message.next_attempt_at
    last = outbox_relay(now=now)

    message.refresh_from_db()
    assert pauses == [dt.timedelta(minutes=minutes) for minutes in (4, 8, 16, 32)]
    assert last == 0
    assert message.gave_up_at == now
    assert outbox_relay(now=now + dt.timedelta(days=1)) == 0


def test_the_pause_never_grows_past_an_hour(tasks_go_to_the_broker):
    message = waiting_task(created_at=NOW, next_attempt_at=NOW, attempts=6)

    outbox_relay(now=NOW)

    message.refresh_from_db()
    assert message.next_attempt_at - NOW == dt.timedelta(hours=1)


def test_the_relay_sends_the_oldest_first_and_at_most_a_batch_at_a_time(tasks_go_to_the_broker):
    OutboxMessage.objects.bulk_create(
        OutboxMessage(
            task=route_application.name,
            args=[NO_SUCH_APPLICATION],
            created_at=NOW,
            next_attempt_at=NOW + dt.timedelta(seconds=index),
        )
        for index in range(501)
    )

    sent = outbox_relay(now=NOW + dt.timedelta(hours=1))

    assert sent == 500
    assert list(OutboxMessage.objects.filter(attempts=0).values_list("next_attempt_at", flat=True)) == [
        NOW + dt.timedelta(seconds=500)
    ]


def test_an_operator_sends_a_task_set_aside_again_from_the_admin(admin_client, tasks_go_to_the_broker):
    message = waiting_task(created_at=NOW, next_attempt_at=NOW, attempts=8, gave_up_at=NOW)

    response = admin_client.post(
        reverse("admin:creditloan_outboxmessage_changelist"),
        {"action": "send_again", "_selected_action": [message.pk]},
        follow=True,
    )

    message.refresh_from_db()
    assert response.status_code == 200
    assert (message.gave_up_at, message.attempts) == (None, 0)
    assert message.next_attempt_at <= timezone.now()
    assert outbox_relay() == 1


def test_an_operator_catches_up_at_once_after_an_outage_with_the_command(tasks_go_to_the_broker, capsys):
    now = timezone.now()
    waiting_task(created_at=now, next_attempt_at=now + dt.timedelta(minutes=2))
    waiting_task(created_at=now, next_attempt_at=now, attempts=8, gave_up_at=now)

    call_command("relay_outbox", "--all")

    assert capsys.readouterr().out.strip() == "sent 2 tasks again; 2 still waiting, 0 set aside"
    assert list(OutboxMessage.objects.values_list("attempts", flat=True)) == [1, 1]


def test_a_process_that_only_queues_a_task_does_not_import_the_workers_code():
    """With a broker, a task is sent by its name: an import or a web request that queues the re-rating does not
    import every app's tasks module, and with them scikit-learn and LightGBM, to hand the broker a message."""
    import subprocess
    import sys

    program = """
import os, sys, django
os.environ["DJANGO_SETTINGS_MODULE"] = "creditloan.settings.test"
os.environ["CELERY_BROKER_URL"] = "memory://localhost/"
django.setup()
from django.conf import settings
settings.CELERY_TASK_ALWAYS_EAGER = False
from creditloan.models import OutboxMessage
from creditloan.outbox import _publish
sent = _publish(OutboxMessage(pk=1, task="scoring.tasks.rerate_population", args=[]))
print(sent, sorted(name for name in ("scoring.tasks", "matching.tasks", "lightgbm", "sklearn") if name in sys.modules))
"""
    answer = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True, timeout=60)

    assert answer.stdout.split("\n")[-2] == "True []"
