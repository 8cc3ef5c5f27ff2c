"""Reads for matching: products as the eligibility table sees them, an applicant as the rules see it, and the
verdict of every active product for an application or a preview."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from django.conf import settings
from django.db.models import Case, Count, Exists, F, OuterRef, Q, When
from django.utils import timezone

from creditloan import selectors as creditloan_selectors
from creditloan.models import Application, Enterprise, KnockOutReview, KnockOutReviewStatus
from creditloan.services import application_terms_checked
from matching.eligibility import Applicant, ProductRules, ProductTable
from matching.models import (
    OPEN_OFFER_STATES,
    ApprovalModelVersion,
    Escalation,
    Loan,
    LoanOutcome,
    LoanProduct,
    MatchingSettings,
    Offer,
    OfferStatus,
    first_answer_at,
)
from matching.pricing import CreditLineEstimate, applicant_estimate
from matching.ranking import ApprovalModel, Candidates, Weights
from scoring.ml.features import CUSTOMS_CLASS_ORDINAL, TAX_RATING_BY_ORDINAL
from scoring.models import Score
from scoring.selectors import application_latest_score, enterprise_assess

CUSTOMS_CLASS_BY_ORDINAL = {rank: name for name, rank in CUSTOMS_CLASS_ORDINAL.items()}


@dataclass(frozen=True)
class ProductVerdict:
    product: LoanProduct
    eligible: bool
    reasons: list[dict]
    estimate: CreditLineEstimate | None = None  # before applying, for a product that fits


def product_rules(product: LoanProduct, product_id: int | None = None) -> ProductRules:
    def number(value) -> float | None:
        return None if value is None else float(value)

    return ProductRules(
        product_id=product.pk if product_id is None else product_id,
        guarantee_mode=product.guarantee_mode,
        bank_id=product.bank_id,
        amount_min=float(product.amount_min),
        amount_max=float(product.amount_max),
        term_min_months=product.term_min_months,
        term_max_months=product.term_max_months,
        regions=tuple(product.regions),
        industries_included=tuple(product.industries_included),
        industries_excluded=tuple(product.industries_excluded),
        enterprise_kinds=tuple(product.enterprise_kinds),
        min_firm_age_years=number(product.min_firm_age_years),
        min_tax_rating=product.min_tax_rating,
        customs_classes=tuple(product.customs_classes),
        max_risk_grade=product.max_risk_grade,
        max_probability_of_default=product.max_probability_of_default,
        min_annual_tax_paid=number(product.min_annual_tax_paid),
        min_annual_revenue=number(product.min_annual_revenue),
        policy_tags=tuple(product.policy_tags),
    )


def offered_products() -> list[LoanProduct]:
    """Products open to applications: active, of an active bank."""
    return list(LoanProduct.objects.filter(active=True, bank__active=True).select_related("bank").order_by("pk"))


def product_ids(products: list[LoanProduct]) -> np.ndarray:
    """Each product's id; a product not saved yet (a what-if) gets -1, -2, … so that every id is distinct."""
    return np.array(
        [product.pk if product.pk is not None else -position for position, product in enumerate(products, start=1)],
        dtype=np.int64,
    )


def product_table(products: list[LoanProduct]) -> ProductTable:
    return ProductTable(
        product_rules(product, int(product_id)) for product, product_id in zip(products, product_ids(products))
    )


def ranking_candidates(
    products: list[LoanProduct], *, approval: ApprovalModel, responses: dict[str, float]
) -> Candidates:
    """The products as the ranking sees them, in the order given (and with the ids product_table gives them)."""
    banks = [product.bank.code for product in products]
    return Candidates(
        product_ids=product_ids(products),
        bank_positions=approval.positions(banks),
        amount_min=np.array([float(product.amount_min) for product in products]),
        amount_max=np.array([float(product.amount_max) for product in products]),
        term_min=np.array([product.term_min_months for product in products], dtype=float),
        term_max=np.array([product.term_max_months for product in products], dtype=float),
        rate_min=np.array([float(product.rate_min) for product in products]),
        rate_max=np.array([float(product.rate_max) for product in products]),
        response_rate=np.array([responses.get(bank, np.nan) for bank in banks]),
    )


