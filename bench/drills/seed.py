"""Accounts the drills act as, and the accounting they end with: every application and what became of it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from bench.drills.stack import check


@dataclass(frozen=True)
class Applicant:
    token: str
    enterprise_id: int


def applicants(count: int) -> list[Applicant]:
    """`count` people, each acting for an active company of the world that has authorised every bank to see
    every source (tax and bank data each granted alone, as the service requires), each with an API token."""
    from creditloan.services import api_token_issue

    people = [
        Applicant(api_token_issue(user=person, name="drill")[1], firm.pk)
        for person, firm in people_acting_for_firms(count, username="drill-applicant")
    ]
    check(len(people) == count, f"the world has only {len(people)} free active companies, {count} wanted")
    return people


def people_acting_for_firms(count: int, *, username: str) -> list:
    """Up to `count` (person, firm) pairs: an active company of the world with no member yet, and a person acting
    for it (named `username`-N) who authorised every bank to see every source."""
    from django.utils import timezone

    from creditloan.demo.services import every_source_granted_to
    from creditloan.models import Bank, Enterprise, EnterpriseMembership, User
    from creditloan.models.accounts import MembershipRelation, MembershipStatus, Role

    banks = list(Bank.objects.all())
    firms = Enterprise.objects.filter(kind="company", status="active", memberships__isnull=True).order_by("pk")
    people = []
    for index, firm in enumerate(firms[:count]):
        person = User.objects.create_user(username=f"{username}-{index}", role=Role.APPLICANT)
        # As a verified claim leaves it (creditloan.identity.services.enterprise_claim): the benches and drills
        # measure the pipeline, not the sign-up each of these people would have gone through.
        EnterpriseMembership.objects.create(
            user=person,
            enterprise=firm,
            relation=MembershipRelation.LEGAL_REPRESENTATIVE,
            status=MembershipStatus.ACTIVE,
            may_apply=True,
            may_consent=True,
            may_view_report=True,
            decided_at=timezone.now(),
        )
        every_source_granted_to(banks=banks, user=person, enterprise=firm)
        people.append((person, firm))
    return people


def officer_tokens() -> dict[int, str]:
    """A token for each bank's credit officer, by bank id."""
    from creditloan.models import User
    from creditloan.services import api_token_issue

    officers = User.objects.filter(role="bank_officer").order_by("pk")
    return {officer.bank_id: api_token_issue(user=officer, name="drill")[1] for officer in officers}


def banks_with_room() -> None:
    """No bank turns an application away for want of capacity this month: the drills measure the pipeline,
    not the banks' monthly limits (which hold applications back on purpose, to be routed later)."""
    from creditloan.models import Bank

    Bank.objects.update(monthly_capacity=1_000_000)


def applicants_at_work(stack, count: int, **service) -> list[Applicant]:
    """Where most drills start: `count` applicants (see applicants), banks with room for all they send (see
    banks_with_room), and the whole service running (stack.start_service, given `service`)."""
    people = applicants(count)
    banks_with_room()
    stack.start_service(**service)
    return people


def application_payload(applicant: Applicant) -> dict:
    return {
        "enterprise": applicant.enterprise_id,
        "amount": "500000.00",
        "term_months": 12,
        "purpose": "采购原材料",
        "guarantee_mode": "credit",
    }


# Where an application may rest once the pipeline is done with it.
SETTLED = {"matched", "not_eligible", "granted", "declined", "withdrawn"}


def unsettled(application_ids: list[int]) -> int:
    """How many of these applications are not yet scored and routed, plus how many tasks still wait in the
    outbox: zero when the pipeline owes nothing."""
    return sum(owed(application_ids))


def owed(application_ids: list[int]) -> tuple[int, int]:
    """(applications not yet scored and routed, tasks waiting in the outbox)."""
    from creditloan.models import Application, OutboxMessage

    moving = Application.objects.filter(pk__in=application_ids).exclude(status__in=SETTLED).count()
    return moving, OutboxMessage.objects.filter(gave_up_at__isnull=True).count()


def account_for(application_ids: list[int]) -> dict:
    """What became of each application, and the checks that nothing was lost or done twice: every id stored
    once, each scored exactly once, at most one offer per product, offers only for matched applications (or ones
    decided after), and nothing left in the outbox."""
    from creditloan.models import Application, OutboxMessage
    from matching.models import Offer
    from scoring.models import Score

    stored = Counter(Application.objects.filter(pk__in=application_ids).values_list("status", flat=True))
    check(sum(stored.values()) == len(set(application_ids)), f"{len(application_ids) - sum(stored.values())} lost")
    scores = Counter(Score.objects.filter(application_id__in=application_ids).values_list("application_id", flat=True))
    unscored = len(set(application_ids)) - len(scores)
    check(unscored == 0, f"{unscored} applications never scored")
    twice = sum(1 for count in scores.values() if count > 1)
    check(twice == 0, f"{twice} applications scored more than once")
    offers = Counter(
        Offer.objects.filter(application_id__in=application_ids).values_list("application_id", "product_id")
    )
    doubled = sum(1 for count in offers.values() if count > 1)
    check(doubled == 0, f"{doubled} products offered twice for one application")
    without_offers = Application.objects.filter(pk__in=application_ids, status="matched", offers__isnull=True).count()
    check(without_offers == 0, f"{without_offers} matched applications without an offer")
    waiting = OutboxMessage.objects.count()
    check(waiting == 0, f"{waiting} tasks still waiting in the outbox")
    check(set(stored) <= SETTLED, f"applications left unsettled: {dict(stored)}")
    return {"applications": sum(stored.values()), "by_status": dict(stored), "offers": sum(offers.values())}


def submit(stack, applicant: Applicant, idempotency_key: str | None = None) -> tuple[int, dict | None, float]:
    """POST one application as the applicant: (status, body, seconds the answer took)."""
    import time

    headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
    started = time.monotonic()
    status, body = stack.request(
        "POST", "/api/v1/applications/", application_payload(applicant), applicant.token, headers=headers
    )
    return status, body, time.monotonic() - started
