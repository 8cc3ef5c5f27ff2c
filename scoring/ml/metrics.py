"""How good a probability-of-default (PD) model is, and whether the population it scores has moved.

Discrimination (AUC, KS, Gini), calibration (Brier score, a table of predicted against observed default rates
by quantile bin of predicted PD) and population stability (PSI) between a reference sample and a later one.

Labels are 1 for a default ("bad") and 0 otherwise. Arguments named ``pd`` hold predicted probabilities of
default, as the callers' vocabulary has it, so pandas is imported under its full name in this module.
"""

from collections.abc import Hashable, Iterable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas
from pandas.api.types import is_bool_dtype, is_numeric_dtype
from sklearn.metrics import brier_score_loss, roc_auc_score, roc_curve

# PSI above this means the population has shifted enough that the model's scores should not be trusted as is.
PSI_ALERT = 0.25
# Floor on bin proportions: an empty bin on one side would otherwise make PSI infinite.
PSI_EPSILON = 1e-4

SINGLE_CLASS_MESSAGE = "the held-out set has only defaults/only non-defaults: cannot measure AUC"


class _Missing:
    """The category that missing labels fall into for PSI; a private type so it can never equal a real label."""

    def __repr__(self) -> str:
        return "<missing>"


_MISSING = _Missing()


def auc(y_true: Iterable[Any], score: Iterable[float]) -> float:
    """Area under the ROC curve: the chance that a random default scores above a random non-default."""
    y = _labels(y_true)
    _require_both_classes(y)
    return float(roc_auc_score(y, _scores(score, y.size, "score")))


def ks(y_true: Iterable[Any], score: Iterable[float]) -> float:
    """Kolmogorov-Smirnov statistic: the largest gap |TPR - FPR| between the score distributions of defaults and
    non-defaults over all thresholds."""
    y = _labels(y_true)
    _require_both_classes(y)
    false_positive_rate, true_positive_rate, _ = roc_curve(y, _scores(score, y.size, "score"))
    return float(np.max(np.abs(true_positive_rate - false_positive_rate)))


def gini(auc: float) -> float:
    """Gini coefficient (accuracy ratio) from AUC: 0 for a random ranking, 1 for a perfect one."""
    return 2.0 * float(auc) - 1.0


def brier(y_true: Iterable[Any], pd: Iterable[float]) -> float:
    """Mean squared difference between predicted PD and the 0/1 outcome (lower is better)."""
    y = _labels(y_true)
    return float(brier_score_loss(y, _probabilities(pd, y.size)))


def calibration_table(y_true: Iterable[Any], pd: Iterable[float], bins: int = 10) -> list[dict]:
    """Predicted against observed default rate in quantile bins of predicted PD, lowest PD first.

    Ties can make quantiles coincide; those bins are merged rather than left empty, so there may be fewer than
    ``bins`` rows but every row has a count of at least one and the counts add up to the number of loans.
    Bins are numbered from 0.
    """
    if bins < 1:
        raise ValueError(f"bins must be at least 1, got {bins}")
    y = _labels(y_true)
    p = _probabilities(pd, y.size)
    bin_of_row = np.searchsorted(_quantile_cuts(p, bins), p, side="left")
    rows = []
    for i in range(int(bin_of_row.max()) + 1):
        in_bin = bin_of_row == i
        rows.append(
            {
                "bin": i,
                "pd_min": float(p[in_bin].min()),
                "pd_max": float(p[in_bin].max()),
                "count": int(in_bin.sum()),
                "mean_predicted": float(p[in_bin].mean()),
                "observed_rate": float(y[in_bin].mean()),
            }
        )
    return rows


@dataclass(frozen=True)
class Metrics:
    """A PD model's scores on one held-out set, as recorded in the model manifest."""

    auc: float
    ks: float
    gini: float
    brier: float
    count: int
    positives: int
    calibration: list[dict]

    def to_dict(self) -> dict:
        """Plain JSON-ready values (the calibration rows are copied)."""
        return asdict(self)


def evaluate(y_true: Iterable[Any], pd: Iterable[float]) -> Metrics:
    """All of the above on one held-out set. Raises ValueError if it holds only one class."""
    y = _labels(y_true)
    p = _probabilities(pd, y.size)
    _require_both_classes(y)
    area = auc(y, p)
    return Metrics(
        auc=area,
        ks=ks(y, p),
        gini=gini(area),
        brier=brier(y, p),
        count=int(y.size),
        positives=int(y.sum()),
        calibration=calibration_table(y, p),
    )


def psi(expected: Iterable[float], actual: Iterable[float], *, bins: int = 10) -> float:
    """Population stability index of a numeric variable: sum over bins of (a - e) * ln(a / e), where e and a are
    the shares of ``expected`` (the reference sample, e.g. training) and ``actual`` in each bin.

    Bin edges are the quantiles of ``expected``, plus one bin below its minimum and one above its maximum, so a
    later sample that leaves the reference's range is seen (even when the reference is constant, e.g. all
    zeros). Missing values form a bin of their own, and every share is floored at PSI_EPSILON.
    """
    if bins < 1:
        raise ValueError(f"bins must be at least 1, got {bins}")
    reference = _floats(expected, "expected")
    current = _floats(actual, "actual")
    cuts = _psi_cuts(reference[~np.isnan(reference)], bins)
    return _psi_from_shares(_numeric_shares(reference, cuts), _numeric_shares(current, cuts))


