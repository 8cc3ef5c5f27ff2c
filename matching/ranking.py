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
in particular. Everything is vectorised over the products at once, and whatever does not depend on the
applicant (the middles and widths of a product's amount and term ranges, its rate span, its draw for ties) is
worked out once per catalogue, not once per applicant; the approval model is evaluated once per bank.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from functools import cached_property

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

    @cached_property
    def shares(self) -> np.ndarray:
        """The weights scaled to sum to 1, in TERMS order."""
        values = self.as_array()
        return values / values.sum()


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

    def probability(self, bank_positions: np.ndarray, probability_of_default, amount) -> np.ndarray:
        if not self.banks:  # a model that has seen no bank knows nothing: even odds
            return np.full(len(bank_positions), 0.5)
        intercept, slope = self._per_position
        return expit(
            intercept[bank_positions]
            + slope[bank_positions] * self._risk(probability_of_default)
            + self.amount_slope * (np.log(amount) - self.amount_centre)
        )

    def bank_probabilities(self, probability_of_default: float, amount: float) -> np.ndarray:
        """One applicant's probability of approval at each bank, indexed like `positions` (the last entry is
        the one for a bank the model has not seen): a few banks to compute, not every product."""
        if not self.banks:
            return np.array([0.5])
        intercept, slope = self._per_position
        clipped = min(max(probability_of_default, 1e-4), 1 - 1e-4)
        risk = math.log(clipped) - math.log1p(-clipped) - self.risk_centre
        return expit(intercept + (slope * risk + self.amount_slope * (math.log(amount) - self.amount_centre)))

    def _risk(self, probability_of_default):
        return logit(np.clip(probability_of_default, 1e-4, 1 - 1e-4)) - self.risk_centre

    @cached_property
    def _per_position(self) -> tuple[np.ndarray, np.ndarray]:
        """Each bank's intercept and slope, with the average of the banks appended for a bank not seen."""
        weights = np.asarray(self.decisions, dtype=float) if self.decisions else None
        return (
            np.append(self.intercept, np.average(self.intercept, weights=weights)),
            np.append(self.pd_slope, np.average(self.pd_slope, weights=weights)),
        )

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
    """The products that may be ranked, as arrays in one order."""

    product_ids: np.ndarray
    bank_positions: np.ndarray  # each product's bank as ApprovalModel.positions gives it
    amount_min: np.ndarray
    amount_max: np.ndarray
    term_min: np.ndarray
    term_max: np.ndarray
    rate_min: np.ndarray
    rate_max: np.ndarray
    response_rate: np.ndarray  # NaN for a bank with no history

    def __len__(self) -> int:
        return len(self.product_ids)

    @cached_property
    def _prepared(self) -> _Prepared:
        log_min, log_max = np.log(self.amount_min), np.log(self.amount_max)
        figures = np.vstack(
            [
                self.rate_min,
                self.rate_max - self.rate_min,
                (log_min + log_max) / 2,
                (self.term_min + self.term_max) / 2,
                _half_reach((log_max - log_min) / 2),
                _half_reach((self.term_max - self.term_min) / 2),
                np.where(np.isnan(self.response_rate), UNKNOWN_RESPONSE, self.response_rate),
            ]
        )
        keys = np.vstack(
            [
                np.asarray(self.product_ids, dtype=np.int64),
                np.asarray(self.bank_positions, dtype=np.int64),
                _mix64(np.asarray(self.product_ids, dtype=np.uint64)).view(np.int64),
            ]
        )
        return _Prepared(keys=keys, figures=figures)


@dataclass(frozen=True)
class _Prepared:
    """Candidates in the form a utility is computed from: a row per figure and a column per product, so that
    the eligible products are taken in two steps (whole numbers, then figures) and each row stays contiguous."""

    keys: np.ndarray  # (3, n) int64: the rows below
    figures: np.ndarray  # (7, n) float: the rows below

    product_ids = property(lambda self: self.keys[0])
    bank_positions = property(lambda self: self.keys[1])
    # A draw per product that only ties use: _mix64 of its id, kept as int64 bits beside the other keys.
    tie_seed = property(lambda self: self.keys[2].view(np.uint64))

    rate_min = property(lambda self: self.figures[0])
    rate_span = property(lambda self: self.figures[1])
    # The middles of the log-amount and the term ranges, then 0.5 / half of each range, side by side so that
    # amount and term are measured in one step.
    middles = property(lambda self: self.figures[2:4])
    half_reaches = property(lambda self: self.figures[4:6])
    response = property(lambda self: self.figures[6])

    def take(self, positions: np.ndarray) -> _Prepared:
        return _Prepared(keys=self.keys.take(positions, axis=1), figures=self.figures.take(positions, axis=1))


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
    positions: np.ndarray | None = None,
) -> Ranking:
    """Every candidate's terms and utility, best first; with `positions`, only the candidates at those
    positions (the eligible ones, say), without first copying every column of the rest."""
    # Every term is then in [0, 1], which the order key relies on (a NaN would sort anywhere).
    if not (0.0 <= probability_of_default <= 1.0 and amount > 0 and term_months > 0):
        raise ValueError(f"no ranking for PD {probability_of_default}, amount {amount}, term {term_months}")
    pool = candidates._prepared if positions is None else candidates._prepared.take(positions)
    risk_position = min(1.0, max(0.0, probability_of_default / PD_AT_HIGHEST_RATE))
    expected_rate = pool.rate_min + pool.rate_span * risk_position
    low, high = MARKET_RATE_RANGE
    terms = np.empty((len(TERMS), len(pool.product_ids)))  # a row per term
    terms[0] = approval.bank_probabilities(probability_of_default, amount).take(pool.bank_positions)
    terms[1] = np.minimum(np.maximum((high - expected_rate) * (1 / (high - low)), 0.0), 1.0)
    # How far the amount (in logs) and the term are from the middles, in half-ranges halved: 0.5 at an edge.
    distance = np.abs(np.array([[math.log(amount)], [float(term_months)]]) - pool.middles) * pool.half_reaches
    closeness = 1.0 - np.minimum(distance, 0.5)
    terms[2] = closeness[0] * closeness[1]
    terms[3] = pool.response
    # Rounded below any difference that matters, so that products priced alike (3–8% and 4–7% both give 5.5%)
    # tie, instead of one winning every time on the last bit of a float.
    steps = np.rint((weights.shares @ terms) * _UTILITY_STEPS)
    # Keys are unique but for a clash of 34-bit draws between equal utilities, and even then the sort is the
    # same for the same input: one application always ranks one way.
    order = np.argsort(_order_key(steps, _tie_order(application_key, pool.tie_seed)))
    return Ranking(
        product_ids=pool.product_ids.take(order),
        utility=steps.take(order) / _UTILITY_STEPS,
        terms=terms.take(order, axis=1).T,
        expected_rate=expected_rate.take(order),
    )