def applicant_of(
    *,
    enterprise: Enterprise,
    score: Score,
    amount,
    term_months: int,
    guarantee_mode: str,
    consent: Mapping[int, frozenset[str]] | None = None,
    exclusions_waived: bool = False,
) -> Applicant:
    """The firm as the rules see it: its registry entry, its score (features, grade, PD, exclusions, unless a
    review waived them), and what it asks for."""
    return applicant_from(
        region=enterprise.region,
        industry=enterprise.industry,
        kind=enterprise.kind,
        features=score.features,
        grade=score.grade,
        probability_of_default=score.probability_of_default,
        exclusions=() if exclusions_waived else score.exclusions,
        amount=amount,
        term_months=term_months,
        guarantee_mode=guarantee_mode,
        consent=consent,
    )


def applicant_from(
    *,
    region: str,
    industry: str,
    kind: str,
    features: Mapping,
    grade: str,
    probability_of_default: float,
    exclusions: Iterable[dict],
    amount,
    term_months: int,
    guarantee_mode: str,
    consent: Mapping[int, frozenset[str]] | None = None,
) -> Applicant:
    """An applicant from a firm's features, stored (a Score's JSON) or just computed (a row of a frame)."""

    def figure(name: str) -> float:
        value = features.get(name)
        return math.nan if value is None else float(value)

    return Applicant(
        region=region,
        industry=industry,
        kind=kind,
        firm_age_years=figure("firm_age_years"),
        tax_rating=TAX_RATING_BY_ORDINAL.get(features.get("tax_rating"), ""),
        customs_class=CUSTOMS_CLASS_BY_ORDINAL.get(features.get("customs_class"), ""),
        tax_paid=figure("tax_paid_latest_year"),
        revenue=figure("declared_revenue_latest_year"),
        grade=grade,
        probability_of_default=probability_of_default,
        amount=float(amount),
        term_months=int(term_months),
        guarantee_mode=guarantee_mode,
        consent=consent,
        exclusions=tuple(exclusions),
    )


def eligibility(*, applicant: Applicant, products: list[LoanProduct] | None = None) -> list[ProductVerdict]:
    """Every offered product's verdict for this applicant, eligible ones first, each in product order."""
    products = offered_products() if products is None else products
    if not products:
        return []
    table = product_table(products)
    verdicts = table.evaluate(applicant)
    results = [
        ProductVerdict(
            product=product,
            eligible=bool(verdicts.eligible[index]),
            reasons=[] if verdicts.eligible[index] else table.reasons(applicant, verdicts, index),
        )
        for index, product in enumerate(products)
    ]
    return sorted(results, key=lambda result: not result.eligible)


def application_eligibility(*, application: Application) -> list[ProductVerdict]:
    """After applying: the verdicts against the application's latest score."""
    score = application_latest_score(application)
    if score is None:
        return []
    return eligibility(applicant=application_applicant(application, score=score))


def application_applicant(
    application: Application, *, score: Score, consent: Mapping[int, frozenset[str]] | None = None
) -> Applicant:
    """The application's firm as the rules see it against `score`, with what it asks for. A product is open only
    while the firm lets its bank see its data, and one that needs a source (税易贷: tax data) only while that bank
    may see that source too: `consent` is the firm's by bank (read here unless given). A person who reviewed the
    knock-out and overturned it has waived the policy rules (asked only when there is a rule to waive)."""
    return applicant_of(
        enterprise=application.enterprise,
        score=score,
        amount=application.amount,
        term_months=application.term_months,
        guarantee_mode=application.guarantee_mode,
        consent=creditloan_selectors.consent_by_bank(application.enterprise_id) if consent is None else consent,
        exclusions_waived=bool(score.exclusions) and knockout_overturned(application),
    )


def knockout_overturned(application: Application) -> bool:
    """Whether a person reviewed the application's knock-out and overturned it."""
    return KnockOutReview.objects.filter(application=application, status=KnockOutReviewStatus.OVERTURNED).exists()


