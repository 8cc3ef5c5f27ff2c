"""A firm's requests to a person: a dispute of a record (异议), and a review of an automated knock-out; and the
operators' answers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import NamedTuple

from django.apps import apps
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from creditloan.errors import DomainError, ErrorCode
from creditloan.models import (
    DISPUTABLE_SOURCES,
    Application,
    Dispute,
    DisputeStatus,
    Enterprise,
    KnockOutReview,
    KnockOutReviewStatus,
    User,
)
from creditloan.models.applications import ApplicationStatus
from creditloan.services.acting import acting_for_required, locked_for
from creditloan.states import application_transition
from creditloan.values import choice_required, text_required

# 异议处理: the operator answers a dispute within this many days of it being raised.
DISPUTE_DAYS = 20
DISPUTE_REASON_MAX = 2000
# A person answers a request to review a knock-out within this many days.
KNOCKOUT_REVIEW_DAYS = 15
REVIEW_REASON_MAX = 2000


@transaction.atomic
def dispute_raise(*, user: User, enterprise: Enterprise, source: str, record_id: int, reason: str) -> Dispute:
    """A person acting for the firm contests one of its records; the operator must answer by the deadline."""
    acting_for_required(
        user, enterprise, may="view_report", refused=_("you may not see or dispute the records of %(uscc)s")
    )
    choice_required(
        source, DISPUTABLE_SOURCES, field="source", refused=_("source: '%(value)s' is not one of %(allowed)s")
    )
    record = apps.get_model(DISPUTABLE_SOURCES[source]).objects.filter(pk=record_id, enterprise=enterprise).first()
    if record is None:
        raise DomainError(
            ErrorCode.NOT_FOUND,
            _("no %(source)s record #%(number)s of this firm") % {"source": source, "number": record_id},
            field="record",
        )
    refused = _("reason: say what is wrong with the record, in at most %(most)d characters")
    reason = text_required(reason, most=DISPUTE_REASON_MAX, field="reason", refused=refused)
    if Dispute.objects.filter(source=source, record_id=record_id, status=DisputeStatus.OPEN).exists():
        raise DomainError(ErrorCode.CONFLICT, _("record: a dispute of this record is already open"), field="record")
    now = timezone.now()
    return Dispute.objects.create(
        enterprise=enterprise,
        source=source,
        record_id=record_id,
        record_summary=str(record)[:300],
        reason=reason,
        raised_by=user,
        raised_at=now,
        due_on=timezone.localdate(now) + dt.timedelta(days=DISPUTE_DAYS),
    )


@transaction.atomic
def knockout_review_request(
    *, user: User, application_id: int, reason: str, rules_of: Callable[[Application], list[dict]]
) -> KnockOutReview:
    """The applicant asks a person to look again at the policy rules that ruled the application out; `rules_of`
    reads them from the application's latest score (scoring's, so the flow passes it in)."""
    application = locked_for(
        Application,
        application_id,
        user=user,
        may="apply",
        missing=_("no application #%(number)s of yours"),
        field="application",
    )
    rules = rules_of(application) if application.status == ApplicationStatus.NOT_ELIGIBLE else []
    if not rules:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            _("application #%(number)s was not ruled out by a policy rule: there is no knock-out to review")
            % {"number": application.pk},
        )
    earlier = KnockOutReview.objects.filter(application=application).first()
    if earlier is not None:
        raise DomainError(
            ErrorCode.CONFLICT,
            _("a review of application #%(number)s was asked for on %(date)s: %(status)s")
            % {
                "number": application.pk,
                "date": f"{earlier.requested_at:%Y-%m-%d}",
                "status": earlier.get_status_display(),
            },
        )
    refused = _("reason: say why the rule should not apply, in at most %(most)d characters")
    reason = text_required(reason, most=REVIEW_REASON_MAX, field="reason", refused=refused)
    now = timezone.now()
    return KnockOutReview.objects.create(
        application=application,
        rules=rules,
        reason=reason,
        requested_by=user,
        requested_at=now,
        due_on=timezone.localdate(now) + dt.timedelta(days=KNOCKOUT_REVIEW_DAYS),
    )


class _Refusals(NamedTuple):
    """What refuses an operator's answer to one kind of request: the field that names the request, and the words,
    marked for translation here and said in the reader's language when the answer is refused."""

    field: str
    operators_only: str
    missing: str
    answered: str


_REFUSALS = {
    Dispute: _Refusals(
        field="dispute",
        operators_only=gettext_noop("only an operator answers disputes"),
        missing=gettext_noop("no dispute #%(number)s"),
        answered=gettext_noop("dispute #%(number)d has already been answered: %(status)s"),
    ),
    KnockOutReview: _Refusals(
        field="review",
        operators_only=gettext_noop("only a platform operator answers a review"),
        missing=gettext_noop("no review #%(number)s"),
        answered=gettext_noop("review #%(number)d is answered already: %(status)s"),
    ),
}


@transaction.atomic
def dispute_resolve(*, by: User, dispute_id: int, outcome: str, resolution: str) -> Dispute:
    """The operator's answer: the record was wrong (corrected) or it stands (upheld), with the reasons."""
    allowed = (DisputeStatus.CORRECTED, DisputeStatus.UPHELD)
    return _answer(Dispute, dispute_id, by=by, outcome=outcome, allowed=allowed, resolution=resolution)


@transaction.atomic
def knockout_review_resolve(*, by: User, review_id: int, outcome: str, resolution: str) -> KnockOutReview:
    """An operator's answer. Overturned, the rule is waived for this application and it is reinstated; upheld,
    it stays not eligible. Routing it again and telling the applicant are the flow's
    (creditloan.flows.applications.knockout_review_resolve)."""
    allowed = (KnockOutReviewStatus.OVERTURNED, KnockOutReviewStatus.UPHELD)
    review = _answer(KnockOutReview, review_id, by=by, outcome=outcome, allowed=allowed, resolution=resolution)
    application = Application.objects.select_for_update().get(pk=review.application_id)
    # Overturned, the rules are waived from now on; an application a repair has already reinstated just goes on.
    if outcome == KnockOutReviewStatus.OVERTURNED and application.status == ApplicationStatus.NOT_ELIGIBLE:
        application_transition(application_id=application.pk, event="reinstate")
    return review


def _answer(model, request_id: int, *, by: User, outcome: str, allowed: tuple[str, str], resolution: str):
    """An operator's answer to an open request of a firm (a dispute, a review of a knock-out), the row locked for
    it: one of the two outcomes, with what was found, stamped with who answered and when."""
    refusals = _REFUSALS[model]
    if not by.is_operator:
        raise DomainError(ErrorCode.FORBIDDEN, _(refusals.operators_only))
    request = model.objects.select_for_update().filter(pk=request_id).first()
    if request is None:
        raise DomainError(ErrorCode.NOT_FOUND, _(refusals.missing) % {"number": request_id}, field=refusals.field)
    if request.status != "open":  # the open state of both kinds
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            _(refusals.answered) % {"number": request.pk, "status": request.get_status_display()},
        )
    if outcome not in allowed:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            _("outcome: '%(value)s' is not %(first)s or %(second)s")
            % {"value": outcome, "first": allowed[0], "second": allowed[1]},
            field="outcome",
        )
    resolution = (resolution or "").strip()
    if not resolution:
        raise DomainError(ErrorCode.INVALID_INPUT, _("resolution: say what was found"), field="resolution")
    request.status, request.resolution = outcome, resolution
    request.resolved_at, request.resolved_by = timezone.now(), by
    request.save(update_fields=["status", "resolution", "resolved_at", "resolved_by"])
    return request
