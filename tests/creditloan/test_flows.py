"""The flows name the tasks of their next steps rather than import them: each name must be a task the workers
know, sent through the outbox. (What each flow does is proven where its behaviour is: the submission, review,
dispute and import tests.)"""

import pytest

from creditloan.flows import steps
from creditloan.outbox import OutboxTask, registered_task


@pytest.mark.parametrize("name", steps.ALL)
def test_every_next_step_is_a_registered_outbox_task(name):
    assert isinstance(registered_task(name), OutboxTask)


def test_a_name_no_worker_knows_is_refused_before_anything_is_stored(db):
    from creditloan.models import OutboxMessage
    from creditloan.outbox import task_send_after_commit

    with pytest.raises(KeyError):
        task_send_after_commit("scoring.tasks.no_such_task", 1)

    assert not OutboxMessage.objects.exists()