def eligibility_preview(
    *, enterprise: Enterprise, amount, term_months: int, guarantee_mode: str
) -> tuple[Score, list[ProductVerdict]]:
    """Before applying: the firm assessed today (not stored) and every offered product's verdict, with the
    estimated line and rate of each that fits. Terms that submitting would refuse are refused here too, in the
    same words."""
    amount, term_months = application_terms_checked(
        amount=amount, term_months=term_months, guarantee_mode=guarantee_mode
    )
    score = enterprise_assess(enterprise_id=enterprise.pk)
    applicant = applicant_of(
        enterprise=enterprise,
        score=score,
        amount=amount,
        term_months=term_months,
        guarantee_mode=guarantee_mode,
        consent=creditloan_selectors.consent_by_bank(enterprise.pk),
    )
    verdicts = [
        replace(verdict, estimate=applicant_estimate(applicant, verdict.product)) if verdict.eligible else verdict
        for verdict in eligibility(applicant=applicant)
    ]
    return score, verdicts


def current_settings() -> MatchingSettings:
    return MatchingSettings.objects.order_by("-number").first()


def weights_of(settings: MatchingSettings) -> Weights:
    return Weights(
        approval=settings.weight_approval,
        price=settings.weight_price,
        fit=settings.weight_fit,
        response=settings.weight_response,
    )


def latest_approval_model() -> ApprovalModelVersion | None:
    return ApprovalModelVersion.objects.order_by("-number").first()


def bank_response_rates() -> dict[str, float]:
    """Each bank's share of past offers it first answered before their deadline, among those answered or
    lapsed."""
    rows = (
        Offer.objects.exclude(status=OfferStatus.OFFERED)
        .annotate(answered_at=first_answer_at())
        .values("bank__code")
        .annotate(
            in_time=Count("pk", filter=Q(answered_at__isnull=False, answered_at__lte=F("deadline"))),
            due=Count("pk", filter=Q(answered_at__isnull=False) | Q(status=OfferStatus.LAPSED)),
        )
    )
    return {row["bank__code"]: row["in_time"] / row["due"] for row in rows if row["due"]}


def decided_offers() -> pd.DataFrame:
    """Every offer a bank approved or declined, oldest first: the approval model's lessons."""
    approved = [OfferStatus.APPROVED, OfferStatus.DISBURSED]
    rows = (
        Offer.objects.filter(status__in=[*approved, OfferStatus.DECLINED])
        .order_by("application__submitted_at", "pk")
        .values_list(
            "bank__code",
            "application__enterprise_id",
            "application__submitted_at",
            "application__amount",
            "status",
        )
    )
    frame = pd.DataFrame.from_records(list(rows), columns=["bank", "enterprise_id", "submitted_at", "amount", "status"])
    local_day = pd.to_datetime(frame["submitted_at"], utc=True).dt.tz_convert(settings.TIME_ZONE).dt.date
    frame["as_of"] = pd.to_datetime(local_day).to_numpy(dtype="datetime64[D]")
    frame["amount"] = frame["amount"].astype(float)
    frame["approved"] = frame["status"].isin(approved).astype(int)
    return frame.drop(columns="status")


def training_sample() -> pd.DataFrame:
    """Every granted loan whose outcome is known, as (enterprise_id, as_of, submitted_at, defaulted), oldest
    application first: the features are taken as the firm stood on the day it applied. The labels the risk
    model learns from: scoring, which does not import matching, is handed them by its callers (the training
    flows in creditloan.flows.champion; the drift page and command)."""
    loans = (
        Loan.objects.filter(outcome__in=[LoanOutcome.REPAID, LoanOutcome.DEFAULTED])
        .values_list("offer__application__enterprise_id", "offer__application__submitted_at", "outcome")
        .order_by("offer__application__submitted_at", "offer__application_id")
    )
    sample = pd.DataFrame.from_records(list(loans), columns=["enterprise_id", "submitted_at", "outcome"])
    submitted = pd.to_datetime(sample["submitted_at"], utc=True)
    local_day = submitted.dt.tz_convert(settings.TIME_ZONE).dt.date
    sample["as_of"] = pd.to_datetime(local_day).to_numpy(dtype="datetime64[D]")
    sample["defaulted"] = (sample["outcome"] == LoanOutcome.DEFAULTED).astype(int)
    return sample.drop(columns="outcome")


def queue_due_at():
    """When the bank's next answer on an offer is due: to accept it (接单) while offered, to decide once accepted;
    nothing for a finished one, which is never late however long ago its deadlines passed."""
    return Case(
        When(status=OfferStatus.OFFERED, then=F("deadline")),
        When(status=OfferStatus.ACCEPTED, then=F("decision_deadline")),
        default=None,
    )


