"""Ranking the products an applicant is eligible for, by a utility anyone can recompute.

utility = (w_approval · approval + w_price · price + w_fit · fit + w_response · response) / Σw

- approval: the probability that this product's bank approves this applicant, from an ApprovalModel learned
  on the banks' past decisions (per bank: an intercept and a slope on the log-odds of the applicant's PD,
  and a shared slope on the amount);
- price: 1 for the cheapest rate the market offers (MARKET_RATE_RANGE), 0 for the dearest; the rate expected
  for this applicant sits between the product's lowest and highest rate in proportion to its risk;
- fit: how close the amount and the term are to the middle of the product's ranges, multiplied (1 with both
  in the middle, 0.5 with one at an edge, 0.25 with both);
- response: the bank's share of past offers answered before their deadline (0.5 for a bank with none yet).

Each term is in [0, 1], so the weights read as shares. Equal utilities are ordered by a draw seeded with the
application: the same application always ranks the same way, and across applications a tie favours no bank
in particular. Everything is vectorised over the products at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass

import numpy as np
from sklearn.linear_model import LogisticRegression

TERMS = ("approval", "price", "fit", "response")
MARKET_RATE_RANGE = (0.035, 0.15)
# The PD at which an applicant is priced at a product's highest rate.
PD_AT_HIGHEST_RATE = 0.10
UNKNOWN_RESPONSE = 0.5


def logit(p: np.ndarray | float) -> np.ndarray:
    return np.log(p) - np.log1p(-p)


def expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


@dataclass(frozen=True)
class Weights:
    approval: float = 0.5
    price: float = 0.2
    fit: float = 0.15
    response: float = 0.15

    def __post_init__(self) -> None:
        values = self.as_array()
        if (values < 0).any() or not np.isfinite(values).all():
            raise ValueError(f"weights must be finite and not negative: {asdict(self)}")
        if values.sum() == 0:
            raise ValueError("at least one weight must be above zero")

    def as_array(self) -> np.ndarray:
        return np.array([self.approval, self.price, self.fit, self.response], dtype=float)


@dataclass(frozen=True)
class ApprovalModel:
    """Per bank: P(approve) = expit(intercept[bank] + pd_slope[bank] · (logit(PD) − risk_centre)
    + amount_slope · (ln(amount) − amount_centre)). Both inputs are centred on the training decisions, so an
    intercept is the bank's log-odds for a typical applicant and the penalty that keeps the fit stable does not
    pull it towards even odds. A bank the model has not seen gets the average of the banks, each weighted by
    how many decisions it learned from."""

    banks: tuple[str, ...]
    intercept: tuple[float, ...]
    pd_slope: tuple[float, ...]
    amount_slope: float
    risk_centre: float = 0.0
    amount_centre: float = 0.0
    decisions: tuple[int, ...] = ()

    @classmethod
    def fit(
        cls, *, banks: np.ndarray, probability_of_default: np.ndarray, amount: np.ndarray, approved: np.ndarray
    ) -> ApprovalModel:
        """Learn from past decisions: one row per offer a bank approved (1) or declined (0)."""
        approved = np.asarray(approved, dtype=int)
        if len(approved) == 0 or approved.min() == approved.max():
            raise ValueError("need both approvals and declines to learn from")
        names, bank_index, counts = np.unique(np.asarray(banks, dtype=str), return_inverse=True, return_counts=True)
        one_hot = np.eye(len(names))[bank_index]
        risk = logit(np.clip(np.asarray(probability_of_default, dtype=float), 1e-4, 1 - 1e-4))
        size = np.log(np.asarray(amount, dtype=float))
        risk_centre, amount_centre = float(risk.mean()), float(size.mean())
        columns = [one_hot, one_hot * (risk - risk_centre)[:, None]]
        # An amount that hardly varies says nothing, and its column would only blur the banks' own.
        learns_amount = size.std() > 1e-6
        if learns_amount:
            columns.append((size - amount_centre)[:, None])
        # No separate intercept: each bank's column is its own.
        fitted = LogisticRegression(C=1.0, fit_intercept=False, max_iter=2000).fit(np.column_stack(columns), approved)
        coefficients = fitted.coef_[0]
        n = len(names)
        return cls(
            banks=tuple(names.tolist()),
            intercept=tuple(coefficients[:n].tolist()),
            pd_slope=tuple(coefficients[n : 2 * n].tolist()),
            amount_slope=float(coefficients[-1]) if learns_amount else 0.0,
            risk_centre=risk_centre,
            amount_centre=amount_centre,
            decisions=tuple(int(count) for count in counts),
        )

    def positions(self, bank_codes) -> np.ndarray:
        """Each bank's row in the model (-1: a bank it has not seen), worked out once per product table."""
        lookup = {code: position for position, code in enumerate(self.banks)}
        return np.array([lookup.get(code, -1) for code in bank_codes], dtype=np.int64)

    def probability(self, bank_positions: np.ndarray, probability_of_default, amount: float) -> np.ndarray:
        if not self.banks:  # a model that has seen no bank knows nothing: even odds
            return np.full(len(bank_positions), 0.5)
        weights = np.asarray(self.decisions, dtype=float) if self.decisions else None
        intercept = np.append(self.intercept, np.average(self.intercept, weights=weights))[bank_positions]
        slope = np.append(self.pd_slope, np.average(self.pd_slope, weights=weights))[bank_positions]
        risk = logit(np.clip(probability_of_default, 1e-4, 1 - 1e-4)) - self.risk_centre
        return expit(intercept + slope * risk + self.amount_slope * (np.log(amount) - self.amount_centre))

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> ApprovalModel:
        return cls(
            banks=tuple(data["banks"]),
            intercept=tuple(data["intercept"]),
            pd_slope=tuple(data["pd_slope"]),
            amount_slope=float(data["amount_slope"]),
            risk_centre=float(data["risk_centre"]),
            amount_centre=float(data["amount_centre"]),
            decisions=tuple(data["decisions"]),
        )


