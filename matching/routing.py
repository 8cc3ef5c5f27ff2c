"""Routing: a ranked application offered to banks, and what follows each bank's answer.

The top K products of the application's ranking go to their banks at once, each offer with a deadline in
working days; no bank gets more offers in a month than its capacity (its row is locked while counting). An
offer declined or lapsed routes the application to the next ranked product not yet offered; when none is
left and no offer is open, the application is declined by every bank. Products left whose banks are full this
month wait: the application stays scored (or matched), and a periodic sweep offers it again when a bank has
room. A withdrawal closes the open offers; a revoked consent closes those whose bank may no longer see what its
product needs. The banks' own decisions are in matching.decisions. Every move goes through matching.states, and
the applicant hears of each by e-mail once it is committed.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from creditloan import selectors as creditloan_selectors
from creditloan.calendar import working_days_after_each
from creditloan.errors import DomainError, ErrorCode
from creditloan.models import Application, Bank, PublicCreditRecord
from creditloan.models.applications import ApplicationStatus
from creditloan.states import application_transition, application_transition_held, applications_transition_held
from matching import notifications
from matching.eligibility import consent_allows
from matching.escalations import escalation_open_locked, escalations_resolve
from matching.models import (
    OPEN_OFFER_STATES,
    BankMonth,
    EscalationResolution,
    Offer,
    OfferStatus,
    Ranking,
)
from matching.ranking import top_within_capacity
from matching.ranking_inputs import RankingInputs, ranking_inputs
from matching.services import application_rank, ranking_made
from matching.states import offer_transition
from scoring import selectors as scoring_selectors
from scoring.models import Score
from scoring.services import enterprise_score


@transaction.atomic
def application_route(*, application_id: int) -> list[Offer]:
    """Rank a scored application and offer its top K products; an application eligible for nothing is not
    eligible. Returns the offers made (none when the banks it is eligible for are all at capacity: it stays
    scored, to be routed again)."""
    # The firm and the applicant are read with it (the ranking and the e-mail need them); only its own row is locked.
    application = (
        Application.objects.select_for_update(of=("self",))
        .select_related("enterprise", "applicant")
        .get(pk=application_id)
    )
    if application.status != ApplicationStatus.SCORED:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            _("application #%(number)s is “%(status)s”, not scored")
            % {"number": application.pk, "status": application.get_status_display()},
        )
    score, ranking = _latest_scores_and_their_rankings([application])[application.pk]
    # Read once, now, for both the ranking and the offers.
    consent = creditloan_selectors.consent_by_bank(application.enterprise_id)
    inputs = ranking_inputs()
    ranking = ranking or application_rank(application=application, score=score, consent=consent, inputs=inputs)
    if not ranking.entries:
        application_transition_held(application, event="exclude")
        return []
    with notifications.sent_together():
        offers, _waiting_for_room = _offer_next(
            application, ranking.entries, how_many=ranking.settings.top_k, consent=consent, inputs=inputs
        )
        if offers:
            application_transition_held(application, event="match")
            notifications.offers_made(application, len(offers))
    return offers


@transaction.atomic
def applications_route(*, application_ids: Sequence[int]) -> dict[int, list[Offer]]:
    """application_route for the applications of a batch just scored, in one transaction: the applications
    locked in id order, then their latest scores, their firms' consent, the catalogue's version, their rankings,
    and the banks' locks, counts and offers each read or written once for them all (routing them one by one cost
    about fourteen statements each). An application no longer scored is passed over. Returns the offers made, by
    application routed."""
    applications = list(
        Application.objects.select_for_update(of=("self",))
        .select_related("enterprise", "applicant")
        .filter(pk__in=list(application_ids), status=ApplicationStatus.SCORED)
        .order_by("pk")
    )
    if not applications:
        return {}
    latest = _latest_scores_and_their_rankings(applications)
    consent = creditloan_selectors.consent_by_bank_of_firms({application.enterprise_id for application in applications})
    inputs = ranking_inputs()
    rankings = {}
    for application in applications:
        score, ranking = latest[application.pk]
        if score is None:
            raise DomainError(
                ErrorCode.NOT_FOUND,
                _("application #%(number)d has no score yet") % {"number": application.pk},
                field="application",
            )
        rankings[application.pk] = ranking or ranking_made(
            application=application, score=score, consent=consent.get(application.enterprise_id, {}), inputs=inputs
        )
    Ranking.objects.bulk_create(ranking for ranking in rankings.values() if ranking.pk is None)
    wanted, eligible_for_nothing = [], []
    for application in applications:
        ranking = rankings[application.pk]
        if ranking.entries:
            firm_consent = consent.get(application.enterprise_id, {})
            wanted.append(_Wanted(application, ranking.entries, ranking.settings.top_k, firm_consent))
        else:
            eligible_for_nothing.append(application)
    # The banks' officers of every offer and the applicants of every match, told over one connection.
    with notifications.sent_together():
        made = _offers_next(wanted, inputs=inputs) if wanted else {}
        matched = [item.application for item in wanted if made[item.application.pk][0]]
        applications_transition_held(
            [(application, "exclude") for application in eligible_for_nothing]
            + [(application, "match") for application in matched]
        )
        for application in matched:
            notifications.offers_made(application, len(made[application.pk][0]))
    return {application.pk: made.get(application.pk, ([], False))[0] for application in applications}


def _latest_scores_and_their_rankings(
    applications: list[Application],
) -> dict[int, tuple[Score | None, Ranking | None]]:
    """Each application's latest score (application_latest_score's), and the ranking made from it if any: an
    application that capacity held back is offered from it again, rather than ranked anew on every try. Two reads
    for them all, one when none of the latest scores was ranked yet (as for applications routed the first
    time)."""
    its_ranking = Ranking.objects.filter(application_id=OuterRef("application_id"), score=OuterRef("pk")).order_by(
        "-created_at"
    )
    scores = Score.objects.filter(application__in=applications).annotate(
        ranking_id=Subquery(its_ranking.values("pk")[:1])
    )
    latest: dict[int, Score] = {}
    for score in scores.order_by("-created_at", "-pk"):
        latest.setdefault(score.application_id, score)
    ranked = {score.ranking_id for score in latest.values() if score.ranking_id is not None}
    rankings = (
        {ranking.pk: ranking for ranking in Ranking.objects.select_related("settings").filter(pk__in=ranked)}
        if ranked
        else {}
    )
    return {
        application.pk: (
            latest.get(application.pk),
            rankings.get(latest[application.pk].ranking_id) if application.pk in latest else None,
        )
        for application in applications
    }


# Applications still to be decided on: what a repaired or corrected record of their firm is weighed for.
REASSESSED_STATES = (ApplicationStatus.SCORED, ApplicationStatus.MATCHED, ApplicationStatus.NOT_ELIGIBLE)


def firms_to_reassess_after_import(*, batch_id: int) -> list[int]:
    """The firms an import batch repaired a public-credit record of, and that have an application still to be
    decided (REASSESSED_STATES): the ones whose assessment the repair may change."""
    repaired_firms = (
        PublicCreditRecord.objects.filter(import_file__batch_id=batch_id, repaired_on__isnull=False)
        .values("enterprise_id")
        .distinct()
    )
    return list(
        Application.objects.filter(enterprise_id__in=repaired_firms, status__in=REASSESSED_STATES)
        .values_list("enterprise_id", flat=True)
        .distinct()
    )


def enterprise_reassess(*, enterprise_id: int) -> list[int]:
    """After a record of the firm was repaired (信用修复) or found wrong by a dispute: each of its applications
    still to be decided is scored again (its records as they stood when it was submitted, every repair known
    today counted), ranked again and routed. One that a knock-out or a lack of fitting products had closed is
    reinstated and matched if it now fits. Returns the ids of the applications scored again."""
    version = scoring_selectors.champion()
    if version is None:
        return []
    today = timezone.localdate()
    reassessed = []
    open_ones = Application.objects.filter(enterprise_id=enterprise_id, status__in=REASSESSED_STATES)
    for application_id in open_ones.order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            application = Application.objects.select_for_update().get(pk=application_id)
            if application.status not in REASSESSED_STATES:
                continue  # moved on (granted, withdrawn) since the list was read
            score = enterprise_score(
                enterprise_id=enterprise_id,
                as_of=timezone.localdate(application.submitted_at),
                application=application,
                version=version,
                repairs_known_on=today,
            )
            if application.status == ApplicationStatus.NOT_ELIGIBLE and not score.exclusions:
                application_transition(application_id=application.pk, event="reinstate")
                application.status = ApplicationStatus.SCORED
            if application.status == ApplicationStatus.SCORED:
                application_route(application_id=application.pk)
            elif application.status == ApplicationStatus.MATCHED:
                # The offers out stay; the next product offered comes from the ranking of the new score.
                application_rank(application=application)
        reassessed.append(application_id)
    return reassessed


def _offer_next(
    application: Application,
    entries: list[dict],
    *,
    how_many: int,
    consent: Mapping[int, frozenset[str]] | None = None,
    inputs: RankingInputs | None = None,
) -> tuple[list[Offer], bool]:
    """Offer the best-ranked products not offered yet, within each bank's remaining capacity this month.
    Products paused since the ranking (or of a paused bank) are passed over. Returns the offers made, and
    whether offerable products are left that were not offered (their banks full). `consent` is the firm's and
    `inputs` the catalogue, as read in this transaction (each read here when not given)."""
    # Consent is read again now, not taken from the ranking: a bank the firm stopped sharing with since is not
    # offered the application.
    if consent is None:
        consent = creditloan_selectors.consent_by_bank(application.enterprise_id)
    wanted = [_Wanted(application, entries, how_many, consent)]
    return _offers_next(wanted, inputs=inputs or ranking_inputs())[application.pk]


class _Wanted(NamedTuple):
    """An application to offer: its ranking's entries, how many offers it is owed, its firm's consent by bank."""

    application: Application
    entries: list[dict]
    how_many: int
    consent: Mapping[int, frozenset[str]]


def _offers_next(wanted: list[_Wanted], *, inputs: RankingInputs) -> dict[int, tuple[list[Offer], bool]]:
    """_offer_next for several applications at once, in the order given: the offers so far, the banks' locks and
    counts, the offers, the officers and the month's counts each read or written once for them all, the banks'
    room shared out in that order. By application: the offers made, and whether offerable products were left."""
    offered: dict[int, set[int]] = {item.application.pk: set() for item in wanted}
    so_far = Offer.objects.filter(application_id__in=list(offered)).values_list("application_id", "product_id")
    for application_id, product_id in so_far:
        offered[application_id].add(product_id)
    # The products open to applications now: the kept catalogue, as of its version read in this transaction.
    live = inputs.products
    waiting = {
        item.application.pk: [
            entry["product"]
            for entry in item.entries
            if entry["product"] not in offered[item.application.pk]
            and entry["product"] in live
            and consent_allows(item.consent, live[entry["product"]].bank_id, live[entry["product"]].policy_tags)
        ]
        for item in wanted
    }
    codes = sorted({live[product_id].bank.code for products in waiting.values() for product_id in products})
    if not codes:
        return {pk: ([], False) for pk in waiting}
    # Locked in code order, so two routings counting the same banks cannot deadlock or both take the last place.
    banks = {bank.code: bank for bank in Bank.objects.select_for_update().filter(code__in=codes).order_by("code")}
    now = timezone.now()
    month = timezone.localdate(now).replace(day=1)
    remaining = _remaining_capacity(banks, month)
    bank_of = {product_id: live[product_id].bank.code for products in waiting.values() for product_id in products}
    chosen: dict[int, list[int]] = {}
    for item in wanted:
        picked = top_within_capacity(waiting[item.application.pk], bank_of, remaining, item.how_many)
        for product_id in picked:
            remaining[bank_of[product_id]] -= 1
        chosen[item.application.pk] = picked
    # The banks' own times, as the rows just locked give them; a product's own time wins (LoanProduct.days_to_accept).
    days_of = {
        product_id: live[product_id].accept_deadline_days or banks[bank_of[product_id]].response_deadline_days
        for picked in chosen.values()
        for product_id in picked
    }
    if not days_of:
        return {pk: ([], bool(products)) for pk, products in waiting.items()}
    deadlines = working_days_after_each(now, set(days_of.values()), operator_table=inputs.calendar)
    made = Offer.objects.bulk_create(
        Offer(
            application=item.application,
            product=live[product_id],
            bank=banks[bank_of[product_id]],
            rank=rank,
            offered_at=now,
            deadline=deadlines[days_of[product_id]],
        )
        for item in wanted
        for rank, product_id in _ranked(item.entries, chosen[item.application.pk])
    )
    officers = notifications.officers_by_bank({offer.bank_id for offer in made})
    for offer in made:
        notifications.offer_made(offer, officers.get(offer.bank_id, []))
    _count_offers(Counter(offer.bank_id for offer in made), month)
    return {
        pk: ([offer for offer in made if offer.application_id == pk], len(products) > len(chosen[pk]))
        for pk, products in waiting.items()
    }


def _ranked(entries: list[dict], products: list[int]) -> list[tuple[int, int]]:
    """Each of `products` with its place in the ranking (1 the best)."""
    rank_of = {entry["product"]: position for position, entry in enumerate(entries, start=1)}
    return [(rank_of[product_id], product_id) for product_id in products]


def _remaining_capacity(banks: dict[str, Bank], month: dt.date) -> dict[str, int]:
    """Offers each bank can still take in the month; its row must be locked by the caller."""
    taken = dict(BankMonth.objects.filter(bank__in=banks.values(), month=month).values_list("bank__code", "offers"))
    return {code: bank.monthly_capacity - taken.get(code, 0) for code, bank in banks.items()}


def _count_offers(offers_by_bank: Mapping[int, int], month: dt.date) -> None:
    """Add offers to each bank's month, in one statement; the banks' rows are locked, so no other routing counts
    at once. An increment, not a value read before: a count corrected meanwhile (the admin) is kept."""
    table = connection.ops.quote_name(BankMonth._meta.db_table)
    rows = ", ".join(["(%s, %s, %s)"] * len(offers_by_bank))
    values = [value for bank_id, count in offers_by_bank.items() for value in (bank_id, month, count)]
    with connection.cursor() as cursor:
        # The model's own table and columns; the values are parameters (hence nosec B608).
        cursor.execute(
            f"INSERT INTO {table} (bank_id, month, offers) VALUES {rows} "  # nosec B608
            f"ON CONFLICT (bank_id, month) DO UPDATE SET offers = {table}.offers + excluded.offers",
            values,
        )


class NextStep(StrEnum):
    """What became of an application after one of its offers closed without a loan."""

    OFFERED = "offered"  # the next ranked product was offered
    WAITING = "waiting"  # other offers are still open
    CAPACITY = "capacity"  # products are left, but their banks are full this month: tried again later
    EXHAUSTED = "exhausted"  # every ranked product was declined or lapsed
    CLOSED = "closed"  # the application had already moved on (granted, withdrawn)


def route_on(application: Application) -> NextStep:
    """After an offer closed without a loan: the next ranked product; with none left and none open, the
    application declined by every bank."""
    if application.status != ApplicationStatus.MATCHED:
        return NextStep.CLOSED
    ranking = application.rankings.order_by("-created_at").first()
    made, left = _offer_next(application, ranking.entries, how_many=1) if ranking else ([], False)
    if made:
        return NextStep.OFFERED
    if application.offers.filter(status__in=OPEN_OFFER_STATES).exists():
        return NextStep.WAITING
    if left:
        return NextStep.CAPACITY
    application_transition(application_id=application.pk, event="exhaust")
    return NextStep.EXHAUSTED


def offers_lapse_sweep(*, now: dt.datetime | None = None) -> int:
    """Lapse every offer past its deadline and route its application on; safe to run twice (an offer another
    sweep has just lapsed is skipped). Returns how many lapsed."""
    now = now or timezone.now()
    lapsed = 0
    for offer_id in Offer.objects.filter(status=OfferStatus.OFFERED, deadline__lt=now).values_list("pk", flat=True):
        with transaction.atomic():
            # Skip an offer another sweep (or an officer) holds right now: it is being dealt with.
            free = Offer.objects.select_for_update(skip_locked=True).filter(pk=offer_id, status=OfferStatus.OFFERED)
            if not list(free.values_list("pk", flat=True)):
                continue
            offer = offer_transition(offer_id=offer_id, event="lapse")
            application = Application.objects.select_for_update().get(pk=offer.application_id)
            notifications.offer_lapsed(offer, route_on(application), application)
            lapsed += 1
    return lapsed


# How long a scored application is left to the task that scored it (or, reinstated, to the routing task) before the
# sweep of waiting ones takes it up.
ROUTING_GRACE = dt.timedelta(minutes=2)


def applications_route_waiting(*, now: dt.datetime | None = None) -> int:
    """Offer again what capacity held back: applications scored but not offered (every bank they were
    eligible for was full, or the routing task never ran), and applications matched with nothing open and
    ranked products left. A bank has room again in a new month, or when its capacity is raised. Each
    application in its own transaction; safe to run twice. Returns how many were offered something."""
    now = now or timezone.now()
    scored = Application.objects.filter(status=ApplicationStatus.SCORED, submitted_at__lt=now - ROUTING_GRACE)
    offered = 0
    for application_id in scored.order_by("submitted_at").values_list("pk", flat=True):
        try:
            offered += bool(application_route(application_id=application_id))
        except DomainError:  # moved on meanwhile (withdrawn, or routed by its task)
            continue
    stalled = Application.objects.filter(status=ApplicationStatus.MATCHED).exclude(offers__status__in=OPEN_OFFER_STATES)
    for application_id in stalled.order_by("submitted_at").values_list("pk", flat=True):
        with transaction.atomic():
            application = Application.objects.select_for_update().get(pk=application_id)
            # Read again under the lock: another sweep, or a decline, may have offered it something meanwhile.
            if (
                application.status != ApplicationStatus.MATCHED
                or application.offers.filter(status__in=OPEN_OFFER_STATES).exists()
            ):
                continue
            next_step = route_on(application)
            if next_step in (NextStep.OFFERED, NextStep.EXHAUSTED):
                notifications.application_moved_on(application, next_step)
            offered += next_step == NextStep.OFFERED
    return offered


def offers_close_for_want_of_consent(*, enterprise_id: int) -> list[Offer]:
    """After the firm revoked a consent: every open offer whose bank may no longer see what its product needs is
    closed, that bank and the applicant told, and the application goes on to the next product its remaining consent
    allows (the applicant still wants the loan; withdrawing it is the applicant's other button)."""
    consent = creditloan_selectors.consent_by_bank(enterprise_id)
    # Locked, so a bank deciding one of them at this moment waits, and one it decided first is left as it is.
    offers = (
        Offer.objects.select_for_update(of=("self",))
        .filter(application__enterprise_id=enterprise_id, status__in=OPEN_OFFER_STATES)
        .select_related("product")
    )
    closed = []
    for offer in offers:
        if consent_allows(consent, offer.bank_id, offer.product.policy_tags):
            continue
        closed.append(offer_transition(offer_id=offer.pk, event="close"))
        escalations_resolve(offer_ids=[offer.pk], resolution=EscalationResolution.CLOSED)
        application = Application.objects.select_for_update().get(pk=offer.application_id)
        notifications.offer_closed_for_want_of_consent(closed[-1], route_on(application), application)
    return closed


def offers_close_on_withdrawal(application: Application) -> None:
    """The applicant withdrew the application: every open offer closes, and the applicant is told."""
    closing = list(Offer.objects.filter(application_id=application.pk, status__in=OPEN_OFFER_STATES))
    for offer in closing:
        offer_transition(offer_id=offer.pk, event="close")
    escalations_resolve(offer_ids=[offer.pk for offer in closing], resolution=EscalationResolution.CLOSED)
    notifications.application_withdrawn(application)


@transaction.atomic
def offer_reroute_overdue(*, escalation_id: int, by) -> tuple[Offer, NextStep]:
    """督办 came to nothing: the operator closes an escalated offer as not decided in time (lapsed), and the
    application goes on to the next ranked product. The bank and the applicant are told. Returns the offer and what
    became of the application."""
    escalation = escalation_open_locked(escalation_id)
    offer = offer_transition(offer_id=escalation.offer_id, event="lapse")
    escalations_resolve(offer_ids=[offer.pk], resolution=EscalationResolution.REROUTED, by=by)
    application = Application.objects.select_for_update().get(pk=offer.application_id)
    next_step = route_on(application)
    notifications.offer_rerouted_for_delay(offer, next_step, application)
    return offer, next_step
