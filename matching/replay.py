"""What-if for operators: past applications replayed against changed weights or product rules.

Each application since a date is judged as it stood the day it was submitted (its firm's records as of that
day, under today's champion, with today's policy rules), then matched twice: once with the current settings
and offered products, once with the changes. Offers are chosen as routing chooses them (the top K ranked
products whose bank still has capacity that month, applications taken in the order they arrived); declines
and lapses, which would send an application further down its ranking, are not replayed. Nothing is written:
the changed products are unsaved copies, checked by the same validation as the admin's.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from creditloan.errors import DomainError, ErrorCode
from creditloan.models import Application, Bank
from matching import selectors
from matching.eligibility import Applicant
from matching.models import LoanProduct
from matching.ranking import ApprovalModel, Weights, rank, top_within_capacity
from matching.ranking_inputs import EVEN_ODDS
from matching.services import checked_settings
from scoring import selectors as scoring_selectors
from scoring.ml.features import build_features
from scoring.models import PolicyRule

WEIGHT_KEYS = ("approval", "price", "fit", "response", "top_k")
# What a product change may set: the product's terms and rules, and whether it is offered.
PRODUCT_FIELDS = tuple(f.name for f in LoanProduct._meta.concrete_fields if f.name not in ("id", "bank", "code"))


@dataclass(frozen=True)
class Scenario:
    weights: Weights
    top_k: int
    products: list[LoanProduct]  # those offered: active, of an active bank


@dataclass
class Tally:
    """One scenario's figures for a bank or a product."""

    offers: int = 0
    approval_sum: float = 0.0  # the approval model's estimates, summed over the offers
    eligible: int = 0  # applications eligible for at least one of its products

    def to_dict(self, applications: int) -> dict:
        return {
            "offers": self.offers,
            "approval_estimate": round(self.approval_sum / self.offers, 4) if self.offers else None,
            "expected_approvals": round(self.approval_sum, 2),
            "eligible_share": round(self.eligible / applications, 4) if applications else None,
        }


@dataclass
class Outcome:
    """One scenario run over the applications."""

    applications: int = 0
    with_eligible: int = 0
    with_offer: int = 0
    banks: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    products: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    busiest_month: dict[str, int] = field(default_factory=dict)  # bank → most offers in one month
    offered: list[frozenset[int]] = field(default_factory=list)  # per application, the products offered


@dataclass(frozen=True)
class ReplayReport:
    since: dt.date
    until: dt.date | None
    applications: int
    applications_changed: int
    current: Outcome
    changed: Outcome
    bank_names: dict[str, str]
    bank_capacity: dict[str, int]
    product_banks: dict[str, str]

    def to_dict(self) -> dict:
        n = self.applications

        def both(current: Tally, changed: Tally) -> dict:
            return {"current": current.to_dict(n), "changed": changed.to_dict(n)}

        def share(count: int) -> float | None:
            return round(count / n, 4) if n else None

        return {
            "since": self.since.isoformat(),
            "until": self.until.isoformat() if self.until else None,
            "applications": n,
            "applications_with_other_offers": self.applications_changed,
            "eligible_share": {
                "current": share(self.current.with_eligible),
                "changed": share(self.changed.with_eligible),
            },
            "offered_share": {"current": share(self.current.with_offer), "changed": share(self.changed.with_offer)},
            "banks": [
                {
                    "bank": code,
                    "name": self.bank_names.get(code, code),
                    "monthly_capacity": self.bank_capacity.get(code),
                    "busiest_month": {
                        "current": self.current.busiest_month.get(code, 0),
                        "changed": self.changed.busiest_month.get(code, 0),
                    },
                    **both(self.current.banks[code], self.changed.banks[code]),
                }
                for code in sorted(set(self.current.banks) | set(self.changed.banks))
            ],
            "products": [
                {
                    "product": code,
                    "bank": self.product_banks[code],
                    **both(self.current.products[code], self.changed.products[code]),
                }
                for code in sorted(set(self.current.products) | set(self.changed.products))
                if self.current.products[code].offers or self.changed.products[code].offers
            ],
        }


