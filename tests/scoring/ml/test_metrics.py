"""Evaluation of a PD model: the discrimination and calibration numbers reported for every trained model, and the
population stability index that says when the scored population has drifted from the training one."""

import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring.ml.metrics import (
    PSI_ALERT,
    PSI_EPSILON,
    Metrics,
    auc,
    brier,
    calibration_table,
    evaluate,
    gini,
    ks,
    psi,
    psi_categorical,
    psi_table,
)


def test_a_perfect_separator_has_ks_and_auc_of_one():
    y = [0, 0, 0, 1, 1]
    score = [0.1, 0.2, 0.3, 0.8, 0.9]

    assert ks(y, score) == 1.0
    assert auc(y, score) == 1.0


def test_ks_does_not_depend_on_which_way_the_score_points():
    y = [0, 0, 1, 1]

    assert ks(y, [0.9, 0.8, 0.2, 0.1]) == 1.0


def test_random_scores_have_auc_near_one_half_and_small_ks():
    rng = np.random.default_rng(7)
    y = rng.integers(0, 2, size=50_000)
    score = rng.uniform(size=50_000)

    assert auc(y, score) == pytest.approx(0.5, abs=0.01)
    assert ks(y, score) < 0.02


@pytest.mark.parametrize(("area", "expected"), [(0.5, 0.0), (1.0, 1.0), (0.75, 0.5), (0.0, -1.0)])
def test_gini_is_twice_auc_minus_one(area, expected):
    assert gini(area) == expected


def test_brier_is_the_mean_squared_error_of_the_predicted_pd():
    assert brier([0, 1], [0.2, 0.6]) == pytest.approx((0.2**2 + 0.4**2) / 2)


def test_calibration_table_cuts_distinct_predictions_into_equal_bins():
    pd_hat = np.linspace(0.001, 0.999, 1000)
    y = (pd_hat > 0.5).astype(int)

    table = calibration_table(y, pd_hat, bins=10)

    assert [row["bin"] for row in table] == list(range(10))
    assert [row["count"] for row in table] == [100] * 10
    assert [row["observed_rate"] for row in table] == [0.0] * 5 + [1.0] * 5
    assert table[0]["pd_min"] == pytest.approx(0.001)
    assert table[-1]["pd_max"] == pytest.approx(0.999)
    assert all(row["pd_min"] <= row["mean_predicted"] <= row["pd_max"] for row in table)


def test_calibration_table_of_a_constant_prediction_has_one_bin():
    table = calibration_table([0, 1, 0, 0], [0.25] * 4)

    assert table == [
        {"bin": 0, "pd_min": 0.25, "pd_max": 0.25, "count": 4, "mean_predicted": 0.25, "observed_rate": 0.25}
    ]


@given(
    rows=st.lists(
        st.tuples(st.integers(0, 1), st.sampled_from([0.0, 0.01, 0.05, 0.05, 0.2, 0.5, 0.99, 1.0])),
        min_size=1,
        max_size=200,
    ),
    bins=st.integers(1, 20),
)
def test_calibration_bins_are_never_empty_and_add_up_to_every_loan(rows, bins):
    y = [label for label, _ in rows]
    pd_hat = [p for _, p in rows]

    table = calibration_table(y, pd_hat, bins=bins)

    assert sum(row["count"] for row in table) == len(rows)
    assert all(row["count"] >= 1 for row in table)
    assert len(table) <= bins
    assert all(earlier["pd_max"] < later["pd_min"] for earlier, later in zip(table, table[1:]))


def test_evaluate_reports_every_metric_and_serialises_to_json():
    y = [0, 0, 1, 0, 1, 1, 0, 0]
    pd_hat = [0.1, 0.2, 0.7, 0.3, 0.6, 0.9, 0.4, 0.05]

    metrics = evaluate(y, pd_hat)

    assert isinstance(metrics, Metrics)
    assert metrics.auc == 1.0
    assert metrics.ks == 1.0
    assert metrics.gini == 1.0
    assert metrics.count == 8
    assert metrics.positives == 3
    assert metrics.brier == pytest.approx(brier(y, pd_hat))
    assert sum(row["count"] for row in metrics.calibration) == 8
    assert json.loads(json.dumps(metrics.to_dict())) == metrics.to_dict()


@pytest.mark.parametrize("y", [[0, 0, 0], [1, 1, 1]], ids=["only non-defaults", "only defaults"])
def test_evaluate_refuses_a_held_out_set_with_a_single_class(y):
    with pytest.raises(ValueError, match="only defaults/only non-defaults: cannot measure AUC"):
        evaluate(y, [0.1, 0.2, 0.3])


@pytest.mark.parametrize(
    ("y", "pd_hat"),
    [([0, 2], [0.1, 0.2]), ([0, 1], [0.1]), ([0, 1], [0.1, float("nan")]), ([0, 1], [0.1, 1.5]), ([], [])],
    ids=["label not 0/1", "lengths differ", "NaN prediction", "not a probability", "empty"],
)
def test_evaluate_refuses_malformed_input(y, pd_hat):
    with pytest.raises(ValueError):
        evaluate(y, pd_hat)