def _half_reach(half_range: np.ndarray) -> np.ndarray:
    """0.5 / half a range; 0 for a range of one point, which is all middle."""
    with np.errstate(divide="ignore"):
        return np.where(half_range > 0, 0.5 / half_range, 0.0)


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: every bit of x moves about half the bits of the result."""
    with np.errstate(over="ignore"):
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


_MASK64 = 0xFFFFFFFFFFFFFFFF


def _mix64_int(x: int) -> int:
    """_mix64 of one number, in Python's integers (a NumPy call costs more than the arithmetic)."""
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK64
    return x ^ (x >> 31)


def _tie_order(application_key: int, tie_seed: np.ndarray) -> np.ndarray:
    """A reproducible draw per (application, product), used only to order equal utilities. For any two
    products p and q, key ↦ key ^ seed_p ^ seed_q swaps their draws, so over applications each comes first
    half the time; the multiplication spreads the bits so that three or more products mix as well."""
    # Array arithmetic on unsigned integers wraps silently, as the mixing wants.
    return (tie_seed ^ np.uint64(_mix64_int(application_key & _MASK64))) * _GOLDEN


# A utility rounded to 9 decimals in [0, 1] is one of 10⁹ + 1 steps: 30 bits, which leaves 34 bits of the draw
# in one unsigned 64-bit key that sorts best first and breaks ties by the draw.
_UTILITY_STEPS = 10**9
_DRAW_BITS = np.uint64(34)


def _order_key(steps: np.ndarray, draw: np.ndarray) -> np.ndarray:
    worse = (_UTILITY_STEPS - steps).astype(np.uint64)
    return (worse << _DRAW_BITS) | (draw >> (np.uint64(64) - _DRAW_BITS))


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