def replay(
    *,
    since: dt.date,
    until: dt.date | None = None,
    weight_changes: Mapping | None = None,
    product_changes: list | None = None,
    source: Mapping[str, str] | None = None,
) -> ReplayReport:
    """Replay the applications submitted from `since` to `until` (local dates, inclusive) with the current
    settings and products, and again with the changes; `source` names where each set of changes came from,
    for error messages."""
    source = source or {}
    settings_now = selectors.current_settings()
    if settings_now is None:
        raise DomainError(ErrorCode.NOT_FOUND, _("No ranking weights have been published yet."))
    products_now = selectors.offered_products()
    current = Scenario(
        weights=selectors.weights_of(settings_now),
        top_k=settings_now.top_k,
        products=products_now,
    )
    changed = Scenario(
        *weights_changed(current, weight_changes or {}, source.get("weights", "weights")),
        products=products_changed(product_changes or [], source.get("products", "product changes")),
    )
    applications = replayed_applications(since=since, until=until)
    approval_version = selectors.latest_approval_model()
    approval = ApprovalModel.from_dict(approval_version.coefficients) if approval_version else EVEN_ODDS
    responses = selectors.bank_response_rates()
    outcomes = [_run(scenario, applications, approval, responses) for scenario in (current, changed)]
    banks = {bank.code: bank for bank in Bank.objects.all()}
    every_product = {product.code: product.bank.code for product in products_now + changed.products}
    return ReplayReport(
        since=since,
        until=until,
        applications=len(applications),
        applications_changed=sum(a != b for a, b in zip(outcomes[0].offered, outcomes[1].offered)),
        current=outcomes[0],
        changed=outcomes[1],
        bank_names={code: bank.name for code, bank in banks.items()},
        bank_capacity={code: bank.monthly_capacity for code, bank in banks.items()},
        product_banks=every_product,
    )


def weights_changed(current: Scenario, changes: Mapping, source: str) -> tuple[Weights, int]:
    if not isinstance(changes, Mapping):
        raise DomainError(ErrorCode.INVALID_INPUT, f'{source}: expected a JSON object such as {{"price": 0.4}}')
    unknown = sorted(set(changes) - set(WEIGHT_KEYS))
    if unknown:
        raise DomainError(
            ErrorCode.INVALID_INPUT, f"{source}: unknown keys {', '.join(unknown)}; known: {', '.join(WEIGHT_KEYS)}"
        )
    values = {
        "approval": current.weights.approval,
        "price": current.weights.price,
        "fit": current.weights.fit,
        "response": current.weights.response,
        "top_k": current.top_k,
    } | dict(changes)
    try:
        return checked_settings(**values)
    except DomainError as error:
        raise DomainError(error.code, f"{source}: {error.message}", field=error.field) from None


def products_changed(changes: list, source: str) -> list[LoanProduct]:
    """The offered products with the changes applied to copies: an entry names a product by its code and sets
    fields of it ("active": false pauses it); an entry for a code that does not exist adds a product, and then
    names its bank and sets every field a product needs."""
    if not isinstance(changes, list):
        raise DomainError(ErrorCode.INVALID_INPUT, f"{source}: expected a JSON list of changes, one per product")
    products = {product.code: copy.copy(product) for product in LoanProduct.objects.select_related("bank")}
    seen: set[str] = set()
    for number, change in enumerate(changes, start=1):
        where = f"{source}: entry {number}"
        if not isinstance(change, Mapping) or not isinstance(change.get("product"), str):
            raise DomainError(ErrorCode.INVALID_INPUT, f'{where}: expected an object naming its "product" by code')
        code = change["product"]
        where = f"{where} ({code})"
        if code in seen:
            raise DomainError(ErrorCode.INVALID_INPUT, f"{where}: the product is changed twice; merge the entries")
        seen.add(code)
        fields = {name: value for name, value in change.items() if name not in ("product", "bank")}
        unknown = sorted(set(fields) - set(PRODUCT_FIELDS))
        if unknown:
            raise DomainError(
                ErrorCode.INVALID_INPUT,
                f"{where}: unknown fields {', '.join(unknown)}; a change may set {', '.join(PRODUCT_FIELDS)}",
            )
        product = products.get(code)
        if product is None:
            product = _new_product(code, change.get("bank"), where)
            products[code] = product
        elif "bank" in change:
            raise DomainError(ErrorCode.INVALID_INPUT, f"{where}: a product cannot move to another bank")
        for name, value in fields.items():
            setattr(product, name, value)
        try:
            product.full_clean(exclude=["bank"], validate_unique=False)
        except ValidationError as error:
            problems = "; ".join(f"{name}: {' '.join(messages)}" for name, messages in error.message_dict.items())
            raise DomainError(ErrorCode.INVALID_INPUT, f"{where}: {problems}") from None
    return sorted(
        (product for product in products.values() if product.active and product.bank.active),
        key=lambda product: (product.pk is None, product.pk or 0, product.code),
    )


def _new_product(code: str, bank_code, where: str) -> LoanProduct:
    if not isinstance(bank_code, str):
        raise DomainError(
            ErrorCode.INVALID_INPUT, f'{where}: no product has this code; to add one, name its "bank" by code'
        )
    bank = Bank.objects.filter(code=bank_code).first()
    if bank is None:
        raise DomainError(ErrorCode.INVALID_INPUT, f"{where}: no bank with code {bank_code!r}")
    return LoanProduct(bank=bank, code=code)


