"""The application's state machine: a test per (state, event) pair."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from creditloan.errors import DomainError, ErrorCode
from creditloan.models import Application
from creditloan.models.applications import ApplicationStatus
from creditloan.states import (
    APPLICATION_EVENTS,
    APPLICATION_TRANSITIONS,
    application_transition,
    application_transition_held,
    applications_transition_held,
)
from tests.factories import ApplicationFactory, EnterpriseFactory


@pytest.fixture
def application(db) -> Application:
    return ApplicationFactory()


@pytest.mark.parametrize("state", ApplicationStatus.values)
@pytest.mark.parametrize("event", APPLICATION_EVENTS)
def test_an_application_moves_exactly_as_its_table_says(application, state, event):
    Application.objects.filter(pk=application.pk).update(status=state)
    target = APPLICATION_TRANSITIONS.get((state, event))

    if target is None:
        with pytest.raises(DomainError) as error:
            application_transition(application_id=application.pk, event=event)
        assert error.value.code == ErrorCode.INVALID_TRANSITION
        assert f"is “{ApplicationStatus(state).label}”: it cannot {event}" in error.value.message
        application.refresh_from_db()
        assert application.status == state
    else:
        assert application_transition(application_id=application.pk, event=event).status == target
        application.refresh_from_db()
        assert application.status == target


@pytest.mark.parametrize("state", ApplicationStatus.values)
@pytest.mark.parametrize("event", APPLICATION_EVENTS)
def test_an_application_held_under_its_callers_lock_moves_by_the_same_table(application, state, event):
    Application.objects.filter(pk=application.pk).update(status=state)
    target = APPLICATION_TRANSITIONS.get((state, event))

    with transaction.atomic():
        held = Application.objects.select_for_update().get(pk=application.pk)
        if target is None:
            with pytest.raises(DomainError) as error:
                application_transition_held(held, event=event)
            assert error.value.code == ErrorCode.INVALID_TRANSITION
        else:
            assert application_transition_held(held, event=event).status == target

    application.refresh_from_db()
    assert application.status == (state if target is None else target)


def test_a_held_application_moves_only_inside_its_callers_transaction(transactional_db):
    application = ApplicationFactory()

    with pytest.raises(transaction.TransactionManagementError):
        application_transition_held(application, event="score")

    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED


def test_held_applications_move_each_by_its_own_event_in_one_update_for_each_state_reached(db):
    firm = EnterpriseFactory()
    submitted, also_submitted, scored = ApplicationFactory.create_batch(3, enterprise=firm)
    Application.objects.filter(pk=scored.pk).update(status=ApplicationStatus.SCORED)

    with transaction.atomic():
        held = list(Application.objects.select_for_update().filter(pk__in=[submitted.pk, also_submitted.pk, scored.pk]))
        by_id = {application.pk: application for application in held}
        with CaptureQueriesContext(connection) as statements:
            applications_transition_held(
                [(by_id[submitted.pk], "score"), (by_id[also_submitted.pk], "score"), (by_id[scored.pk], "match")]
            )

    assert len(statements.captured_queries) == 2
    assert dict(Application.objects.values_list("pk", "status")) == {
        submitted.pk: ApplicationStatus.SCORED,
        also_submitted.pk: ApplicationStatus.SCORED,
        scored.pk: ApplicationStatus.MATCHED,
    }


def test_a_move_the_table_does_not_allow_refuses_the_batch_in_the_words_it_refuses_one_alone(db):
    submitted, scored = ApplicationFactory.create_batch(2, enterprise=EnterpriseFactory())
    Application.objects.filter(pk=scored.pk).update(status=ApplicationStatus.SCORED)

    with pytest.raises(DomainError) as error, transaction.atomic():
        held = {application.pk: application for application in Application.objects.select_for_update()}
        applications_transition_held([(held[submitted.pk], "score"), (held[scored.pk], "score")])

    assert error.value.code == ErrorCode.INVALID_TRANSITION
    assert f"application #{scored.pk} is “{ApplicationStatus.SCORED.label}”: it cannot score" in error.value.message
