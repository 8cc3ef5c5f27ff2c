"""The flows name the tasks of their next steps rather than import them: each name must be a task the workers
know, sent through the outbox. (What each flow does is proven where its behaviour is: the submission, review,
dispute and import tests.)"""

import pytest

from creditloan.flows import steps
from creditloan.outbox import OUTBOX_TASKS, registered_task


@pytest.mark.parametrize("name", steps.ALL)
def test_every_next_step_is_a_registered_outbox_task(name):
    assert isinstance(registered_task(name), OUTBOX_TASKS)


def test_a_name_no_worker_knows_fails_where_it_is_run_and_keeps_its_row(
    db, tasks_run_in_process, django_capture_on_commit_callbacks
):
    """Run where it is sent, the task itself is needed: an unknown name is an error the commit's hook logs, the
    write is kept and the row is left to the relay, which sets it aside in time (a task that ran deletes its row).
    With a broker a name is sent as it is, unimported: the names the flows send are steps.ALL, each held above to
    a registered outbox task."""
    from creditloan.models import OutboxMessage
    from creditloan.outbox import task_send_after_commit

    with django_capture_on_commit_callbacks(execute=True):
        message = task_send_after_commit("scoring.tasks.no_such_task", 1)

    assert OutboxMessage.objects.filter(pk=message.pk, gave_up_at__isnull=True).exists()


def test_threads_of_a_fresh_web_process_naming_a_step_at_once_all_find_it():
    """gunicorn's threads: the first requests of a new process each name a task before any tasks module has been
    imported. In a fresh interpreter, 8 threads released together must all get the task, none NotRegistered."""
    import subprocess
    import sys

    program = """
import os, threading, django
os.environ["DJANGO_SETTINGS_MODULE"] = "creditloan.settings.test"
django.setup()
from creditloan.outbox import registered_task
barrier, found = threading.Barrier(8), []
def name_it():
    barrier.wait()
    found.append(registered_task("scoring.tasks.score_application").name)
threads = [threading.Thread(target=name_it) for _ in range(8)]
[thread.start() for thread in threads]
[thread.join() for thread in threads]
print(len(found))
"""
    ran = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120)

    assert ran.stdout.strip().splitlines()[-1] == "8", ran.stderr[-2000:]