def read_json(path: Path, what: str):
    """A changes file's contents, or an error that names the file and where in it the JSON breaks."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise DomainError(ErrorCode.INVALID_INPUT, f"{what} {path}: cannot read: {error.strerror}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise DomainError(
            ErrorCode.INVALID_INPUT, f"{what} {path}: not JSON: line {error.lineno} column {error.colno}: {error.msg}"
        ) from None


@dataclass(frozen=True)
class ReplayedApplication:
    month: str
    applicant: Applicant
    key: int


def replayed_applications(*, since: dt.date, until: dt.date | None) -> list[ReplayedApplication]:
    """The applications of the period, oldest first, each firm judged as of the day it applied."""
    if until is not None and until < since:
        raise DomainError(ErrorCode.INVALID_INPUT, f"until {until} is before since {since}", field="until")
    rows = Application.objects.filter(submitted_at__date__gte=since)
    if until is not None:
        rows = rows.filter(submitted_at__date__lte=until)
    frame = pd.DataFrame.from_records(
        list(
            rows.order_by("submitted_at", "pk").values_list(
                "pk",
                "enterprise_id",
                "submitted_at",
                "amount",
                "term_months",
                "guarantee_mode",
                "enterprise__region",
                "enterprise__industry",
                "enterprise__kind",
            )
        ),
        columns=[
            "pk",
            "enterprise_id",
            "submitted_at",
            "amount",
            "term_months",
            "guarantee",
            "region",
            "industry",
            "kind",
        ],
    )
    if frame.empty:
        return []
    version = scoring_selectors.champion()
    if version is None:
        raise DomainError(
            ErrorCode.NO_CHAMPION,
            _("Replaying needs a champion model's default probabilities: train and promote a model first."),
        )
    model = scoring_selectors.loaded_model(version)
    local_day = pd.to_datetime(frame["submitted_at"], utc=True).dt.tz_convert(settings.TIME_ZONE).dt.date
    frame["as_of"] = pd.to_datetime(local_day).to_numpy(dtype="datetime64[D]")
    features = build_features(scoring_selectors.record_frames(requests=frame[["enterprise_id", "as_of"]]))
    probabilities = model.predict_proba(features)[:, 1]
    risk_grades = model.master_scale_.grades(probabilities)
    rules = list(PolicyRule.objects.filter(active=True).order_by("code"))
    replayed = []
    for position, row in enumerate(frame.itertuples(index=False)):
        figures = features.iloc[position]
        replayed.append(
            ReplayedApplication(
                month=str(row.as_of)[:7],
                key=row.pk,
                applicant=selectors.applicant_from(
                    region=row.region,
                    industry=row.industry,
                    kind=row.kind,
                    features=figures,
                    grade=str(risk_grades[position]),
                    probability_of_default=float(probabilities[position]),
                    exclusions=scoring_selectors.policy_exclusions(figures, rules),
                    amount=row.amount,
                    term_months=row.term_months,
                    guarantee_mode=row.guarantee,
                ),
            )
        )
    return replayed


def _run(
    scenario: Scenario, applications: list[ReplayedApplication], approval: ApprovalModel, responses: dict[str, float]
) -> Outcome:
    outcome = Outcome(applications=len(applications))
    products = scenario.products
    if not products:
        outcome.offered = [frozenset()] * len(applications)
        return outcome
    table = selectors.product_table(products)
    bank_codes = [product.bank.code for product in products]
    catalogue = selectors.ranking_candidates(products, approval=approval, responses=responses)
    bank_of_id = {product_id: code for product_id, code in zip(catalogue.product_ids.tolist(), bank_codes)}
    code_of_id = {product_id: product.code for product_id, product in zip(catalogue.product_ids.tolist(), products)}
    bank_index = np.array(bank_codes)
    capacity = {product.bank.code: product.bank.monthly_capacity for product in products}
    taken: dict[tuple[str, str], int] = Counter()
    for application in applications:
        applicant = application.applicant
        positions = table.eligible_positions(applicant)
        if len(positions) == 0:
            outcome.offered.append(frozenset())
            continue
        outcome.with_eligible += 1
        for code in np.unique(bank_index[positions]).tolist():
            outcome.banks[code].eligible += 1
        ranking = rank(
            catalogue,
            positions=positions,
            application_key=application.key,
            probability_of_default=applicant.probability_of_default,
            amount=applicant.amount,
            term_months=applicant.term_months,
            weights=scenario.weights,
            approval=approval,
        )
        remaining = {code: capacity[code] - taken[(code, application.month)] for code in capacity}
        chosen = top_within_capacity(ranking.product_ids.tolist(), bank_of_id, remaining, scenario.top_k)
        approval_of = dict(zip(ranking.product_ids.tolist(), ranking.terms[:, 0].tolist()))
        for product_id in chosen:
            bank = bank_of_id[product_id]
            taken[(bank, application.month)] += 1
            for tally in (outcome.banks[bank], outcome.products[code_of_id[product_id]]):
                tally.offers += 1
                tally.approval_sum += approval_of[product_id]
        outcome.with_offer += bool(chosen)
        outcome.offered.append(frozenset(code_of_id[product_id] for product_id in chosen))
    for (bank, _month), count in taken.items():
        outcome.busiest_month[bank] = max(outcome.busiest_month.get(bank, 0), count)
    return outcome