def queue_overdue(offers, *, now):
    """The open offers whose answer is past due."""
    return offers.filter(due_at__lt=now)


def queue_search(offers, text: str):
    """The offers to a firm whose name holds `text`, or whose unified social credit code starts with it (in
    either case of letters, as people type it)."""
    text = text.strip()
    if not text:
        return offers
    return offers.filter(
        Q(application__enterprise__name__icontains=text) | Q(application__enterprise__uscc__startswith=text.upper())
    )


def bank_queue(
    *,
    bank,
    status: str = "open",
    product_code: str = "",
    overdue_only: bool = False,
    search: str = "",
    order: str = "deadline",
    now=None,
    escalated: bool = True,
):
    """The offers routed to one bank (never another bank's), each with `due_at` (queue_due_at) and, unless not
    asked for, `escalated` (an open 督办), narrowed by
    state ("open", "all" or one OfferStatus), product, lateness and firm. In `order` "deadline": open offers
    first, the soonest due first, then the finished ones, the latest deadline first (the oldest finished offer is
    the one an officer least often looks for); in "-offered_at": the newest offered first."""
    offers = Offer.objects.filter(bank=bank).select_related("application__enterprise", "product")
    offers = offers.annotate(due_at=queue_due_at())
    if escalated:
        # 督办: the bank was late to decide and the platform is urging it; the queue marks it.
        offers = offers.annotate(
            escalated=Exists(Escalation.objects.filter(offer=OuterRef("pk"), resolved_at__isnull=True))
        )
    if status == "open":
        offers = offers.filter(status__in=OPEN_OFFER_STATES)
    elif status != "all":
        offers = offers.filter(status=status)
    if product_code:
        offers = offers.filter(product__code=product_code)
    if overdue_only:
        offers = queue_overdue(offers, now=now or timezone.now())
    offers = queue_search(offers, search)
    if order == "-offered_at":
        return offers.order_by("-offered_at", "-pk")
    still_open = Case(When(status__in=OPEN_OFFER_STATES, then=0), default=1)
    return offers.order_by(still_open, F("due_at").asc(nulls_last=True), "-deadline", "pk")


QUEUE_COLUMNS = (
    "id",
    "application_id",
    "rank",
    "status",
    "offered_at",
    "deadline",
    "accepted_at",
    "decided_at",
    "disbursed_at",
    "due_at",
)


def bank_queue_rows(**narrowed):
    """The bank's queue (bank_queue's arguments) as plain rows: the columns a list shows, no model instances.
    For the API, where an officer's client polls it and building four models a row cost more than the query."""
    return bank_queue(**narrowed, escalated=False).values(
        *QUEUE_COLUMNS,
        amount=F("application__amount"),
        term_months=F("application__term_months"),
        enterprise=F("application__enterprise__name"),
        uscc=F("application__enterprise__uscc"),
        product_code=F("product__code"),
    )


def bank_products(*, bank) -> list[tuple[str, str]]:
    """The bank's products as (code, name), paused ones too (their offers are still in the queue)."""
    return list(LoanProduct.objects.filter(bank=bank).order_by("code").values_list("code", "name"))


def bank_offer(*, bank, offer_id: int) -> Offer | None:
    """One offer routed to the bank, with `due_at` (queue_due_at) and who took each step."""
    # Found by its id: no ORDER BY to build (first() would, from each of the six tables' columns).
    found = (
        Offer.objects.filter(bank=bank, pk=offer_id)
        .select_related("application__enterprise", "product__bank", "accepted_by", "decided_by")
        .annotate(due_at=queue_due_at())[:1]
    )
    return next(iter(found), None)


def products_for_operators():
    return LoanProduct.objects.select_related("bank").order_by("bank__name", "code")


def bank_loans(*, bank, reported_status: str | None = None):
    """The loans a bank paid out, latest payout first, with their latest reported status (blank: none yet);
    `reported_status` keeps those last reported so. Never another bank's."""
    loans = Loan.objects.filter(offer__bank=bank).select_related("offer__application__enterprise", "offer__product")
    if reported_status is not None:
        loans = loans.filter(reported_status=reported_status)
    return loans.order_by("-disbursed_on", "-pk")


def bank_loan(*, bank, loan_id: int) -> Loan | None:
    return bank_loans(bank=bank).filter(pk=loan_id).first()
