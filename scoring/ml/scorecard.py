"""The logistic-regression scorecard on weight-of-evidence (WOE) bins: the interpretable baseline that every
gradient-boosted model is reported beside.

Sign convention: WOE = ln(share of goods in the bin / share of bads in the bin), so a higher WOE means lower risk
(the usual scorecard convention) and the regression's coefficients on WOE come out negative when it predicts
the probability of default. Labels are 1 for a default ("bad") and 0 otherwise.
"""

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from pandas.api.types import is_bool_dtype, is_numeric_dtype
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted

MISSING = "missing"
OTHER = "other"
UNSEEN = "unseen"


@dataclass(frozen=True)
class FeatureBins:
    """What WoeBinner learned about one column.

    Numeric columns: bins (-inf, edges[0]], (edges[0], edges[1]], ..., (edges[-1], inf), then "missing".
    Categorical columns: one bin per common category, "other" for the pooled rare ones, "missing", then
    "unseen" for categories first met after fit. A bin that had no rows at fit ("unseen" always, "missing" if the
    column had no gaps) has WOE 0: there is no evidence either way.
    """

    kind: Literal["numeric", "categorical"]
    labels: tuple[str, ...]
    goods: tuple[int, ...]
    bads: tuple[int, ...]
    woe: tuple[float, ...]
    information_value: float
    edges: tuple[float, ...] = ()
    categories: dict[Hashable, int] = field(default_factory=dict)

    def bin_index(self, column: pd.Series) -> np.ndarray:
        """The bin each value of ``column`` falls into."""
        if self.kind == "numeric":
            return _numeric_bin_index(column, self.edges)
        return _categorical_bin_index(column, self.categories, other=len(self.labels) - 3)


class WoeBinner(TransformerMixin, BaseEstimator):
    """Replace each column of a DataFrame by the WOE of the bin its value falls into.

    Numeric columns are cut at quantiles into at most ``max_bins`` bins, merging any bin with fewer than
    ``min_bin_share`` of the rows into its smaller neighbour; missing values get a bin of their own.
    Categorical, object, string and bool columns get a bin per category, with categories rarer than
    ``min_bin_share`` of the rows pooled into "other". ``smoothing`` is added to every populated bin's goods and
    bads so a bin without defaults has a finite WOE. A column that is constant or entirely missing ends up with a
    single populated bin, WOE 0 and information value 0.

    Learns ``bins_`` (feature -> FeatureBins), ``information_value_`` (feature -> IV), ``feature_names_in_``.
    """

    def __init__(self, max_bins: int = 8, min_bin_share: float = 0.05, smoothing: float = 0.5):
        self.max_bins = max_bins
        self.min_bin_share = min_bin_share
        self.smoothing = smoothing

    def fit(self, X: pd.DataFrame, y: Iterable[Any]) -> "WoeBinner":
        if self.max_bins < 1:
            raise ValueError(f"max_bins must be at least 1, got {self.max_bins}")
        if not 0.0 <= self.min_bin_share < 1.0:
            raise ValueError(f"min_bin_share must be in [0, 1), got {self.min_bin_share}")
        if self.smoothing <= 0.0:
            raise ValueError(f"smoothing must be positive, got {self.smoothing}")
        _check_frame(X)
        bad = _binary_labels(y, len(X))
        min_count = self.min_bin_share * len(X)
        self.bins_ = {}
        for column in X.columns:
            values = X[column]
            if _is_numeric(values):
                edges = _numeric_edges(values.to_numpy(dtype=float, na_value=np.nan), self.max_bins, min_count)
                labels = [*_interval_labels(edges), MISSING]
                bin_of_row = _numeric_bin_index(values, edges)
                layout = {"kind": "numeric", "edges": tuple(float(edge) for edge in edges)}
            else:
                categories, common = _category_bins(values, min_count)
                labels = [*common, OTHER, MISSING, UNSEEN]
                bin_of_row = _categorical_bin_index(values, categories, other=len(common))
                layout = {"kind": "categorical", "categories": categories}
            self.bins_[column] = FeatureBins(labels=tuple(labels), **self._woe(bin_of_row, bad, len(labels)), **layout)
        self.information_value_ = {column: bins.information_value for column, bins in self.bins_.items()}
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.n_features_in_ = len(X.columns)
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        """WOE of every value, as floats, with the fitted columns in their fitted order and ``X``'s index."""
        check_is_fitted(self)
        _check_frame(X, required=self.feature_names_in_)
        return pd.DataFrame(
            {column: np.asarray(bins.woe)[bins.bin_index(X[column])] for column, bins in self.bins_.items()},
            index=X.index,
            columns=self.feature_names_in_,
            dtype=float,
        )

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        check_is_fitted(self)
        return self.feature_names_in_.copy()

    def __sklearn_tags__(self):
        return _takes_raw_frames(super().__sklearn_tags__())

    def _woe(self, bin_of_row: np.ndarray, bad: np.ndarray, nbins: int) -> dict[str, Any]:
        """WOE = ln((goods_in_bin + s) / (goods + s * k)) - ln((bads_in_bin + s) / (bads + s * k)) for each of the k
        populated bins (s = smoothing), 0 for empty ones; IV = sum of (good share - bad share) * WOE."""
        bads = np.bincount(bin_of_row, weights=bad, minlength=nbins).astype(np.int64)
        goods = np.bincount(bin_of_row, minlength=nbins) - bads
        populated = (goods + bads) > 0
        # Smoothed shares over the populated bins only, so a single populated bin has shares of 1 and WOE 0.
        npopulated = populated.sum()
        good_share = (goods + self.smoothing) / (goods.sum() + self.smoothing * npopulated)
        bad_share = (bads + self.smoothing) / (bads.sum() + self.smoothing * npopulated)
        woe = np.where(populated, np.log(good_share / bad_share), 0.0)
        return {
            "goods": tuple(int(n) for n in goods),
            "bads": tuple(int(n) for n in bads),
            "woe": tuple(float(w) for w in woe),
            "information_value": float(np.sum(np.where(populated, (good_share - bad_share) * woe, 0.0))),
        }


