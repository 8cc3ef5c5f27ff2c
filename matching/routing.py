"""Routing: a ranked application offered to banks, and what follows each bank's answer.

The top K products of the application's ranking go to their banks at once, each offer with a deadline in
working days; no bank gets more offers in a month than its capacity (its row is locked while counting). An
offer declined or lapsed routes the application to the next ranked product not yet offered; when none is
left and no offer is open, the application is declined by every bank. An approval grants the application and
closes the other open offers; a withdrawal closes them all. Every move goes through matching.states.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from creditloan.errors import DomainError, ErrorCode
from creditloan.models import Application
from creditloan.models.applications import ApplicationStatus
from matching import notifications
from matching.models import Bank, BankMonth, Loan, LoanProduct, Offer, OfferStatus
from matching.ranking import top_within_capacity
from matching.services import application_rank
from matching.states import OPEN_OFFER_STATES, application_transition, offer_transition


def working_days_after(start: dt.datetime, days: int) -> dt.datetime:
    """`days` working days (Monday to Friday) after `start`, at the same time of day. The State Council's
    holiday calendar, with its swapped working weekends, is not modelled."""
    moment, left = start, days
    while left > 0:
        moment += dt.timedelta(days=1)
        if moment.weekday() < 5:
            left -= 1
    return moment


@transaction.atomic
def application_route(*, application_id: int) -> list[Offer]:
    """Rank a scored application and offer its top K products; an application eligible for nothing is not
    eligible. Returns the offers made (none when the banks it is eligible for are all at capacity: it stays
    scored, to be routed again)."""
    application = Application.objects.select_for_update().get(pk=application_id)
    if application.status != ApplicationStatus.SCORED:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION, f"application #{application.pk} is {application.status}, not scored"
        )
    ranking = application_rank(application=application)
    if not ranking.entries:
        application_transition(application_id=application.pk, event="exclude")
        return []
    offers = _offer_next(application, ranking.entries, how_many=ranking.settings.top_k)
    if offers:
        application_transition(application_id=application.pk, event="match")
        notifications.application_changed(
            application, f"已推送给{len(offers)}家银行的产品。", f"Offered to {len(offers)} bank products."
        )
    return offers


def _offer_next(application: Application, entries: list[dict], *, how_many: int) -> list[Offer]:
    """Offer the best-ranked products not offered yet, within each bank's remaining capacity this month."""
    offered = set(application.offers.values_list("product_id", flat=True))
    waiting = [(position, entry) for position, entry in enumerate(entries, start=1) if entry["product"] not in offered]
    if not waiting:
        return []
    codes = sorted({entry["bank"] for _, entry in waiting})
    # Locked in code order, so two routings counting the same banks cannot deadlock or both take the last place.
    banks = {bank.code: bank for bank in Bank.objects.select_for_update().filter(code__in=codes).order_by("code")}
    remaining = _remaining_capacity(banks)
    rank_of = {entry["product"]: position for position, entry in waiting}
    bank_of = {entry["product"]: entry["bank"] for _, entry in waiting}
    chosen = top_within_capacity([entry["product"] for _, entry in waiting], bank_of, remaining, how_many)
    products = LoanProduct.objects.in_bulk(chosen)
    now = timezone.now()
    made = []
    for product_id in chosen:
        bank = banks[bank_of[product_id]]
        made.append(
            Offer.objects.create(
                application=application,
                product=products[product_id],
                rank=rank_of[product_id],
                offered_at=now,
                deadline=working_days_after(now, bank.response_deadline_days),
            )
        )
        notifications.offer_made(made[-1])
    for code, how_many in Counter(bank_of[product_id] for product_id in chosen).items():
        _count_offers(banks[code], how_many)
    return made


def _this_month() -> dt.date:
    return timezone.localdate().replace(day=1)


def _remaining_capacity(banks: dict[str, Bank]) -> dict[str, int]:
    """Offers each bank can still take this month; its row must be locked by the caller."""
    taken = dict(
        BankMonth.objects.filter(bank__in=banks.values(), month=_this_month()).values_list("bank__code", "offers")
    )
    return {code: bank.monthly_capacity - taken.get(code, 0) for code, bank in banks.items()}


def _count_offers(bank: Bank, how_many: int) -> None:
    """Add offers to the bank's month; the bank's row is locked, so no other routing counts at once."""
    month, _ = BankMonth.objects.get_or_create(bank=bank, month=_this_month())
    BankMonth.objects.filter(pk=month.pk).update(offers=F("offers") + how_many)


