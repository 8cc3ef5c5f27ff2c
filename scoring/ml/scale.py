"""From a probability of default to the points and grade people see.

Points follow the usual scorecard scale: `base_points` at odds of `base_odds` good to one bad, and every
`points_to_double_odds` more points halve the odds of default.

Grades come from a master scale (主标尺): four PD cut points, A below the first, E at or above the last. Each
model version carries its own scale, fitted when it is trained (`fit_master_scale`) and sealed in its manifest,
so a PD is always graded with the bands of the model that produced it. A version saved before scales were
fitted grades with the fixed bands (`FIXED_SCALE`).
"""

from __future__ import annotations

import dataclasses
import math
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

GRADES = ("A", "B", "C", "D", "E")
# The fixed bands every version had before scales were fitted: upper PD bound of each grade, best first; E is
# everything above D's bound. Kept as the scale of versions whose manifest has none.
GRADE_BOUNDS: tuple[tuple[str, float], ...] = (("A", 0.01), ("B", 0.025), ("C", 0.05), ("D", 0.10))
# PDs are clipped to this range before points are taken, so a near-certain prediction gives finite points.
PD_FLOOR, PD_CEILING = 1e-4, 1 - 1e-4

# Why cut at shares of the training population, and why these shares. The letters are what products gate on
# ("grade C or better"), so a letter has to split the firms a product sees: the fixed bands put 16,588 of the
# demo's 20,000 firms in D and none in A or B. Steps of a fixed PD ratio (an agency-style scale) suit PDs that
# span orders of magnitude; the demo's training PDs span 3.5%-14% (1st to 99th percentile), and doubling steps
# around their median put 80% of them in C. Cutting at shares uses every letter whatever the model's
# calibration, and the PD band each letter ends up with is recorded beside it, so its meaning in risk stays
# visible. A tenth is A (the best), then a fifth, two quarters and a fifth: no two neighbouring grades together
# hold more than half, so pooling one pair on the held-out period (below) cannot leave a grade with most firms.
TARGET_SHARES: tuple[float, ...] = (0.10, 0.20, 0.25, 0.25, 0.20)
# No grade may hold more than this share of the training firms: a letter most firms share says little.
MAX_GRADE_SHARE = 0.5
# Fewer training rows than this per grade and the cut points are noise.
MIN_ROWS_PER_GRADE = 20

FIXED = "fixed"
POPULATION_SHARES = "population_shares"


class ScaleFitError(ValueError):
    """The PDs and outcomes given cannot support a fitted master scale; the message says why."""