@dataclass(frozen=True)
class Candidates:
    """The eligible products, as arrays in one order."""

    product_ids: np.ndarray
    bank_positions: np.ndarray  # each product's bank as ApprovalModel.positions gives it
    amount_min: np.ndarray
    amount_max: np.ndarray
    term_min: np.ndarray
    term_max: np.ndarray
    rate_min: np.ndarray
    rate_max: np.ndarray
    response_rate: np.ndarray  # NaN for a bank with no history


@dataclass(frozen=True)
class Ranking:
    """Products best first, each with its utility and the terms that made it."""

    product_ids: np.ndarray
    utility: np.ndarray
    terms: np.ndarray  # (n, len(TERMS))
    expected_rate: np.ndarray

    def rows(self) -> list[dict]:
        return [
            {
                "product": int(product),
                "utility": float(utility),
                "expected_rate": float(rate),
                **{name: float(value) for name, value in zip(TERMS, terms, strict=True)},
            }
            for product, utility, rate, terms in zip(
                self.product_ids, self.utility, self.expected_rate, self.terms, strict=True
            )
        ]


def rank(
    candidates: Candidates,
    *,
    application_key: int,
    probability_of_default: float,
    amount: float,
    term_months: int,
    weights: Weights,
    approval: ApprovalModel,
) -> Ranking:
    """Every candidate's terms and utility, best first."""
    risk_position = min(1.0, max(0.0, probability_of_default / PD_AT_HIGHEST_RATE))
    expected_rate = candidates.rate_min + (candidates.rate_max - candidates.rate_min) * risk_position
    low, high = MARKET_RATE_RANGE
    terms = np.column_stack(
        [
            approval.probability(candidates.bank_positions, probability_of_default, amount),
            np.clip((high - expected_rate) / (high - low), 0.0, 1.0),
            _closeness(np.log(amount), np.log(candidates.amount_min), np.log(candidates.amount_max))
            * _closeness(float(term_months), candidates.term_min, candidates.term_max),
            np.where(np.isnan(candidates.response_rate), UNKNOWN_RESPONSE, candidates.response_rate),
        ]
    )
    # Rounded below any difference that matters, so that products priced alike (3–8% and 4–7% both give 5.5%)
    # tie, instead of one winning every time on the last bit of a float.
    utility = np.round(terms @ weights.as_array() / weights.as_array().sum(), 9)
    order = np.lexsort((_tie_order(application_key, candidates.product_ids), -utility))
    return Ranking(
        product_ids=candidates.product_ids[order],
        utility=utility[order],
        terms=terms[order],
        expected_rate=expected_rate[order],
    )


def _closeness(value: float, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """1 at the middle of [low, high], 0.5 at either edge (a range of one point is all middle)."""
    half = (high - low) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        distance = np.where(half > 0, np.abs(value - (low + half)) / half, 0.0)
    return 1.0 - 0.5 * np.clip(distance, 0.0, 1.0)


def _tie_order(application_key: int, product_ids: np.ndarray) -> np.ndarray:
    """A reproducible draw per (application, product), used only to order equal utilities: the pair mixed
    into 64 bits (splitmix64's finaliser), which needs no random generator per application."""
    x = product_ids.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15) + np.uint64(application_key & 0xFFFFFFFFFFFFFFFF)
    with np.errstate(over="ignore"):
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def top_within_capacity(
    products: Iterable[int], bank_of: Mapping[int, str], remaining: Mapping[str, int], k: int
) -> list[int]:
    """The first k of `products` (best first) whose bank can still take an offer this month; each one taken
    uses one of its bank's remaining offers."""
    left = dict(remaining)
    chosen = []
    for product in products:
        bank = bank_of[product]
        if left.get(bank, 0) > 0:
            chosen.append(product)
            left[bank] -= 1
            if len(chosen) == k:
                break
    return chosen