def _route_on(application: Application) -> None:
    """After an offer closed without a loan: the next ranked product, or, with none left and none open, the
    application declined by every bank."""
    if application.status != ApplicationStatus.MATCHED:
        return
    ranking = application.rankings.order_by("-created_at").first()
    made = _offer_next(application, ranking.entries, how_many=1) if ranking else []
    if not made and not application.offers.filter(status__in=OPEN_OFFER_STATES).exists():
        application_transition(application_id=application.pk, event="exhaust")
        notifications.application_changed(
            application, "很遗憾，所有匹配的银行均未批准。", "Every bank it was offered to has declined."
        )


@transaction.atomic
def offer_decline(*, offer_id: int, by, reason: str) -> Offer:
    offer = offer_transition(offer_id=offer_id, event="decline", by=by, decline_reason=reason)
    _route_on(Application.objects.select_for_update().get(pk=offer.application_id))
    return offer


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
            _route_on(Application.objects.select_for_update().get(pk=offer.application_id))
            lapsed += 1
    return lapsed


@transaction.atomic
def offer_approve(*, offer_id: int, by, amount, annual_rate, term_months: int) -> Offer:
    """A bank grants the loan on terms within its product's ranges; the application is granted and every
    other open offer closes."""
    offer = Offer.objects.select_related("product").get(pk=offer_id)
    product = offer.product
    amount, annual_rate = _decimal(amount, "amount"), _decimal(annual_rate, "annual_rate")
    for value, low, high, field in (
        (amount, product.amount_min, product.amount_max, "amount"),
        (annual_rate, product.rate_min, product.rate_max, "annual_rate"),
        (Decimal(term_months), Decimal(product.term_min_months), Decimal(product.term_max_months), "term_months"),
    ):
        if not low <= value <= high:
            raise DomainError(
                ErrorCode.INVALID_INPUT, f"{field}: {value} is outside the product's {low}–{high}", field=field
            )
    offer = offer_transition(
        offer_id=offer_id,
        event="approve",
        by=by,
        approved_amount=amount,
        approved_rate=annual_rate,
        approved_term_months=term_months,
    )
    granted = application_transition(application_id=offer.application_id, event="grant")
    notifications.application_changed(
        granted,
        f"{offer.product.bank.name}已批准：{amount} 元，年利率 {annual_rate}，{term_months} 个月。",
        f"{offer.product.bank.name} approved ¥{amount} at {annual_rate} a year for {term_months} months.",
    )
    for other in Offer.objects.filter(application_id=offer.application_id, status__in=OPEN_OFFER_STATES):
        offer_transition(offer_id=other.pk, event="close")
    return offer


@transaction.atomic
def offer_disburse(*, offer_id: int, by, amount, disbursed_on: dt.date) -> Loan:
    """放款反馈: the loan as paid out, at most the approved amount; it is what the next models learn from."""
    offer = Offer.objects.get(pk=offer_id)
    amount = _decimal(amount, "amount")
    if offer.approved_amount is not None and not Decimal(0) < amount <= offer.approved_amount:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            f"amount: {amount} is not within 0–{offer.approved_amount} approved",
            field="amount",
        )
    offer = offer_transition(offer_id=offer_id, event="disburse", by=by)
    return Loan.objects.create(
        offer=offer,
        amount=amount,
        annual_rate=offer.approved_rate,
        term_months=offer.approved_term_months,
        disbursed_on=disbursed_on,
    )


@transaction.atomic
def application_withdraw(*, application_id: int) -> Application:
    """The applicant withdraws: every open offer closes."""
    application = application_transition(application_id=application_id, event="withdraw")
    for offer in Offer.objects.filter(application_id=application_id, status__in=OPEN_OFFER_STATES):
        offer_transition(offer_id=offer.pk, event="close")
    return application


def _decimal(raw, field: str) -> Decimal:
    try:
        value = Decimal(str(raw))
    except (InvalidOperation, ValueError):
        raise DomainError(ErrorCode.INVALID_INPUT, f"{field}: '{raw}' is not a number", field=field) from None
    if not value.is_finite():
        raise DomainError(ErrorCode.INVALID_INPUT, f"{field}: '{raw}' is not a number", field=field)
    return value
