"""From a probability of default to the points and grade people see.

Points follow the usual scorecard scale: `base_points` at odds of `base_odds` good to one bad, and every
`points_to_double_odds` more points halve the odds of default. Grades cut the PD itself, so a grade means the
same risk whatever the scale's parameters.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# Upper PD bound of each grade, best first; E is everything above D's bound.
GRADE_BOUNDS: tuple[tuple[str, float], ...] = (("A", 0.01), ("B", 0.025), ("C", 0.05), ("D", 0.10))
GRADES = ("A", "B", "C", "D", "E")
# PDs are clipped to this range before points are taken, so a near-certain prediction gives finite points.
PD_FLOOR, PD_CEILING = 1e-4, 1 - 1e-4


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


def grade(probability_of_default: float) -> str:
    for letter, upper in GRADE_BOUNDS:
        if probability_of_default < upper:
            return letter
    return "E"


def grades(probabilities_of_default: np.ndarray) -> np.ndarray:
    """`grade` for an array of PDs at once."""
    uppers = [upper for _, upper in GRADE_BOUNDS]
    return np.array(GRADES)[np.searchsorted(uppers, np.asarray(probabilities_of_default), side="right")]
