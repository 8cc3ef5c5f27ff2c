"""Celery tasks of matching: thin callers of routing, taking ids and safe to run twice."""

from __future__ import annotations

from celery import shared_task

from creditloan.celery import RETRY_TRANSIENT
from creditloan.errors import DomainError, ErrorCode
from creditloan.models import Application
from creditloan.outbox import OutboxTask
from matching.escalations import offers_escalate_overdue
from matching.routing import (
    application_route,
    applications_route_waiting,
    enterprise_reassess,
    firms_to_reassess_after_import,
    offers_lapse_sweep,
)
from matching.warnings import early_warnings_raise, firms_to_warn_after_import


@shared_task(base=OutboxTask, acks_late=True, **RETRY_TRANSIENT)
def route_application(application_id: int) -> int:
    """Offer a scored application to its banks; a second run finds it matched already and does nothing.
    Returns how many offers were made. Sent for an application a review reinstated; a fresh one is routed by the
    scoring task that scored it (creditloan.flows.applications.applications_score)."""
    try:
        return len(application_route(application_id=application_id))
    except Application.DoesNotExist:
        return 0  # nothing to route
    except DomainError as error:
        if error.code != ErrorCode.INVALID_TRANSITION:
            raise
        # Not scored (any more), as routing finds it under the row lock: routed already (by this task's first run
        # or by the sweep of waiting applications), or excluded or withdrawn meanwhile.
        return 0


@shared_task(acks_late=True, **RETRY_TRANSIENT)
def sweep_lapsed_offers() -> int:
    """Run by beat: lapse offers not accepted by their deadline and route their applications on; escalate (督办)
    accepted offers not decided by theirs. Returns how many offers it lapsed or escalated."""
    return offers_lapse_sweep() + offers_escalate_overdue()


@shared_task(acks_late=True, **RETRY_TRANSIENT)
def route_waiting_applications() -> int:
    """Run by beat: offer again the applications that bank capacity held back."""
    return applications_route_waiting()


@shared_task(base=OutboxTask, acks_late=True, **RETRY_TRANSIENT)
def reassess_enterprise(enterprise_id: int) -> int:
    """A record of the firm was repaired or found wrong: its open applications scored again and re-matched.
    Run twice, it scores them again to the same result. Returns how many applications were scored again."""
    return len(enterprise_reassess(enterprise_id=enterprise_id))


@shared_task(base=OutboxTask, acks_late=True, **RETRY_TRANSIENT)
def reassess_repaired_after_import(batch_id: int) -> int:
    """An import batch that brought repairs: each firm whose repaired record it wrote, and that has an
    application still to be decided, is reassessed. Returns how many firms were."""
    firms = firms_to_reassess_after_import(batch_id=batch_id)
    for enterprise_id in firms:
        reassess_enterprise.delay(enterprise_id)
    return len(firms)


@shared_task(base=OutboxTask, acks_late=True, **RETRY_TRANSIENT)
def warn_lenders_after_import(batch_id: int) -> int:
    """An import batch wrote serious records (失信、严重失信、严重处罚、纳税D级、经营异常): the banks lending to
    those firms are warned, within the firms' post-loan consent. Run twice, it finds them warned already.
    Returns how many warnings were raised."""
    return len(early_warnings_raise(enterprise_ids=firms_to_warn_after_import(batch_id=batch_id)))


@shared_task(base=OutboxTask, acks_late=True, **RETRY_TRANSIENT)
def warn_lenders_of_firm(enterprise_id: int) -> int:
    """The firm gave a post-loan consent: its lenders named in it are warned of the serious records already
    there. Returns how many warnings were raised."""
    return len(early_warnings_raise(enterprise_ids=[enterprise_id]))
