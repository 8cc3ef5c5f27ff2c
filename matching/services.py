"""Writes for matching: the operator's settings, the approval model, and an application's ranking."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

import pandas as pd
from django.conf import settings as django_settings
from django.db import transaction
from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from creditloan import selectors as creditloan_selectors
from creditloan.errors import DomainError, ErrorCode
from creditloan.models import AccessPurpose, Application, Bank, LoanPrimeRate
from creditloan.numbering import numbered_create
from creditloan.services import access_record
from creditloan.values import percent_text, read_weight
from matching import selectors
from matching.models import ApprovalModelVersion, BankMonth, LoanProduct, MatchingSettings, Offer, Ranking
from matching.ranking import ApprovalModel, Weights, rank
from matching.ranking_inputs import RankingInputs, ranking_inputs
from scoring import selectors as scoring_selectors
from scoring.ml.features import FEATURES_BY_NAME, build_features
from scoring.ml.metrics import evaluate
from scoring.models import Score
from scoring.selectors import application_latest_score

TOP_K_MAX = 10
# The held-out period of the approval model: the latest fifth of the decisions.
APPROVAL_HOLDOUT_SHARE = 0.2


def checked_settings(*, approval, price, fit, response, top_k) -> tuple[Weights, int]:
    """Weights and K as a ranking can use them, or an error naming what is wrong. Each weight is read as the
    forms and the API read it (finite, 0 to WEIGHT_LARGEST), so their sum cannot overflow to infinity."""
    given = {"approval": approval, "price": price, "fit": fit, "response": response}
    try:
        weights = Weights(**{name: read_weight(value) for name, value in given.items()})
    except (ValueError, TypeError) as error:
        raise DomainError(
            ErrorCode.INVALID_INPUT, _("weights: %(problem)s") % {"problem": error}, field="weights"
        ) from None
    if isinstance(top_k, bool) or not isinstance(top_k, int) or not 1 <= top_k <= TOP_K_MAX:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            _("top_k: %(value)r is not a whole number from 1 to %(most)d") % {"value": top_k, "most": TOP_K_MAX},
            field="top_k",
        )
    return weights, top_k


def matching_settings_publish(
    *, approval: float, price: float, fit: float, response: float, top_k: int, note: str = "", by=None
) -> MatchingSettings:
    """A new version of the ranking weights and K; earlier versions stay, so past rankings keep their meaning."""
    checked_settings(approval=approval, price=price, fit=fit, response=response, top_k=top_k)
    return numbered_create(
        MatchingSettings,
        weight_approval=approval,
        weight_price=price,
        weight_fit=fit,
        weight_response=response,
        top_k=top_k,
        note=note,
        created_at=timezone.now(),
        created_by=by,
    )


@transaction.atomic
def product_set_active(*, product_id: int, active: bool, by=None) -> LoanProduct:
    """Pause a product (no new application is offered it; offers already made stand) or offer it again."""
    product = LoanProduct.objects.select_for_update().filter(pk=product_id).first()
    if product is None:
        raise DomainError(
            ErrorCode.NOT_FOUND, _("no loan product #%(number)s") % {"number": product_id}, field="product"
        )
    if product.active != active:
        product.active = active
        product.save(update_fields=["active"])
    return product


# An LPR outside this range is a typing error (it has been 3 % to 6 % since it was reformed in 2019).
PRIME_RATE_LARGEST = Decimal("0.20")


@transaction.atomic
def prime_rate_record(*, effective_on, one_year: Decimal, five_year: Decimal, by=None) -> tuple[LoanPrimeRate, bool]:
    """Keep the LPR published for a day, or correct the one kept for it; True when it is new."""
    for field, rate in (("one_year", one_year), ("five_year", five_year)):
        if not 0 < rate <= PRIME_RATE_LARGEST:
            raise DomainError(
                ErrorCode.INVALID_INPUT,
                _("%(rate)s is not an LPR: it lies above 0%% and at most %(most)s")
                % {"rate": percent_text(rate), "most": percent_text(PRIME_RATE_LARGEST)},
                field=field,
            )
    prime, created = LoanPrimeRate.objects.update_or_create(
        effective_on=effective_on, defaults={"one_year": one_year, "five_year": five_year, "recorded_by": by}
    )
    return prime, created


@transaction.atomic
def bank_months_recount() -> int:
    """Rebuild every bank's monthly offer counts from the offers themselves, for offers created outside
    routing (the demo's history, a bulk load). Locks the banks, as routing does while it counts. Returns how
    many (bank, month) rows there are."""
    list(Bank.objects.select_for_update().order_by("code").values_list("pk", flat=True))
    months = (
        Offer.objects.annotate(month=TruncMonth("offered_at", tzinfo=ZoneInfo(django_settings.TIME_ZONE)))
        .values("product__bank_id", "month")
        .annotate(offers=Count("pk"))
    )
    BankMonth.objects.all().delete()
    rows = BankMonth.objects.bulk_create(
        BankMonth(bank_id=row["product__bank_id"], month=row["month"].date(), offers=row["offers"]) for row in months
    )
    return len(rows)


def approval_model_train() -> ApprovalModelVersion:
    """Learn each bank's appetite from its past approvals and declines, judged on the latest fifth first and
    then refitted on all of them. Each decision is described by the applicant's PD under the champion, as the
    firm stood the day it applied."""
    decisions = selectors.decided_offers()
    if decisions.empty or decisions["approved"].nunique() < 2:
        raise DomainError(
            ErrorCode.NOT_ENOUGH_HISTORY,
            _("%(count)d bank decisions: need both approvals and declines") % {"count": len(decisions)},
        )
    version = scoring_selectors.champion()
    if version is None:
        raise DomainError(ErrorCode.NO_CHAMPION, _("the approval model needs the champion's PDs: train_model first"))
    model = scoring_selectors.loaded_model(version)
    requests = decisions[["enterprise_id", "as_of"]]
    features = build_features(scoring_selectors.record_frames(requests=requests))
    decisions["probability_of_default"] = model.predict_proba(features)[:, 1]

    cut = int(len(decisions) * (1 - APPROVAL_HOLDOUT_SHARE))
    earlier, later = decisions.iloc[:cut], decisions.iloc[cut:]
    metrics = {}
    if later["approved"].nunique() == 2 and earlier["approved"].nunique() == 2:
        judged = _approval_fit(earlier)
        predicted = judged.probability(
            judged.positions(later["bank"]), later["probability_of_default"].to_numpy(), later["amount"].to_numpy()
        )
        metrics = evaluate(later["approved"].to_numpy(), predicted).to_dict()
        metrics.pop("calibration")
        metrics |= {"held_out_from": str(later["as_of"].iloc[0].date()), "held_out": len(later), "fitted_on": cut}
    final = _approval_fit(decisions)
    # The PDs it learned from are this risk model's: a ranking should feed it PDs of the same model.
    metrics["pd_model_version"] = version.number
    return numbered_create(
        ApprovalModelVersion,
        coefficients=final.to_dict(),
        metrics=metrics,
        trained_at=timezone.now(),
    )


def _approval_fit(decisions: pd.DataFrame) -> ApprovalModel:
    return ApprovalModel.fit(
        banks=decisions["bank"].to_numpy(),
        probability_of_default=decisions["probability_of_default"].to_numpy(),
        amount=decisions["amount"].to_numpy(),
        approved=decisions["approved"].to_numpy(),
    )


# No savepoint of its own: its one write is the ranking, and a caller in a transaction (routing) rolls back whole.
@transaction.atomic(savepoint=False)
def application_rank(
    *,
    application: Application,
    score: Score | None = None,
    consent: Mapping[int, frozenset[str]] | None = None,
    inputs: RankingInputs | None = None,
) -> Ranking:
    """Rank the products the application is eligible for, and keep the ranking with everything behind it.
    `score` (its latest), `consent` (the firm's, by bank) and `inputs` (the catalogue and settings) spare the reads
    when the caller has them already; the application's enterprise is read through it (select_related spares
    that read too)."""
    score = score or application_latest_score(application)
    if score is None:
        raise DomainError(
            ErrorCode.NOT_FOUND,
            _("application #%(number)d has no score yet") % {"number": application.pk},
            field="application",
        )
    ranking = ranking_made(application=application, score=score, consent=consent, inputs=inputs or ranking_inputs())
    ranking.save()
    return ranking


def ranking_made(
    *, application: Application, score: Score, consent: Mapping[int, frozenset[str]] | None, inputs: RankingInputs
) -> Ranking:
    """application_rank's ranking, not yet stored: routing a batch stores its rankings in one statement."""
    applicant = selectors.application_applicant(application, score=score, consent=consent)
    ranking = rank(
        inputs.candidates,
        positions=inputs.table.eligible_positions(applicant),
        application_key=application.pk,
        probability_of_default=score.probability_of_default,
        amount=float(application.amount),
        term_months=application.term_months,
        weights=inputs.weights,
        approval=inputs.approval,
    )
    entries = [row | {"bank": inputs.bank_code(row["product"])} for row in ranking.rows()]
    return Ranking(
        application=application,
        score=score,
        settings=inputs.settings,
        approval_model=inputs.approval_version,
        entries=entries,
        created_at=timezone.now(),
    )


@dataclass(frozen=True)
class OfferProfile:
    """What an officer sees of the firm behind an offer: its latest score and its records, only from the
    sources the firm has authorised this bank to see."""

    score: Score | None
    shared_sources: frozenset[str]
    records: list[dict]


def offer_profile_open(*, offer: Offer, viewer) -> OfferProfile:
    """The officer's view of an offer's firm. The access log row is written first, every time: the applicant
    sees who looked, at what and for which offer."""
    enterprise_id = offer.application.enterprise_id
    shared = creditloan_selectors.authorised_sources(enterprise_id, bank=viewer.bank)
    # The score too is the firm's data: a bank no active authorisation names sees the application alone.
    score = application_latest_score(offer.application) if shared else None
    access_record(
        viewer=viewer,
        enterprise_id=enterprise_id,
        what="application" + (",score" if score else "") + (f",records:{'+'.join(sorted(shared))}" if shared else ""),
        purpose=AccessPurpose.OFFER_REVIEW,
        reference=f"offer #{offer.pk}",
    )
    return OfferProfile(
        score=_score_as_shared(score, shared) if score is not None else None,
        shared_sources=shared,
        records=creditloan_selectors.credit_records(enterprise_id, sources=shared, without_corrected=True),
    )


def _score_as_shared(score: Score, shared: frozenset[str]) -> Score:
    """The score with only the reasons and improvements drawn from the registry or from sources the bank may
    see: a reason quotes its figure (纳税额同比下降35%), so it would pass on data the firm has not shared.
    A copy for showing, never saved."""
    visible = {"registry", *shared}

    def from_visible(items: list[dict]) -> list[dict]:
        return [item for item in items if FEATURES_BY_NAME[item["feature"]].source in visible]

    shown = copy.copy(score)
    shown.reasons = {side: from_visible(items) for side, items in (score.reasons or {}).items()}
    shown.improvements = from_visible(score.improvements or [])
    return shown