def psi_categorical(expected: Iterable[Hashable], actual: Iterable[Hashable]) -> float:
    """Population stability index of a label variable: one bin per label seen in either sample, missing values as
    a label of their own, shares floored at PSI_EPSILON (so a label new in ``actual`` counts, without infinity)."""
    reference = _label_counts(expected, "expected")
    current = _label_counts(actual, "actual")
    labels = list(dict.fromkeys([*reference, *current]))
    reference_total = sum(reference.values())
    current_total = sum(current.values())
    return _psi_from_shares(
        np.array([reference.get(label, 0) / reference_total for label in labels]),
        np.array([current.get(label, 0) / current_total for label in labels]),
    )


def psi_table(expected: pandas.DataFrame, actual: pandas.DataFrame) -> pandas.DataFrame:
    """PSI of every column of ``expected`` against the same column of ``actual``, most shifted first.

    Numeric columns use ``psi``; everything else (categorical, object, string, bool) uses ``psi_categorical``,
    chosen by the dtype in ``expected``. Returns columns feature, psi, flagged (psi > PSI_ALERT).
    """
    missing = [column for column in expected.columns if column not in actual.columns]
    if missing:
        raise ValueError(f"actual lacks columns present in expected: {missing}")
    rows = []
    for column in expected.columns:
        reference = expected[column]
        if is_numeric_dtype(reference) and not is_bool_dtype(reference):
            value = psi(reference, actual[column])
        else:
            value = psi_categorical(reference, actual[column])
        rows.append({"feature": column, "psi": value, "flagged": value > PSI_ALERT})
    table = pandas.DataFrame(rows, columns=["feature", "psi", "flagged"])
    return table.sort_values("psi", ascending=False, kind="stable").reset_index(drop=True)


def _labels(y_true: Iterable[Any]) -> np.ndarray:
    """Outcomes as a 1-D int array of 0 and 1; anything else is refused rather than guessed at."""
    y = _to_numpy(y_true, float_nan=False)
    if y.ndim != 1:
        raise ValueError(f"labels must be one-dimensional, got shape {y.shape}")
    if y.size == 0:
        raise ValueError("no labels: the held-out set is empty")
    try:
        as_float = y.astype(float)
    except (TypeError, ValueError) as error:
        raise ValueError("labels must be 0 (no default) or 1 (default)") from error
    if not np.isin(as_float, (0.0, 1.0)).all():
        raise ValueError("labels must be 0 (no default) or 1 (default)")
    return as_float.astype(np.int64)


def _require_both_classes(y: np.ndarray) -> None:
    if y.min() == y.max():
        raise ValueError(SINGLE_CLASS_MESSAGE)


def _scores(score: Iterable[float], n: int, name: str) -> np.ndarray:
    values = _to_numpy(score, float_nan=True).astype(float)
    if values.shape != (n,):
        raise ValueError(f"{name} must hold one value per label ({n}), got shape {values.shape}")
    if not np.isfinite(values).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    return values


def _probabilities(pd: Iterable[float], n: int) -> np.ndarray:
    values = _scores(pd, n, "pd")
    if values.min() < 0.0 or values.max() > 1.0:
        raise ValueError("pd must be probabilities between 0 and 1")
    return values


def _floats(values: Iterable[float], name: str) -> np.ndarray:
    array = _to_numpy(values, float_nan=True).astype(float)
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"{name} must be a non-empty one-dimensional array, got shape {array.shape}")
    return array


def _to_numpy(values: Iterable[Any], *, float_nan: bool) -> np.ndarray:
    # pandas nullable dtypes (Int64, Float64, boolean) only become float arrays when told what NA should be.
    if isinstance(values, pandas.Series | pandas.Index) and float_nan:
        return values.to_numpy(dtype=float, na_value=np.nan)
    if isinstance(values, pandas.Series | pandas.Index):
        return values.to_numpy()
    return np.asarray(values)


def _quantile_cuts(values: np.ndarray, bins: int) -> np.ndarray:
    """Interior cut points for right-closed bins (-inf, c0], (c0, c1], ..., (c_last, inf) at the quantiles of
    ``values``. Each cut is an observed value and all lie below the maximum, so every bin holds at least one of
    ``values``: ties merge bins instead of emptying them."""
    if values.size == 0 or bins < 2:
        return np.empty(0)
    cuts = np.unique(np.quantile(values, np.arange(1, bins) / bins, method="inverted_cdf"))
    return cuts[cuts < values.max()]


def _psi_cuts(reference: np.ndarray, bins: int) -> np.ndarray:
    """Cuts for right-closed bins: (-inf, just below the minimum], the quantile bins of ``reference`` up to its
    maximum, then (maximum, inf). The two outer bins hold none of ``reference``; they exist for later samples."""
    if reference.size == 0:
        return np.empty(0)
    below_minimum = np.nextafter(reference.min(), -np.inf)
    return np.r_[below_minimum, _quantile_cuts(reference, bins), reference.max()]


def _numeric_shares(values: np.ndarray, cuts: np.ndarray) -> np.ndarray:
    """Share of ``values`` in each bin of ``cuts``, then the share that is missing."""
    missing = np.isnan(values)
    counts = np.bincount(np.searchsorted(cuts, values[~missing], side="left"), minlength=cuts.size + 1)
    return np.append(counts, missing.sum()) / values.size


def _label_counts(values: Iterable[Hashable], name: str) -> dict:
    labels = pandas.Series(values).astype(object)
    if labels.empty:
        raise ValueError(f"{name} is empty")
    missing = labels.isna()
    counts = {label: int(n) for label, n in labels[~missing].value_counts(sort=False).items()}
    if missing.any():
        counts[_MISSING] = int(missing.sum())
    return counts


def _psi_from_shares(expected: np.ndarray, actual: np.ndarray) -> float:
    expected = np.maximum(expected, PSI_EPSILON)
    actual = np.maximum(actual, PSI_EPSILON)
    return float(np.sum((actual - expected) * np.log(actual / expected)))
