"""Reads for the dashboards: the funnel, each bank's answers, the money lent, the population's grades.
Every figure covers the applications submitted (or offers made, or loans paid out) since a date."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.db.models import Count, Exists, OuterRef, Sum
from django.db.models.functions import TruncMonth

from creditloan.models import Application, Bank
from matching.models import Loan, Offer, OfferStatus, Ranking, first_answer_at
from scoring.ml.scale import GRADES
from scoring.models import Rating
from scoring.selectors import champion

FUNNEL_STEPS = ("applied", "matched", "offered", "accepted", "approved", "disbursed")
ACCEPTED_OR_LATER = [OfferStatus.ACCEPTED, OfferStatus.APPROVED, OfferStatus.DISBURSED]


def funnel(*, since: dt.date) -> dict[str, int]:
    """Applications that reached each step: ranked with at least one eligible product, offered to a bank, taken
    up by one (接单), approved, paid out."""
    applications = Application.objects.filter(submitted_at__date__gte=since)

    def reached(statuses) -> Exists:
        return Exists(Offer.objects.filter(application=OuterRef("pk"), status__in=statuses))

    counts = applications.aggregate(
        applied=Count("pk"),
        matched=Count("pk", filter=Exists(Ranking.objects.filter(application=OuterRef("pk")).exclude(entries=[]))),
        offered=Count("pk", filter=Exists(Offer.objects.filter(application=OuterRef("pk")))),
        accepted=Count("pk", filter=reached(ACCEPTED_OR_LATER)),
        approved=Count("pk", filter=reached([OfferStatus.APPROVED, OfferStatus.DISBURSED])),
        disbursed=Count("pk", filter=reached([OfferStatus.DISBURSED])),
    )
    # Applications from before rankings were kept (the demo's history) were offered without one.
    counts["matched"] = max(counts["matched"], counts["offered"])
    return {step: counts[step] for step in FUNNEL_STEPS}


@dataclass(frozen=True)
class BankFigures:
    code: str
    name: str
    offers: int
    answered: int
    approved: int
    declined: int
    lapsed: int
    median_response_hours: float | None
    disbursed_amount: float

    @property
    def approval_rate(self) -> float | None:
        decided = self.approved + self.declined
        return self.approved / decided if decided else None


def bank_figures(*, since: dt.date, bank: Bank | None = None) -> list[BankFigures]:
    """Per bank, the offers it received since the date: how many, how fast it answered (the median, from offer
    to its first decision), how many it approved, declined or let lapse, and what it paid out."""
    offers = Offer.objects.filter(offered_at__date__gte=since)
    if bank is not None:
        offers = offers.filter(bank=bank)
    frame = pd.DataFrame.from_records(
        list(offers.values_list("bank__code", "status", "offered_at", first_answer_at())),
        columns=["bank", "status", "offered_at", "decided_at"],
    )
    paid = dict(Loan.objects.filter(offer__in=offers).values_list("offer__bank__code").annotate(total=Sum("amount")))
    banks = Bank.objects.filter(pk=bank.pk) if bank is not None else Bank.objects.all()
    figures = []
    for each in banks.order_by("name"):
        own = frame[frame["bank"] == each.code]
        hours = (
            pd.to_datetime(own["decided_at"], utc=True) - pd.to_datetime(own["offered_at"], utc=True)
        ).dt.total_seconds().dropna() / 3600
        status = own["status"]
        figures.append(
            BankFigures(
                code=each.code,
                name=each.name,
                offers=len(own),
                answered=int(own["decided_at"].notna().sum()),
                approved=int(status.isin([OfferStatus.APPROVED, OfferStatus.DISBURSED]).sum()),
                declined=int((status == OfferStatus.DECLINED).sum()),
                lapsed=int((status == OfferStatus.LAPSED).sum()),
                median_response_hours=float(np.median(hours)) if len(hours) else None,
                disbursed_amount=float(paid.get(each.code, 0) or 0),
            )
        )
    return figures


def disbursed_by_month(*, since: dt.date) -> list[tuple[str, float, int]]:
    """(month, amount paid out, loans) for each month with a payout."""
    rows = (
        Loan.objects.filter(disbursed_on__gte=since)
        .annotate(month=TruncMonth("disbursed_on"))
        .values("month")
        .annotate(amount=Sum("amount"), loans=Count("pk"))
        .order_by("month")
    )
    return [(f"{row['month']:%Y-%m}", float(row["amount"]), row["loans"]) for row in rows]


def grade_distribution() -> dict[str, int]:
    """How many firms sit in each risk grade, as the champion rates them."""
    version = champion()
    ratings = Rating.objects.filter(model_version=version) if version else Rating.objects.none()
    counts = dict(ratings.values_list("grade").annotate(n=Count("pk")))
    return {grade: counts.get(grade, 0) for grade in GRADES}