@dataclass(frozen=True)
class MasterScale:
    """Upper PD bounds of grades A–D (E is the rest), and how they were set.

    A PD grades into the first band whose upper bound it is below. Two equal bounds leave the grade between
    them empty: that is how a pooled pair (see `fit_master_scale`) keeps all five letters.
    ``table`` describes the bands on the rows they were fitted and checked on (see `described`); it does not
    take part in grading or in equality.
    """

    uppers: tuple[float, ...]
    method: str = FIXED
    target_shares: tuple[float, ...] | None = None
    pooled: tuple[tuple[str, ...], ...] = ()
    fallback: str = ""
    table: tuple[Mapping[str, Any], ...] = field(default=(), compare=False)

    def __post_init__(self) -> None:
        uppers = tuple(float(upper) for upper in self.uppers)
        if len(uppers) != len(GRADES) - 1:
            raise ValueError(f"a master scale has {len(GRADES) - 1} upper bounds (A to D), not {len(uppers)}")
        if not all(math.isfinite(upper) and 0.0 <= upper <= 1.0 for upper in uppers):
            raise ValueError(f"a master scale's bounds are PDs between 0 and 1, not {list(uppers)}")
        if any(lower > upper for lower, upper in zip(uppers, uppers[1:])):
            raise ValueError(f"a master scale's bounds must not fall from A to D: {list(uppers)}")
        if self.method not in (FIXED, POPULATION_SHARES):
            raise ValueError(f"unknown master scale method {self.method!r}")
        object.__setattr__(self, "uppers", uppers)

    @property
    def fitted(self) -> bool:
        return self.method != FIXED

    def grade(self, probability_of_default: float) -> str:
        return GRADES[bisect_right(self.uppers, probability_of_default)]

    def grades(self, probabilities_of_default: Any) -> np.ndarray:
        """`grade` for an array of PDs at once."""
        positions = np.searchsorted(self.uppers, np.asarray(probabilities_of_default, dtype=float), side="right")
        return np.array(GRADES)[positions]

    def bands(self) -> list[tuple[str, float, float]]:
        """(letter, lowest PD, PD it stays below) for each grade; E's band ends at 1."""
        edges = (0.0, *self.uppers, 1.0)
        return [(letter, edges[k], edges[k + 1]) for k, letter in enumerate(GRADES)]

    def described(
        self, training_pd: Any, *, held_out_pd: Any, held_out_defaulted: Any, fallback: str = ""
    ) -> MasterScale:
        """This scale with its table: each grade's PD band, its count and share of the training rows, and its
        count, defaults and observed default rate on the held-out rows."""
        training = _probabilities(training_pd, "the training PDs")
        held_out = _probabilities(held_out_pd, "the held-out PDs")
        defaulted = _outcomes(held_out_defaulted, len(held_out))
        training_rows = _counts(self.uppers, training)
        held_out_rows, held_out_defaults = _counts(self.uppers, held_out), _counts(self.uppers, held_out, defaulted)
        table = tuple(
            {
                "grade": letter,
                "pd_from": lower,
                "pd_to": upper,
                "training_rows": int(training_rows[k]),
                "training_share": float(training_rows[k] / max(len(training), 1)),
                "held_out_rows": int(held_out_rows[k]),
                "held_out_defaults": int(held_out_defaults[k]),
                "held_out_default_rate": (float(held_out_defaults[k] / held_out_rows[k]) if held_out_rows[k] else None),
            }
            for k, (letter, lower, upper) in enumerate(self.bands())
        )
        return dataclasses.replace(self, table=table, fallback=fallback or self.fallback)

    def band_of(self, letter: str) -> tuple[float, float]:
        """(lowest PD, PD it stays below) of grade `letter`."""
        for grade, lower, upper in self.bands():
            if grade == letter:
                return lower, upper
        raise ValueError(f"{letter!r} is not a grade; the grades are {', '.join(GRADES)}")

    def rows(self) -> list[dict[str, Any]]:
        """The table where there is one, else the bands with no figures (None): a version saved before scales
        were fitted recorded none."""
        if self.table:
            return [dict(row) for row in self.table]
        unknown = dict.fromkeys(
            ("training_rows", "training_share", "held_out_rows", "held_out_defaults", "held_out_default_rate")
        )
        return [{"grade": letter, "pd_from": lower, "pd_to": upper, **unknown} for letter, lower, upper in self.bands()]

    @property
    def held_out_monotone(self) -> bool | None:
        """Whether the observed default rate never falls from A to E on the held-out rows (grades with no
        held-out rows have no rate and are passed over); None without a table."""
        if not self.table:
            return None
        rates = [row["held_out_default_rate"] for row in self.table if row["held_out_default_rate"] is not None]
        return all(lower <= upper for lower, upper in zip(rates, rates[1:]))

    def to_dict(self) -> dict[str, Any]:
        stated: dict[str, Any] = {"method": self.method, "uppers": list(self.uppers)}
        if self.target_shares is not None:
            stated["target_shares"] = list(self.target_shares)
        stated["pooled"] = [list(letters) for letters in self.pooled]
        if self.fallback:
            stated["fallback"] = self.fallback
        if self.table:
            stated["grades"] = [dict(row) for row in self.table]
            stated["held_out_monotone"] = self.held_out_monotone
        return stated

    @classmethod
    def from_dict(cls, stated: Mapping[str, Any]) -> MasterScale:
        """The scale `to_dict` wrote; ValueError if it is not one."""
        if not isinstance(stated, Mapping) or "uppers" not in stated or "method" not in stated:
            raise ValueError("a master scale is a mapping with its method and uppers")
        uppers = stated["uppers"]
        if not isinstance(uppers, Sequence) or not all(
            isinstance(upper, (int, float)) and not isinstance(upper, bool) for upper in uppers
        ):
            raise ValueError(f"a master scale's uppers are numbers, not {uppers!r}")
        shares = stated.get("target_shares")
        return cls(
            uppers=tuple(uppers),
            method=stated["method"],
            target_shares=None if shares is None else tuple(float(share) for share in shares),
            pooled=tuple(tuple(letters) for letters in stated.get("pooled", ())),
            fallback=str(stated.get("fallback", "")),
            table=tuple(dict(row) for row in stated.get("grades", ())),
        )

    @classmethod
    def from_manifest(cls, manifest: Mapping[str, Any]) -> MasterScale:
        """The scale a model manifest states, or the fixed bands where it states none (saved before scales
        were fitted). This does not check the manifest's seal: RiskModel.from_files does, before grading."""
        stated = manifest.get("master_scale")
        return FIXED_SCALE if stated is None else cls.from_dict(stated)


