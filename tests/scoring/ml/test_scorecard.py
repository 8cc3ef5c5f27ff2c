"""The WOE logistic scorecard: the baseline must rank risk on data where risk is plain to see, keep the WOE sign
convention (higher WOE = lower risk), survive the awkward columns real credit tables have, and behave as a
scikit-learn estimator."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from scoring.ml.metrics import auc
from scoring.ml.scorecard import MISSING, OTHER, UNSEEN, WoeBinner, WoeLogisticScorecard

REPO_ROOT = Path(__file__).resolve().parents[3]


def loans(n: int, *, seed: int = 0, slope: float = 4.0, base: float = -3.0) -> tuple[pd.DataFrame, np.ndarray]:
    """Synthetic loans whose default risk rises with the debt ratio and is unrelated to the noise column."""
    rng = np.random.default_rng(seed)
    debt_ratio = rng.uniform(size=n)
    risk = 1.0 / (1.0 + np.exp(-(base + slope * debt_ratio)))
    defaulted = (rng.uniform(size=n) < risk).astype(int)
    table = pd.DataFrame(
        {
            "debt_ratio": debt_ratio,
            "noise": rng.normal(size=n),
            "industry": rng.choice(["farming", "trade", "manufacturing"], size=n).astype(object),
        }
    )
    return table, defaulted


def test_scorecard_ranks_held_out_loans_better_than_chance_when_risk_rises_with_a_feature():
    X, y = loans(6_000, seed=1)
    train, test = slice(0, 4_000), slice(4_000, None)

    model = WoeLogisticScorecard().fit(X[train], y[train])

    assert auc(y[test], model.predict_proba(X[test])[:, 1]) > 0.7


def test_woe_falls_bin_by_bin_as_risk_rises_with_the_feature():
    X, y = loans(20_000, seed=2)

    bins = WoeBinner().fit(X, y).bins_["debt_ratio"]

    interval_woe = np.array(bins.woe[:-1])  # the last bin is "missing", empty here
    assert bins.labels[-1] == MISSING
    assert len(interval_woe) == 8
    assert (np.diff(interval_woe) < 0).all()


def test_scorecard_coefficient_on_woe_is_negative_because_higher_woe_means_lower_risk():
    X, y = loans(5_000, seed=3)

    model = WoeLogisticScorecard().fit(X, y)

    assert model.features_ == ["debt_ratio"]
    assert model.coef_.shape == (1, 1)
    assert model.coef_[0, 0] < 0


def test_features_below_the_information_value_floor_are_dropped():
    X, y = loans(5_000, seed=4)

    model = WoeLogisticScorecard(min_information_value=0.02).fit(X, y)

    assert model.binner_.information_value_["debt_ratio"] > 0.3
    assert model.binner_.information_value_["noise"] < 0.02
    assert model.features_ == ["debt_ratio"]


def test_the_best_feature_is_kept_when_none_reaches_the_information_value_floor():
    X, y = loans(5_000, seed=5)

    model = WoeLogisticScorecard(min_information_value=100.0).fit(X, y)

    assert model.features_ == ["debt_ratio"]


def test_scorecard_fits_a_small_table_with_few_defaults():
    X, y = loans(1_000, seed=6, base=-7.0)
    assert 1 <= y.sum() <= 15

    proba = WoeLogisticScorecard().fit(X, y).predict_proba(X)

    assert proba.shape == (1_000, 2)
    assert np.allclose(proba.sum(axis=1), 1.0)
    assert ((proba > 0) & (proba < 1)).all()


def test_predict_is_one_exactly_where_the_probability_of_default_exceeds_one_half():
    X, y = loans(3_000, seed=7, slope=10.0, base=-5.0)
    model = WoeLogisticScorecard().fit(X, y)

    predicted = model.predict(X)

    assert list(model.classes_) == [0, 1]
    assert np.array_equal(predicted, (model.predict_proba(X)[:, 1] > 0.5).astype(int))
    assert 0 < predicted.sum() < len(predicted)


@pytest.mark.parametrize(
    "column",
    [
        pd.Series(np.nan, index=range(1_000)),
        pd.Series(3.5, index=range(1_000)),
        pd.Series([None] * 1_000, dtype=object),
        pd.Series("trade", index=range(1_000)),
    ],
    ids=["all NaN", "constant number", "all None labels", "constant label"],
)
def test_a_column_without_information_gets_one_populated_bin_woe_zero_and_no_iv(column):
    X, y = loans(1_000, seed=8)
    X["empty"] = column

    binner = WoeBinner().fit(X, y)
    model = WoeLogisticScorecard().fit(X, y)

    bins = binner.bins_["empty"]
    populated = [goods + bads for goods, bads in zip(bins.goods, bins.bads) if goods + bads > 0]
    assert populated == [1_000]
    assert binner.information_value_["empty"] == 0.0
    assert (binner.transform(X)["empty"] == 0.0).all()
    assert "empty" not in model.features_
    assert model.predict_proba(X).shape == (1_000, 2)


def test_a_category_first_seen_at_predict_time_maps_to_woe_zero():
    X, y = loans(2_000, seed=9)
    binner = WoeBinner().fit(X, y)
    new = X.head(3).assign(industry=["mining", "trade", None])

    woe = binner.transform(new)["industry"]

    bins = binner.bins_["industry"]
    assert bins.labels[-3:] == (OTHER, MISSING, UNSEEN)
    assert woe.iloc[0] == 0.0
    assert woe.iloc[1] == bins.woe[bins.categories["trade"]]
    assert woe.iloc[2] == 0.0  # no industry was missing at fit, so missing carries no evidence either


def test_rare_categories_are_pooled_into_other_and_keep_their_own_evidence():
    X, y = loans(2_000, seed=10)
    X.loc[:29, "industry"] = "mining"  # 1.5% of rows, under the 5% floor

    bins = WoeBinner(min_bin_share=0.05).fit(X, y).bins_["industry"]

    other = bins.labels.index(OTHER)
    assert "mining" not in bins.labels
    assert bins.categories["mining"] == other
    assert bins.goods[other] + bins.bads[other] == 30


def test_missing_numbers_get_a_bin_of_their_own():
    X, y = loans(2_000, seed=11)
    X.loc[X.index[:400], "debt_ratio"] = np.nan
    y[:400] = 1  # missing debt ratio is the riskiest group

    binner = WoeBinner().fit(X, y)

    bins = binner.bins_["debt_ratio"]
    missing = bins.labels.index(MISSING)
    assert (bins.goods[missing], bins.bads[missing]) == (0, 400)
    assert bins.woe[missing] == min(bins.woe)
    assert binner.transform(X.head(1))["debt_ratio"].item() == bins.woe[missing]


@pytest.mark.parametrize(
    "values",
    [
        np.random.default_rng(12).exponential(size=2_000),
        np.random.default_rng(13).integers(0, 4, size=2_000).astype(float),
        np.where(np.arange(2_000) < 1_950, 0.0, np.arange(2_000, dtype=float)),
    ],
    ids=["skewed", "few distinct values", "almost all zero"],
)
def test_every_numeric_bin_holds_at_least_the_minimum_share_of_rows(values):
    _, y = loans(2_000, seed=14)

    bins = WoeBinner(max_bins=8, min_bin_share=0.05).fit(pd.DataFrame({"overdue_days": values}), y)
    bins = bins.bins_["overdue_days"]

    counts = [goods + bads for goods, bads in zip(bins.goods[:-1], bins.bads[:-1])]
    assert sum(counts) == 2_000
    assert len(counts) <= 8
    assert len(counts) == 1 or min(counts) >= 0.05 * 2_000


def test_transform_returns_floats_with_the_fitted_columns_and_the_callers_index():
    X, y = loans(500, seed=15)
    X["active"] = X["noise"] > 0
    X["loans_count"] = pd.array(np.arange(500) % 7, dtype="Int64")
    X.loc[[3, 4], "loans_count"] = pd.NA
    X.index = X.index + 1_000

    woe = WoeBinner().fit(X, y).transform(X)

    assert list(woe.columns) == list(X.columns)
    assert set(woe.dtypes) == {np.dtype("float64")}
    assert woe.index.equals(X.index)
    assert woe.notna().all().all()


def test_predicting_before_fit_raises_not_fitted():
    X, _ = loans(10)

    with pytest.raises(NotFittedError):
        WoeLogisticScorecard().predict_proba(X)
    with pytest.raises(NotFittedError):
        WoeLogisticScorecard().predict(X)
    with pytest.raises(NotFittedError):
        WoeBinner().transform(X)


def test_predicting_without_a_column_seen_at_fit_names_it():
    X, y = loans(500, seed=16)
    model = WoeLogisticScorecard().fit(X, y)

    with pytest.raises(ValueError, match="noise"):
        model.predict_proba(X.drop(columns="noise"))


@pytest.mark.parametrize("y", [np.zeros(100), np.ones(100)], ids=["no defaults", "only defaults"])
def test_fitting_on_a_single_class_is_refused(y):
    X, _ = loans(100)

    with pytest.raises(ValueError, match="only defaults or only non-defaults"):
        WoeLogisticScorecard().fit(X, y)


def test_scorecard_parameters_round_trip_through_sklearn_clone():
    model = WoeLogisticScorecard(max_bins=5, C=0.3, min_information_value=0.1, random_state=42)

    copy = clone(model)

    assert copy.get_params() == {
        "max_bins": 5,
        "min_bin_share": 0.05,
        "C": 0.3,
        "min_information_value": 0.1,
        "random_state": 42,
    }