class WoeLogisticScorecard(ClassifierMixin, BaseEstimator):
    """L2-regularised logistic regression on the WOE of the features that carry information.

    Features with information value below ``min_information_value`` are dropped (the single best one is kept if
    none reaches it). Learns ``binner_``, ``features_`` (kept, in input order), ``coef_`` and ``intercept_`` (on the
    WOE scale), ``classes_`` ([0, 1]). ``predict_proba`` column 1 is the probability of default.

    Predicting needs every column seen at fit (the binner checks the schema); extra columns are ignored.
    """

    def __init__(
        self,
        max_bins: int = 8,
        min_bin_share: float = 0.05,
        C: float = 1.0,
        min_information_value: float = 0.02,
        random_state: int | None = 0,
    ):
        self.max_bins = max_bins
        self.min_bin_share = min_bin_share
        self.C = C
        self.min_information_value = min_information_value
        self.random_state = random_state

    def fit(self, X: pd.DataFrame, y: Iterable[Any]) -> "WoeLogisticScorecard":
        _check_frame(X)
        bad = _binary_labels(y, len(X))
        self.binner_ = WoeBinner(max_bins=self.max_bins, min_bin_share=self.min_bin_share).fit(X, bad)
        values = self.binner_.information_value_
        self.features_ = [column for column in X.columns if values[column] >= self.min_information_value]
        if not self.features_:
            self.features_ = [max(X.columns, key=lambda column: values[column])]
        self.model_ = LogisticRegression(C=self.C, max_iter=1000, random_state=self.random_state)
        self.model_.fit(self.binner_.transform(X)[self.features_].to_numpy(), bad)
        self.coef_ = self.model_.coef_.copy()
        self.intercept_ = self.model_.intercept_.copy()
        self.classes_ = np.array([0, 1])
        self.feature_names_in_ = self.binner_.feature_names_in_
        self.n_features_in_ = self.binner_.n_features_in_
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """(n, 2) array: column 0 the probability of no default, column 1 of default."""
        check_is_fitted(self)
        return self.model_.predict_proba(self.binner_.transform(X)[self.features_].to_numpy())

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """1 where the probability of default exceeds 0.5."""
        return (self.predict_proba(X)[:, 1] > 0.5).astype(np.int64)

    def __sklearn_tags__(self):
        return _takes_raw_frames(super().__sklearn_tags__())


def _takes_raw_frames(tags):
    """scikit-learn's tags of the binner and the scorecard: each takes a frame as it comes, gaps, categories and
    text included, since the binning gives each its own bin."""
    tags.input_tags.allow_nan = True
    tags.input_tags.categorical = True
    tags.input_tags.string = True
    return tags


