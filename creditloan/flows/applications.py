"""An application's way from the applicant to the banks: submitted, scored, routed; back into that way when a
person's review overturns its knock-out; and out of it when the applicant withdraws."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from celery.exceptions import SoftTimeLimitExceeded
from django.db import transaction
from django.utils import timezone

from creditloan import services
from creditloan.errors import DomainError, ErrorCode
from creditloan.flows import steps
from creditloan.models import Application, KnockOutReview
from creditloan.models.applications import ApplicationStatus
from creditloan.models.disputes import KnockOutReviewStatus
from creditloan.outbox import task_send_after_commit
from creditloan.states import application_transition
from matching import notifications
from matching.routing import application_route, applications_route, offers_close_on_withdrawal
from scoring.selectors import application_latest_score
from scoring.services import applications_score as score_with_champion

logger = logging.getLogger(__name__)


@transaction.atomic(savepoint=False)
def application_submit(**terms) -> Application:
    """The application (creditloan.services.application_submit takes the same arguments), then, once committed,
    its scoring: a rolled-back submission queues nothing, and a queued task always finds its application. Inside
    a caller's transaction (the API's Idempotency-Key) no savepoint of its own: a refusal rolls the whole request
    back, which is what the caller does with it anyway."""
    application = services.application_submit(**terms)
    task_send_after_commit(steps.SCORE_APPLICATION, application.pk)
    return application


def applications_score(*, application_ids: Sequence[int]) -> set[int]:
    """Score submitted applications with the champion as one batch (one transaction), then, once the scores are
    committed, route the ones scored as another (matching.routing.applications_route). Returns the ids whose work
    is done: scored and routed, or found past that (or gone). One left out still owes its routing, which the
    task's message sent again by the outbox relay, or the sweep of scored applications, carries out. A batch that
    fails to score or to route is tried one application at a time, so that one application's fault holds up no
    other (a task past its soft time limit stops instead); while no model is champion nothing is owed (promoting
    one scores every application still waiting)."""
    try:
        with transaction.atomic():
            scores = score_with_champion(application_ids=application_ids)
    except Exception as error:
        if isinstance(error, DomainError) and error.code == ErrorCode.NO_CHAMPION:
            logger.warning("%d applications wait for a champion model to be promoted", len(application_ids))
            return set(application_ids)
        if len(application_ids) == 1 or isinstance(error, SoftTimeLimitExceeded):
            raise
        logger.exception("a batch of %d applications failed to score: scoring them one at a time", len(application_ids))
        return _scored_one_at_a_time(application_ids)
    # Routing is owed only while the application waits for it: a second delivery (sent again by the outbox relay
    # while the first was still queued) finds it routed already and owes nothing.
    scored = [score.application_id for score in scores if score.application.status == ApplicationStatus.SCORED]
    if not scored:
        return set(application_ids)
    try:
        applications_route(application_ids=scored)
    except SoftTimeLimitExceeded:
        raise
    except Exception:
        # One application's fault (or a lock's) should hold up no other: routed one at a time, each on its own.
        logger.exception("a batch of %d applications failed to route: routing them one at a time", len(scored))
        return set(application_ids) - {application_id for application_id in scored if not _routed(application_id)}
    return set(application_ids)


def _scored_one_at_a_time(application_ids: Sequence[int]) -> set[int]:
    done = set()
    for application_id in application_ids:
        try:
            done |= applications_score(application_ids=[application_id])
        except SoftTimeLimitExceeded:
            raise
        except Exception:
            logger.exception("application #%d failed to score; the outbox relay sends it again", application_id)
    return done


def _routed(application_id: int) -> bool:
    """Route a scored application (its own transaction); False, logged, when that failed and is still owed."""
    try:
        application_route(application_id=application_id)
    except SoftTimeLimitExceeded:
        raise
    except DomainError as error:
        if error.code != ErrorCode.INVALID_TRANSITION:
            logger.exception("application #%d failed to route; it is routed again later", application_id)
            return False
        # Not scored any more, as routing finds it under the row lock: routed already, or withdrawn meanwhile.
    except Exception:
        logger.exception("application #%d failed to route; it is routed again later", application_id)
        return False
    return True


@transaction.atomic
def knockout_review_resolve(*, by, review_id: int, outcome: str, resolution: str) -> KnockOutReview:
    """An operator's answer to a review of a knock-out. Overturned, the application is reinstated (the service)
    and routed once committed; the applicant is told either way."""
    review = services.knockout_review_resolve(by=by, review_id=review_id, outcome=outcome, resolution=resolution)
    application = Application.objects.get(pk=review.application_id)
    overturned = review.status == KnockOutReviewStatus.OVERTURNED
    if overturned and application.status == ApplicationStatus.SCORED:
        task_send_after_commit(steps.ROUTE_APPLICATION, application.pk)
    notifications.review_answered(application, resolution=review.resolution, matched_again=overturned)
    return review


def knockout_review_request(*, user, application_id: int, reason: str) -> KnockOutReview:
    """The applicant asks a person to look again at the rules that ruled the application out: the core's service
    keeps the rules of the application's latest score (scoring's) on the review."""
    return services.knockout_review_request(
        user=user, application_id=application_id, reason=reason, rules_of=_knockout_rules
    )


def _knockout_rules(application: Application) -> list[dict]:
    score = application_latest_score(application)
    return score.exclusions if score is not None else []


@transaction.atomic
def application_withdraw(*, application_id: int) -> Application:
    """The applicant withdraws (the core's state machine), then every open offer closes (matching's) and the
    applicant is told."""
    application = application_transition(application_id=application_id, event="withdraw", withdrawn_at=timezone.now())
    offers_close_on_withdrawal(application)
    return application
