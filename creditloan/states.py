"""The life of an application: an explicit state machine, one place that moves it.

Every move is an event looked up in a table of (state, event) → new state. The transition function locks the row
(select_for_update), checks the table against the state as it is now in the database, and saves; an event the
table does not allow from the current state is refused with a message naming both. The core, scoring and
matching all move applications, so it lives here; an offer's states are matching's (matching/states.py), moved by
the same steps (`transition_locked`) and refused in the same words (`transition_refusal`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db import models, transaction
from django.utils.translation import gettext as _

from creditloan.errors import DomainError, ErrorCode
from creditloan.models import Application
from creditloan.models.applications import ApplicationStatus

APPLICATION_TRANSITIONS: dict[tuple[str, str], str] = {
    (ApplicationStatus.SUBMITTED, "score"): ApplicationStatus.SCORED,
    # exclude: a policy rule, when scored; or no product the application is eligible for, when matched
    (ApplicationStatus.SUBMITTED, "exclude"): ApplicationStatus.NOT_ELIGIBLE,
    (ApplicationStatus.SCORED, "exclude"): ApplicationStatus.NOT_ELIGIBLE,
    (ApplicationStatus.SCORED, "match"): ApplicationStatus.MATCHED,
    (ApplicationStatus.MATCHED, "grant"): ApplicationStatus.GRANTED,
    (ApplicationStatus.MATCHED, "exhaust"): ApplicationStatus.DECLINED,  # every ranked product declined or lapsed
    (ApplicationStatus.SUBMITTED, "withdraw"): ApplicationStatus.WITHDRAWN,
    (ApplicationStatus.SCORED, "withdraw"): ApplicationStatus.WITHDRAWN,
    (ApplicationStatus.MATCHED, "withdraw"): ApplicationStatus.WITHDRAWN,
    # A knock-out that no longer holds (the record repaired or found wrong, or a person's review overturned
    # it): the application is scored again and matched.
    (ApplicationStatus.NOT_ELIGIBLE, "reinstate"): ApplicationStatus.SCORED,
}

APPLICATION_EVENTS = sorted({event for _, event in APPLICATION_TRANSITIONS})


def transition_refusal(thing: str, current: str, event: str, table: dict) -> DomainError:
    """Says what the thing is now and what can still happen to it; `thing` names it in the reader's language."""
    allowed = sorted(event_ for (state, event_) in table if state == current)
    said = {"thing": thing, "status": current.label, "event": event, "allowed": ", ".join(allowed)}
    return DomainError(
        ErrorCode.INVALID_TRANSITION,
        _("%(thing)s is “%(status)s”: it cannot %(event)s (from here it can: %(allowed)s)") % said
        if allowed
        else _("%(thing)s is “%(status)s”: it cannot %(event)s (that state is final)") % said,
        field="status",
    )


def transition_locked(
    model: type[models.Model],
    row_id: int,
    event: str,
    *,
    table: dict,
    events: list[str],
    states: type[models.TextChoices],
    unknown: str,
    thing: str,
    fields: dict,
    held: models.Model | None = None,
):
    """The row locked (select_for_update) and moved by `event` from the state it is in now, as `table` allows,
    with `fields` set; the caller saves it. An event not among `events` (the table's, as a list: any value, even
    one that cannot be hashed, is looked up by equality) is refused with `unknown` (with its %(event)s), a move
    the table does not allow from here by `transition_refusal`, naming `thing` (with the row's %(number)d).
    `held` is the row when the caller has read it under its lock in this transaction already: it is not read
    again."""
    if event not in events:
        raise DomainError(ErrorCode.INVALID_INPUT, unknown % {"event": event}, field="event")
    row = held if held is not None else model.objects.select_for_update().get(pk=row_id)
    target = table.get((row.status, event))
    if target is None:
        raise transition_refusal(thing % {"number": row.pk}, states(row.status), event, table)
    row.status = target
    for name, value in fields.items():
        setattr(row, name, value)
    return row


@transaction.atomic
def application_transition(*, application_id: int, event: str, **fields) -> Application:
    """Move an application by `event` under a row lock; `fields` are saved with the new state."""
    return _application_moved(application_id, event, fields)


def application_transition_held(application: Application, *, event: str, **fields) -> Application:
    """application_transition for an application the caller has read under its lock (select_for_update) in the
    transaction it is in, as scoring and routing do: the same table and refusal, without reading the row again
    or a savepoint of its own (a refusal rolls the caller's transaction back). `application` is moved and saved."""
    _held_in_callers_transaction()
    return _application_moved(application.pk, event, fields, held=application)


def applications_transition_held(moves: Iterable[tuple[Application, str]]) -> None:
    """application_transition_held for several applications the caller holds under their locks, each moved by its
    own event, as a batch scored or routed together moves them: each move checked against the table as one alone
    is (one refused refuses them all), then saved in one UPDATE for each state they reach, not one each."""
    _held_in_callers_transaction()
    reaching = defaultdict(list)
    for application, event in moves:
        reaching[_application_stepped(application.pk, event, {}, held=application).status].append(application.pk)
    for status, application_ids in reaching.items():
        Application.objects.filter(pk__in=application_ids).update(status=status)


def _held_in_callers_transaction() -> None:
    """A row read under the caller's lock is only held while the caller's transaction lasts."""
    if not transaction.get_connection().in_atomic_block:
        raise transaction.TransactionManagementError("a held application moves only inside the caller's transaction")


def _application_moved(application_id: int, event: str, fields: dict, held: Application | None = None) -> Application:
    application = _application_stepped(application_id, event, fields, held=held)
    application.save(update_fields=["status", *fields])
    return application


def _application_stepped(application_id: int, event: str, fields: dict, held: Application | None = None) -> Application:
    """The application moved by `event` (locked and read, unless `held`), not yet saved."""
    return transition_locked(
        Application,
        application_id,
        event,
        table=APPLICATION_TRANSITIONS,
        events=APPLICATION_EVENTS,
        states=ApplicationStatus,
        unknown=_("unknown application event '%(event)s'"),
        thing=_("application #%(number)d"),
        fields=fields,
        held=held,
    )