def _check_frame(X: Any, required: Iterable[Hashable] | None = None) -> None:
    if not isinstance(X, pd.DataFrame):
        raise TypeError(f"X must be a pandas DataFrame (column types decide the binning), got {type(X).__name__}")
    if required is None:
        if len(X) == 0 or len(X.columns) == 0:
            raise ValueError(f"X must have rows and columns, got shape {X.shape}")
        if not X.columns.is_unique:
            raise ValueError("X has duplicate column names")
        return
    absent = [column for column in required if column not in X.columns]
    if absent:
        raise ValueError(f"X lacks columns seen at fit: {absent}")


def _binary_labels(y: Iterable[Any], n: int) -> np.ndarray:
    """Outcomes as floats 0.0/1.0 (bincount weights), one per row, with both outcomes present."""
    values = y.to_numpy() if isinstance(y, pd.Series) else np.asarray(y)
    if values.shape != (n,):
        raise ValueError(f"y must hold one label per row ({n}), got shape {values.shape}")
    try:
        values = values.astype(float)
    except (TypeError, ValueError) as error:
        raise ValueError("y must be 0 (no default) or 1 (default)") from error
    if not np.isin(values, (0.0, 1.0)).all():
        raise ValueError("y must be 0 (no default) or 1 (default)")
    if values.min() == values.max():
        raise ValueError("y has only defaults or only non-defaults: WOE needs both")
    return values


def _is_numeric(column: pd.Series) -> bool:
    return is_numeric_dtype(column) and not is_bool_dtype(column)


def _numeric_edges(values: np.ndarray, max_bins: int, min_count: float) -> np.ndarray:
    """Interior cut points at the quantiles of the present values, then fewer: an undersized bin is merged into its
    smaller neighbour until every bin holds at least ``min_count`` rows or only one is left."""
    present = values[~np.isnan(values)]
    if present.size == 0 or max_bins < 2:
        return np.empty(0)
    # Observed values below the maximum: with right-closed bins none is empty, ties merge bins instead.
    cuts = np.unique(np.quantile(present, np.arange(1, max_bins) / max_bins, method="inverted_cdf"))
    cuts = list(cuts[cuts < present.max()])
    counts = list(np.bincount(np.searchsorted(cuts, present, side="left"), minlength=len(cuts) + 1))
    while len(counts) > 1:
        smallest = int(np.argmin(counts))
        if counts[smallest] >= min_count:
            break
        if smallest == 0:
            left = 0
        elif smallest == len(counts) - 1:
            left = smallest - 1
        else:
            left = smallest - 1 if counts[smallest - 1] <= counts[smallest + 1] else smallest
        counts[left : left + 2] = [counts[left] + counts[left + 1]]
        del cuts[left]
    return np.asarray(cuts, dtype=float)


def _numeric_bin_index(column: pd.Series, edges: Iterable[float]) -> np.ndarray:
    values = column.to_numpy(dtype=float, na_value=np.nan)
    cuts = np.asarray(edges, dtype=float)
    index = np.searchsorted(cuts, values, side="left")
    index[np.isnan(values)] = cuts.size + 1
    return index


def _categorical_bin_index(column: pd.Series, categories: dict[Hashable, int], *, other: int) -> np.ndarray:
    """Bins laid out as common categories, then "other" (index ``other``), "missing", "unseen"."""
    labels = column.astype(object)
    mapped = labels.map(categories).to_numpy(dtype=float, na_value=np.nan)
    index = np.where(np.isnan(mapped), other + 2, mapped).astype(np.int64)
    index[labels.isna().to_numpy()] = other + 1
    return index


def _interval_labels(edges: np.ndarray) -> list[str]:
    bounds = ["-inf", *(f"{edge:.6g}" for edge in edges), "inf"]
    return [f"({low}, {high}]" if high != "inf" else f"({low}, inf)" for low, high in zip(bounds, bounds[1:])]


def _category_bins(column: pd.Series, min_count: float) -> tuple[dict[Hashable, int], list[str]]:
    """Category -> bin index, and the labels of the bins for common categories (most frequent first); rare
    categories map to the index just after them, which is "other"."""
    labels = column.astype(object)
    counts = labels[labels.notna()].value_counts()
    common = [label for label, n in counts.items() if n >= min_count]
    other = len(common)
    categories = {label: i for i, label in enumerate(common)}
    categories.update({label: other for label in counts.index if label not in categories})
    return categories, [str(label) for label in common]
