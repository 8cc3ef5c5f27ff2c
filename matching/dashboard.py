"""Reads for the dashboards: the funnel, each bank's answers, the money lent, the population's grades.
Every figure covers the applications submitted (or offers made, or loans paid out) since a date."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.db.models.functions import TruncMonth

from creditloan.models import Application, Bank
from matching.models import Loan, Offer, OfferStatus, Ranking, first_answer_at
from scoring.ml.scale import GRADES
from scoring.models import Rating
from scoring.selectors import champion

FUNNEL_STEPS = ("applied", "matched", "offered", "accepted", "approved", "disbursed")
# A bank's own funnel counts the offers it received.
OFFER_FUNNEL_STEPS = ("offered", "accepted", "approved", "disbursed")

# What an offer reached, read from its stage times (matching.states stamps each stage in its own field). A bank
# approves only what it took up, so an approval counts as taken up even where its 接单 time was lost (before the
# stages kept their own times, matching migration 0012).
DECIDED_TO_APPROVE = Q(decided_at__isnull=False) & ~Q(status=OfferStatus.DECLINED)
OFFER_REACHED = {
    "offered": Q(),
    "accepted": Q(accepted_at__isnull=False) | DECIDED_TO_APPROVE,
    "approved": DECIDED_TO_APPROVE,
    "disbursed": Q(disbursed_at__isnull=False),
}


def funnel(*, since: dt.date) -> dict[str, int]:
    """Applications that reached each step: ranked with at least one eligible product, offered to a bank, taken
    up by one (接单), approved, paid out."""
    applications = Application.objects.filter(submitted_at__date__gte=since)

    def reached(step: str) -> Exists:
        return Exists(Offer.objects.filter(OFFER_REACHED[step], application=OuterRef("pk")))

    counts = applications.aggregate(
        applied=Count("pk"),
        matched=Count("pk", filter=Exists(Ranking.objects.filter(application=OuterRef("pk")).exclude(entries=[]))),
        **{step: Count("pk", filter=reached(step)) for step in OFFER_FUNNEL_STEPS},
    )
    # Applications from before rankings were kept (the demo's history) were offered without one.
    counts["matched"] = max(counts["matched"], counts["offered"])
    return {step: counts[step] for step in FUNNEL_STEPS}


def bank_funnel(*, since: dt.date, bank: Bank) -> dict[str, int]:
    """The offers one bank received since the date, and how many it took up (接单), approved and paid out."""
    offers = Offer.objects.filter(bank=bank, offered_at__date__gte=since)
    counts = offers.aggregate(**{step: Count("pk", filter=OFFER_REACHED[step]) for step in OFFER_FUNNEL_STEPS})
    return {step: counts[step] for step in OFFER_FUNNEL_STEPS}


@dataclass(frozen=True)
class Spread:
    """How long a step took over many offers, in calendar hours (nights, weekends and holidays count): its
    median and 90th percentile, over `count` offers that took it."""

    count: int
    median: float | None
    p90: float | None


def _spread(hours: pd.Series) -> Spread:
    hours = hours.dropna()
    if hours.empty:
        return Spread(0, None, None)
    return Spread(len(hours), float(np.median(hours)), float(np.percentile(hours, 90)))


def _hours_between(start: pd.Series, end: pd.Series) -> pd.Series:
    return (pd.to_datetime(end, utc=True) - pd.to_datetime(start, utc=True)).dt.total_seconds() / 3600


@dataclass(frozen=True)
class AnswerTimes:
    """How fast a bank answers, in calendar hours: from the offer to its first answer (接单, or a decision
    without one: matching.models.first_answer_at), and from 接单 to the decision (approve or decline)."""

    first_answer: Spread
    decision: Spread


def _offer_times(offers) -> pd.DataFrame:
    rows = offers.values_list("bank__code", "status", "offered_at", first_answer_at(), "accepted_at", "decided_at")
    return pd.DataFrame.from_records(
        list(rows), columns=["bank", "status", "offered_at", "answered_at", "accepted_at", "decided_at"]
    )


def _answer_times(frame: pd.DataFrame) -> AnswerTimes:
    return AnswerTimes(
        first_answer=_spread(_hours_between(frame["offered_at"], frame["answered_at"])),
        decision=_spread(_hours_between(frame["accepted_at"], frame["decided_at"])),
    )


def answer_times(*, since: dt.date, bank: Bank | None = None) -> AnswerTimes:
    """Answer times over the offers made since the date (to one bank, or to all)."""
    offers = Offer.objects.filter(offered_at__date__gte=since)
    if bank is not None:
        offers = offers.filter(bank=bank)
    return _answer_times(_offer_times(offers))


@dataclass(frozen=True)
class BankFigures:
    code: str
    name: str
    offers: int
    answered: int
    approved: int
    declined: int
    lapsed: int
    times: AnswerTimes
    disbursed_amount: float

    @property
    def median_response_hours(self) -> float | None:
        return self.times.first_answer.median

    @property
    def p90_response_hours(self) -> float | None:
        return self.times.first_answer.p90

    @property
    def median_decision_hours(self) -> float | None:
        return self.times.decision.median

    @property
    def p90_decision_hours(self) -> float | None:
        return self.times.decision.p90

    @property
    def approval_rate(self) -> float | None:
        decided = self.approved + self.declined
        return self.approved / decided if decided else None


def bank_figures(*, since: dt.date, bank: Bank | None = None) -> list[BankFigures]:
    """Per bank, the offers it received since the date: how many, how fast it answered (calendar hours, median
    and 90th percentile, from offer to first answer and from 接单 to decision), how many it approved, declined or
    let lapse, and what it paid out."""
    offers = Offer.objects.filter(offered_at__date__gte=since)
    if bank is not None:
        offers = offers.filter(bank=bank)
    frame = _offer_times(offers)
    paid = dict(Loan.objects.filter(offer__in=offers).values_list("offer__bank__code").annotate(total=Sum("amount")))
    banks = Bank.objects.filter(pk=bank.pk) if bank is not None else Bank.objects.all()
    figures = []
    for each in banks.order_by("name"):
        own = frame[frame["bank"] == each.code]
        status = own["status"]
        declined = status == OfferStatus.DECLINED
        figures.append(
            BankFigures(
                code=each.code,
                name=each.name,
                offers=len(own),
                answered=int(own["answered_at"].notna().sum()),
                approved=int((own["decided_at"].notna() & ~declined).sum()),
                declined=int(declined.sum()),
                lapsed=int((status == OfferStatus.LAPSED).sum()),
                times=_answer_times(own),
                disbursed_amount=float(paid.get(each.code, 0) or 0),
            )
        )
    return figures


def disbursed_by_month(*, since: dt.date, bank: Bank | None = None) -> list[tuple[str, float, int]]:
    """(month, amount paid out, loans) for each month with a payout (by one bank, or by all)."""
    loans = Loan.objects.filter(disbursed_on__gte=since)
    if bank is not None:
        loans = loans.filter(offer__bank=bank)
    rows = (
        loans.annotate(month=TruncMonth("disbursed_on"))
        .values("month")
        .annotate(amount=Sum("amount"), loans=Count("pk"))
        .order_by("month")
    )
    return [(f"{row['month']:%Y-%m}", float(row["amount"]), row["loans"]) for row in rows]


def decline_reasons(*, since: dt.date, bank: Bank) -> list[tuple[str, int]]:
    """(reason, declines) for each reason the bank gave on offers made since the date, the most given first."""
    rows = (
        Offer.objects.filter(bank=bank, offered_at__date__gte=since, status=OfferStatus.DECLINED)
        .values("decline_reason")
        .annotate(declines=Count("pk"))
        .order_by("-declines", "decline_reason")
    )
    return [(row["decline_reason"], row["declines"]) for row in rows]


def grade_distribution() -> dict[str, int]:
    """How many firms sit in each risk grade, as the champion rates them."""
    version = champion()
    ratings = Rating.objects.filter(model_version=version) if version else Rating.objects.none()
    counts = dict(ratings.values_list("grade").annotate(n=Count("pk")))
    return {grade: counts.get(grade, 0) for grade in GRADES}
