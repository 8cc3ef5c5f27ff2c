"""Celery tasks of matching: thin callers of routing, taking ids and safe to run twice."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from creditloan.errors import DomainError, ErrorCode
from creditloan.models import Application
from creditloan.models.applications import ApplicationStatus
from matching.routing import application_route, applications_route_waiting, offers_lapse_sweep

RETRY = {"autoretry_for": (OperationalError,), "retry_backoff": True, "retry_backoff_max": 300, "max_retries": 8}


@shared_task(acks_late=True, **RETRY)
def route_application(application_id: int) -> int:
    """Offer a scored application to its banks; a second run finds it matched already and does nothing.
    Returns how many offers were made."""
    if not Application.objects.filter(pk=application_id, status=ApplicationStatus.SCORED).exists():
        return 0
    try:
        return len(application_route(application_id=application_id))
    except DomainError as error:
        if error.code != ErrorCode.INVALID_TRANSITION:
            raise
        return 0  # the sweep of waiting applications routed it between the check and the lock


@shared_task(acks_late=True, **RETRY)
def sweep_lapsed_offers() -> int:
    """Run by beat: lapse offers past their deadline and route their applications on."""
    return offers_lapse_sweep()


@shared_task(acks_late=True, **RETRY)
def route_waiting_applications() -> int:
    """Run by beat: offer again the applications that bank capacity held back."""
    return applications_route_waiting()