def test_psi_of_identical_samples_is_zero():
    sample = np.random.default_rng(1).normal(size=5_000)

    assert psi(sample, sample.copy()) == 0.0


def test_psi_of_two_draws_from_one_population_is_small():
    rng = np.random.default_rng(2)

    assert psi(rng.normal(size=20_000), rng.normal(size=20_000)) < 0.01


def test_psi_of_a_shifted_sample_is_above_the_alert_level():
    rng = np.random.default_rng(3)

    assert psi(rng.normal(size=10_000), rng.normal(loc=1.0, size=10_000)) > PSI_ALERT


def test_psi_counts_missing_values_as_a_bin_of_their_own():
    expected = np.arange(1_000, dtype=float)
    actual = expected.copy()
    actual[::2] = np.nan

    # Half of every bin moves to the missing bin, which had no share (floored at epsilon) before.
    assert psi(expected, actual) == pytest.approx(
        10 * (0.05 - 0.1) * math.log(0.05 / 0.1) + (0.5 - PSI_EPSILON) * math.log(0.5 / PSI_EPSILON)
    )


def test_psi_stays_finite_when_the_new_sample_leaves_bins_empty():
    expected = np.arange(1_000, dtype=float)
    actual = np.full(1_000, 5_000.0)

    value = psi(expected, actual)

    assert math.isfinite(value)
    assert value > PSI_ALERT


def test_psi_categorical_of_identical_samples_is_zero():
    labels = ["a", "b", "b", None, "c"]

    assert psi_categorical(labels, list(labels)) == 0.0


def test_psi_categorical_counts_a_category_new_in_the_actual_sample():
    expected = ["a"] * 50 + ["b"] * 50
    actual = ["a"] * 50 + ["c"] * 50

    # "b" vanishes and "c" appears: two bins move from one half to epsilon or back.
    assert psi_categorical(expected, actual) == pytest.approx(2 * (0.5 - PSI_EPSILON) * math.log(0.5 / PSI_EPSILON))


def test_psi_categorical_treats_none_and_nan_as_one_missing_category():
    assert psi_categorical(["a", None, "b"], ["a", np.nan, "b"]) == 0.0
    assert psi_categorical(["a", "a", "b", "b"], ["a", None, "b", None]) > PSI_ALERT


def test_psi_table_ranks_columns_by_drift_and_flags_the_shifted_ones():
    rng = np.random.default_rng(4)
    n = 5_000
    expected = pd.DataFrame(
        {
            "stable_income": rng.normal(size=n),
            "shifted_debt": rng.normal(size=n),
            "industry": pd.Categorical(rng.choice(["farming", "trade"], size=n)),
            "region": rng.choice(["east", "west"], size=n).astype(object),
        }
    )
    actual = pd.DataFrame(
        {
            "stable_income": rng.normal(size=n),
            "shifted_debt": rng.normal(loc=2.0, size=n),
            "industry": pd.Categorical(rng.choice(["farming", "trade"], size=n)),
            "region": rng.choice(["east", "west"], size=n, p=[0.8, 0.2]).astype(object),
        }
    )

    table = psi_table(expected, actual)

    assert list(table.columns) == ["feature", "psi", "flagged"]
    assert list(table["feature"][:2]) == ["shifted_debt", "region"]
    assert table["psi"].is_monotonic_decreasing
    assert dict(zip(table["feature"], table["flagged"])) == {
        "shifted_debt": True,
        "region": True,
        "stable_income": False,
        "industry": False,
    }
    region_psi = table.loc[table["feature"] == "region", "psi"].item()
    assert region_psi == pytest.approx(psi_categorical(expected["region"], actual["region"]))


def test_psi_table_refuses_an_actual_sample_without_a_column():
    with pytest.raises(ValueError, match="income"):
        psi_table(pd.DataFrame({"income": [1.0], "debt": [2.0]}), pd.DataFrame({"debt": [2.0]}))


@pytest.mark.parametrize("moved_to", [1.0, -1.0], ids=["above", "below"])
def test_psi_sees_a_later_sample_leaving_a_constant_reference(moved_to):
    # Every firm had the same value at training; now half of them have another.
    value = psi(np.zeros(1_000), np.r_[np.zeros(500), np.full(500, moved_to)])

    # The reference's one bin loses half its share; the bin beyond it gains half from epsilon.
    assert value == pytest.approx((0.5 - 1.0) * math.log(0.5) + (0.5 - PSI_EPSILON) * math.log(0.5 / PSI_EPSILON))
    assert value > PSI_ALERT


def test_psi_sees_values_above_the_maximum_of_the_reference():
    expected = np.arange(1_000, dtype=float)
    actual = np.r_[expected[:900], np.full(100, 2_000.0)]

    # The top decile empties (0.1 to epsilon) and the bin above the maximum fills (epsilon to 0.1).
    assert psi(expected, actual) == pytest.approx(2 * (0.1 - PSI_EPSILON) * math.log(0.1 / PSI_EPSILON))


@pytest.mark.parametrize("constant", [0.0, 3.5])
def test_psi_of_identical_constant_samples_is_zero(constant):
    assert psi(np.full(1_000, constant), np.full(1_000, constant)) == 0.0