FIXED_SCALE = MasterScale(uppers=tuple(upper for _, upper in GRADE_BOUNDS), method=FIXED)


def fit_master_scale(
    training_pd: Any,
    *,
    held_out_pd: Any,
    held_out_defaulted: Any,
    shares: Sequence[float] = TARGET_SHARES,
) -> MasterScale:
    """A master scale cut at `shares` of the training PDs, made monotone on the held-out outcomes.

    1. Cut points at the cumulative `shares` of the training PDs. A cut can only fall where the PD changes, so
       with tied PDs each goes to the nearest change (two cuts meeting there leave the grade between empty).
    2. Checked on the held-out rows: wherever a grade's observed default rate is above the next grade's, the two
       are pooled (pool-adjacent-violators, repeated until the rates never fall from A to E). A pooled band
       takes the worse letter of the pair and the better letter is left empty: the held-out period could not
       show that its firms were any safer, so no firm is promised the better grade on that evidence.
       (Pooled rates are the monotone sequence nearest the observed ones; re-splitting a pooled band at another
       point instead would be choosing cut points on the held-out outcomes themselves, leaving nothing to check
       them on.) Grades with no held-out rows have no rate and are passed over.
    3. Refused (ScaleFitError) if a grade then holds more than MAX_GRADE_SHARE of the training rows, as it
       would where one PD is shared by most firms or the held-out period pools three or more grades; also
       for fewer than MIN_ROWS_PER_GRADE training rows per grade, no held-out default, or PDs outside [0, 1].

    The training PDs are the model's PDs for the rows it trained on (one row per loan: a firm as it stood when
    it applied); the held-out rows are the out-of-time period the model is judged on.
    """
    training = _probabilities(training_pd, "the training PDs")
    held_out = _probabilities(held_out_pd, "the held-out PDs")
    defaulted = _outcomes(held_out_defaulted, len(held_out))
    shares = _checked_shares(shares)
    needed = len(GRADES) * MIN_ROWS_PER_GRADE
    if len(training) < needed:
        raise ScaleFitError(
            f"{len(training)} training rows are too few to fit {len(GRADES)} grades: at least {needed} are needed"
        )
    if not len(held_out):
        raise ScaleFitError("there are no held-out rows to check the grades on")
    if not defaulted.any():
        raise ScaleFitError(
            f"the {len(held_out)} held-out rows hold no default: there is no observed default rate to order the "
            "grades by"
        )
    ordered = np.sort(training)
    if ordered[0] == ordered[-1]:
        raise ScaleFitError(f"every training row has the same PD ({ordered[0]:.4g}): there is nothing to cut")
    uppers = _cuts_at_shares(ordered, np.cumsum(shares)[:-1])
    uppers, pooled = _pooled_on_held_out(uppers, held_out, defaulted)
    share_of_grade = _counts(uppers, training) / len(training)
    crowded = int(np.argmax(share_of_grade))
    if share_of_grade[crowded] > MAX_GRADE_SHARE:
        cause = (
            f"after pooling {', '.join('+'.join(letters) for letters in pooled)} on the held-out period"
            if pooled
            else "because tied PDs leave no cut point nearer the target shares"
        )
        raise ScaleFitError(
            f"grade {GRADES[crowded]} would hold {share_of_grade[crowded]:.0%} of the training rows {cause}; "
            f"no grade may hold more than {MAX_GRADE_SHARE:.0%}"
        )
    scale = MasterScale(uppers=uppers, method=POPULATION_SHARES, target_shares=shares, pooled=pooled)
    return scale.described(training, held_out_pd=held_out, held_out_defaulted=defaulted)


def _cuts_at_shares(ordered: np.ndarray, cumulative: np.ndarray) -> tuple[float, ...]:
    """Upper bounds at the cumulative shares of the sorted PDs, each halfway between the two PDs it separates."""
    n = len(ordered)
    # Positions where the PD changes: the rows before position i are then exactly those below the cut.
    changes = np.flatnonzero(ordered[1:] > ordered[:-1]) + 1
    uppers = []
    for share in cumulative:
        # The change nearest the target; the lower one when two are as near.
        position = int(changes[np.argmin(np.abs(changes - share * n))])
        below, above = float(ordered[position - 1]), float(ordered[position])
        middle = (below + above) / 2
        uppers.append(middle if below < middle <= above else above)
    return tuple(uppers)


def _pooled_on_held_out(
    uppers: tuple[float, ...], held_out: np.ndarray, defaulted: np.ndarray
) -> tuple[tuple[float, ...], tuple[tuple[str, ...], ...]]:
    """The bounds after pooling adjacent grades whose held-out default rates fall (pool-adjacent-violators),
    and the letters pooled; each pooled band goes to its worst letter, the others in it are left empty."""
    rows = _counts(uppers, held_out)
    defaults = _counts(uppers, held_out, defaulted)
    blocks: list[list[int]] = []  # [first grade, last grade, rows, defaults]
    for k in range(len(GRADES)):
        if rows[k] == 0:
            continue
        blocks.append([k, k, int(rows[k]), int(defaults[k])])
        # Rates compared by cross-multiplying counts: exact, where dividing could tie or not by rounding.
        while len(blocks) > 1 and blocks[-2][3] * blocks[-1][2] > blocks[-1][3] * blocks[-2][2]:
            later, earlier = blocks.pop(), blocks[-1]
            earlier[1], earlier[2], earlier[3] = later[1], earlier[2] + later[2], earlier[3] + later[3]
    pooled_uppers = list(uppers)
    pooled = []
    for first, last, _, _ in blocks:
        if first == last:
            continue
        lower = 0.0 if first == 0 else pooled_uppers[first - 1]
        for k in range(first, last):
            pooled_uppers[k] = lower
        pooled.append(GRADES[first : last + 1])
    return tuple(pooled_uppers), tuple(pooled)


def _counts(uppers: Sequence[float], probabilities: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Rows (or the sum of `weights`) in each grade."""
    positions = np.searchsorted(uppers, probabilities, side="right")
    return np.bincount(positions, weights=weights, minlength=len(GRADES)).astype(np.int64)


def _probabilities(values: Any, what: str) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    if array.ndim != 1:
        raise ScaleFitError(f"{what} must be one-dimensional, not shaped {array.shape}")
    bad = ~np.isfinite(array) | (array < 0) | (array > 1)
    if bad.any():
        raise ScaleFitError(f"{what} must be probabilities between 0 and 1; {int(bad.sum())} are not")
    return array


def _outcomes(values: Any, n: int) -> np.ndarray:
    array = np.asarray(values)
    if array.shape != (n,):
        raise ScaleFitError(f"give one held-out outcome per held-out PD: {n} PDs, outcomes shaped {array.shape}")
    if not np.isin(array, (0, 1)).all():
        raise ScaleFitError("the held-out outcomes must be 0/1 (1 = default)")
    return array.astype(np.int64)


def _checked_shares(shares: Sequence[float]) -> tuple[float, ...]:
    checked = tuple(float(share) for share in shares)
    if len(checked) != len(GRADES) or any(not share > 0 for share in checked) or not math.isclose(sum(checked), 1):
        raise ScaleFitError(f"shares must be {len(GRADES)} positive fractions summing to 1, not {list(shares)}")
    return checked


@dataclass(frozen=True)
class ScoreScale:
    base_points: float = 600.0
    base_odds: float = 50.0
    points_to_double_odds: float = 20.0

    def __post_init__(self) -> None:
        if self.base_odds <= 0 or self.points_to_double_odds <= 0:
            raise ValueError("base_odds and points_to_double_odds must be positive")

    @property
    def factor(self) -> float:
        return self.points_to_double_odds / math.log(2)

    def points(self, probability_of_default):
        """Points for one PD or an array of them, rounded to whole points."""
        pd_clipped = np.clip(np.asarray(probability_of_default, dtype=float), PD_FLOOR, PD_CEILING)
        good_odds = (1 - pd_clipped) / pd_clipped
        points = np.rint(self.base_points + self.factor * (np.log(good_odds) - math.log(self.base_odds)))
        return int(points) if points.ndim == 0 else points.astype(int)

    def points_for_log_odds(self, log_odds_change: float) -> float:
        """How many points a change in the log-odds of default is worth (negative: fewer points)."""
        return -self.factor * log_odds_change
