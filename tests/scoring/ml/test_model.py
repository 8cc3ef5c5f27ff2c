"""The probability-of-default model ranks and calibrates on data with a known relation, keeps its monotone
promises, explains itself additively, survives a round trip through its files unchanged, and refuses altered
files. prepare_table turns an operator's table into (X, y) or says exactly what is wrong with it."""

import copy
import hashlib
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone, is_classifier
from sklearn.exceptions import NotFittedError
from sklearn.metrics import roc_auc_score

from scoring.ml.model import BIAS_COLUMN, ModelIntegrityError, RiskModel, prepare_table, training_data_hash
from scoring.ml.scale import FIXED_SCALE, fit_master_scale

REPO = Path(__file__).resolve().parents[3]
FAST = {"learning_rate": 0.1, "max_rounds": 300, "early_stopping_rounds": 30}
MONOTONE = {"overdue_days_max_12m": 1, "paid_in_capital_log": -1}
N_ROWS = 4000


def borrowers(n: int, seed: int, base_log_odds: float = -1.5) -> tuple[pd.DataFrame, np.ndarray]:
    """Enterprises whose default risk rises with overdue days, falls with capital and depends on region."""
    rng = np.random.default_rng(seed)
    overdue = rng.normal(size=n)
    capital = rng.normal(size=n)
    growth = rng.normal(size=n)
    region = rng.choice(["east", "north", "south"], size=n)
    log_odds = (
        base_log_odds
        + 1.5 * overdue
        - 0.8 * capital
        + 0.3 * growth
        + np.select([region == "north", region == "south"], [0.6, -0.4], 0.0)
    )
    y = (rng.random(n) < 1 / (1 + np.exp(-log_odds))).astype(np.int64)
    overdue[rng.random(n) < 0.1] = np.nan
    X = pd.DataFrame(
        {
            "overdue_days_max_12m": overdue,
            "paid_in_capital_log": capital,
            "revenue_growth": growth,
            "region": pd.Categorical(region),
        }
    )
    return X, y


def reseal(manifest: dict) -> dict:
    """The manifest with its seal recomputed as the spec defines it, to reach the checks behind the seal."""
    sealed = {key: manifest[key] for key in manifest["sealed_keys"]}
    canonical = json.dumps(sealed, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return {**manifest, "manifest_sha256": hashlib.sha256(canonical.encode("utf-8")).hexdigest()}


def firms_with_several_loans(n_firms: int, seed: int) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Borrowers each repeated as one to four identical loans, with the firm id as the group of each row."""
    X_firms, y_firms = borrowers(n_firms, seed=seed)
    loans = np.random.default_rng(seed).integers(1, 5, size=n_firms)
    rows = np.repeat(np.arange(n_firms), loans)
    return X_firms.iloc[rows].reset_index(drop=True), y_firms[rows], np.array([f"firm-{i}" for i in rows])


@pytest.fixture(scope="module")
def trained() -> tuple[RiskModel, pd.DataFrame, np.ndarray]:
    X, y = borrowers(N_ROWS, seed=0)
    return RiskModel(monotone=MONOTONE, **FAST).fit(X, y), X, y


def test_model_ranks_unseen_borrowers_with_auc_above_075(trained):
    model, _, _ = trained
    X_new, y_new = borrowers(N_ROWS, seed=1)

    pd_new = model.predict_proba(X_new)[:, 1]

    assert roc_auc_score(y_new, pd_new) > 0.75


@pytest.mark.parametrize(("feature", "sign"), MONOTONE.items())
def test_constrained_feature_moves_pd_only_in_its_direction(trained, feature, sign):
    model, _, _ = trained
    base, _ = borrowers(30, seed=2)
    grid = np.linspace(-4, 4, 81)
    rows = base.loc[base.index.repeat(len(grid))].reset_index(drop=True)
    rows[feature] = np.tile(grid, len(base))

    pd_grid = model.predict_proba(rows)[:, 1].reshape(len(base), len(grid))

    assert (sign * np.diff(pd_grid, axis=1) >= 0).all()
    assert (sign * (pd_grid[:, -1] - pd_grid[:, 0]) > 0).all()


def test_contributions_sum_to_calibrated_log_odds(trained):
    model, _, _ = trained
    X_new, _ = borrowers(500, seed=3)

    contributions = model.contributions(X_new)

    assert list(contributions.columns) == [*model.features_, BIAS_COLUMN]
    np.testing.assert_allclose(contributions.sum(axis=1), model.decision_function(X_new), rtol=0, atol=1e-9)


def test_calibrated_mean_pd_matches_observed_default_rate(trained):
    model, X, y = trained
    X_new, y_new = borrowers(20_000, seed=4)

    training_gap = model.predict_proba(X)[:, 1].mean() - y.mean()
    new_gap = model.predict_proba(X_new)[:, 1].mean() - y_new.mean()

    assert abs(training_gap) < 0.01
    assert abs(new_gap) < 0.02


def test_region_unseen_at_fit_scores_as_missing_region(trained):
    model, _, _ = trained
    X_new, _ = borrowers(200, seed=5)
    unseen = X_new.assign(region=pd.Categorical(["west"] * len(X_new)))
    missing = X_new.assign(region=pd.Categorical([None] * len(X_new)))

    pd_unseen = model.predict_proba(unseen)[:, 1]

    assert np.isfinite(pd_unseen).all()
    np.testing.assert_array_equal(pd_unseen, model.predict_proba(missing)[:, 1])


def test_region_scores_by_label_not_by_category_code(trained):
    model, _, _ = trained
    X_new, _ = borrowers(200, seed=6)
    reordered = X_new.assign(region=X_new["region"].cat.reorder_categories(["south", "north", "east"]))
    as_text = X_new.assign(region=X_new["region"].astype(object))

    expected = model.predict_proba(X_new)

    np.testing.assert_array_equal(model.predict_proba(reordered), expected)
    np.testing.assert_array_equal(model.predict_proba(as_text), expected)


def test_round_trip_through_files_gives_identical_scores(trained):
    model, _, _ = trained
    X_new, _ = borrowers(500, seed=7)
    model_text, manifest = model.to_files()

    loaded = RiskModel.from_files(model_text, json.loads(json.dumps(manifest)))

    np.testing.assert_array_equal(loaded.predict_proba(X_new), model.predict_proba(X_new))
    pd.testing.assert_frame_equal(loaded.contributions(X_new), model.contributions(X_new))
    assert loaded.feature_importance_ == model.feature_importance_
    assert loaded.get_params() == model.get_params()


def test_manifest_describes_the_model(trained):
    model, X, y = trained

    _, manifest = model.to_files()

    assert manifest["features"] == list(X.columns)
    assert manifest["categorical"] == ["region"]
    assert manifest["categories"] == {"region": ["east", "north", "south"]}
    assert manifest["monotone"] == MONOTONE
    assert manifest["best_iteration"] == model.best_iteration_
    assert manifest["cv_best_iterations"] == model.cv_best_iterations_
    assert manifest["calibration"] == {"slope": model.calibration_[0], "intercept": model.calibration_[1]}
    assert manifest["training_data_sha256"] == training_data_hash(X, y)
    assert manifest["eval_data_sha256"] is None
    assert set(manifest["versions"]) == {"lightgbm", "numpy", "pandas", "scikit-learn", "python"}


def test_altered_model_text_is_refused(trained):
    model, _, _ = trained
    model_text, manifest = model.to_files()
    altered = model_text.replace("leaf_value=", "leaf_value=9", 1)

    with pytest.raises(ModelIntegrityError, match="sha256"):
        RiskModel.from_files(altered, manifest)


def test_manifest_without_seal_is_refused(trained):
    model, _, _ = trained
    model_text, manifest = model.to_files()
    del manifest["model_sha256"]

    with pytest.raises(ModelIntegrityError, match=re.escape("lacks ['model_sha256']")):
        RiskModel.from_files(model_text, manifest)


def test_manifest_with_unknown_parameter_is_refused(trained):
    model, _, _ = trained
    model_text, manifest = model.to_files()
    manifest["params"]["cv_repeats"] = 3

    with pytest.raises(ModelIntegrityError, match=re.escape("does not know: ['cv_repeats']")):
        RiskModel.from_files(model_text, reseal(manifest))


def test_manifest_seal_is_the_sha256_of_the_canonical_json_of_its_sealed_keys(trained):
    model, _, _ = trained

    _, manifest = model.to_files()

    assert set(manifest["sealed_keys"]) == set(manifest) - {"manifest_sha256"}
    assert reseal(manifest)["manifest_sha256"] == manifest["manifest_sha256"]


@pytest.mark.parametrize(
    "alter",
    [
        lambda manifest: manifest["calibration"].update(slope=manifest["calibration"]["slope"] * 1.5),
        lambda manifest: manifest["categories"]["region"].reverse(),
        lambda manifest: manifest["features"].reverse(),
        lambda manifest: manifest["sealed_keys"].remove("monotone"),
        lambda manifest: manifest["master_scale"]["uppers"].reverse(),
    ],
    ids=["calibration-slope", "category-order", "feature-order", "unsealed-key", "grade-bands"],
)
def test_altered_manifest_is_refused(trained, alter):
    model, _, _ = trained
    model_text, manifest = model.to_files()
    alter(manifest)

    with pytest.raises(ModelIntegrityError, match="the manifest does not match its sha256: it was altered"):
        RiskModel.from_files(model_text, manifest)


def test_manifest_whose_seal_leaves_out_the_calibration_is_refused(trained):
    model, _, _ = trained
    model_text, manifest = model.to_files()
    manifest["sealed_keys"].remove("calibration")

    with pytest.raises(ModelIntegrityError, match=re.escape("seal leaves out ['calibration']")):
        RiskModel.from_files(model_text, reseal(manifest))


def with_fitted_scale(model: RiskModel) -> RiskModel:
    """A copy of the model grading with a scale fitted on its own PDs for fresh borrowers (the shared model is
    left as it is)."""
    X_train, _ = borrowers(1000, seed=31)
    X_held_out, y_held_out = borrowers(1000, seed=32)
    scale = fit_master_scale(
        model.predict_proba(X_train)[:, 1],
        held_out_pd=model.predict_proba(X_held_out)[:, 1],
        held_out_defaulted=y_held_out,
    )
    return copy.deepcopy(model).set_master_scale(scale)


def test_a_fitted_model_grades_with_the_fixed_bands_until_it_is_given_a_scale(trained):
    model, _, _ = trained

    assert model.master_scale_ == FIXED_SCALE
    assert with_fitted_scale(model).master_scale_.fitted


def test_the_master_scale_is_sealed_into_the_manifest_and_read_back(trained):
    model = with_fitted_scale(trained[0])
    X_new, _ = borrowers(500, seed=33)

    model_text, manifest = model.to_files()
    loaded = RiskModel.from_files(model_text, json.loads(json.dumps(manifest)))

    assert "master_scale" in manifest["sealed_keys"]
    assert loaded.master_scale_ == model.master_scale_
    assert loaded.master_scale_.rows() == model.master_scale_.rows()
    probabilities = loaded.predict_proba(X_new)[:, 1]
    assert loaded.master_scale_.grades(probabilities).tolist() == model.master_scale_.grades(probabilities).tolist()


def test_a_manifest_saved_before_scales_were_fitted_grades_with_the_fixed_bands(trained):
    model_text, manifest = with_fitted_scale(trained[0]).to_files()
    del manifest["master_scale"]
    manifest["sealed_keys"].remove("master_scale")

    loaded = RiskModel.from_files(model_text, reseal(manifest))

    assert loaded.master_scale_ is FIXED_SCALE


def test_a_master_scale_added_outside_the_seal_is_refused(trained):
    model_text, manifest = trained[0].to_files()
    fitted = with_fitted_scale(trained[0]).master_scale_.to_dict()
    del manifest["master_scale"]
    manifest["sealed_keys"].remove("master_scale")
    manifest = reseal(manifest)
    manifest["master_scale"] = fitted

    with pytest.raises(ModelIntegrityError, match="master_scale is outside its seal"):
        RiskModel.from_files(model_text, manifest)


def test_a_sealed_master_scale_that_is_not_one_is_refused(trained):
    model_text, manifest = trained[0].to_files()
    manifest["master_scale"]["uppers"] = [0.05, 0.01, 0.02, 0.03]

    with pytest.raises(ModelIntegrityError, match="master_scale is not a scale: .* must not fall"):
        RiskModel.from_files(model_text, reseal(manifest))


def test_keys_added_after_to_files_do_not_break_loading(trained):
    model, _, _ = trained
    X_new, _ = borrowers(500, seed=21)
    model_text, manifest = model.to_files()
    manifest["metrics"] = {"auc": 0.81, "ks": 0.47}

    loaded = RiskModel.from_files(model_text, json.loads(json.dumps(manifest)))

    np.testing.assert_array_equal(loaded.predict_proba(X_new), model.predict_proba(X_new))


@pytest.mark.parametrize(
    ("alter", "message"),
    [
        (lambda manifest: manifest["categorical"].append("turnover"), "not among the features ['turnover']"),
        (lambda manifest: manifest["categories"].pop("region"), "without categories ['region']"),
        (
            lambda manifest: manifest["categories"].update(revenue_growth=["low"]),
            "categories for non-categorical ['revenue_growth']",
        ),
    ],
    ids=["unknown-feature", "no-categories", "stray-categories"],
)
def test_manifest_with_inconsistent_categorical_features_is_refused(trained, alter, message):
    model, _, _ = trained
    model_text, manifest = model.to_files()
    alter(manifest)

    with pytest.raises(ModelIntegrityError, match=re.escape(message)):
        RiskModel.from_files(model_text, reseal(manifest))


def test_same_data_and_seed_give_identical_model(trained):
    model, X, y = trained

    again = RiskModel(monotone=MONOTONE, **FAST).fit(X, y)

    assert again.to_files() == model.to_files()


def test_thousand_rows_with_five_percent_defaults_train_with_default_parameters():
    X, y = borrowers(1000, seed=8, base_log_odds=-4.0)
    assert 0.03 < y.mean() < 0.08

    model = RiskModel(monotone=MONOTONE).fit(X, y)

    # All 1,000 rows train the final trees: the leaf floor scales down from 50 to 1000 // 50.
    assert model.train_params_["min_child_samples"] == 20
    assert model.best_iteration_ >= 1
    assert model.calibration_[0] > 0
    assert 0 < model.predict_proba(X)[:, 1].mean() < 0.2


def test_external_eval_set_is_used_for_calibration():
    X, y = borrowers(2000, seed=9)
    X_eval, y_eval = borrowers(1000, seed=10)

    model = RiskModel(**FAST).fit(X, y, eval_set=(X_eval, y_eval))

    assert model.train_params_["min_child_samples"] == 40  # all 2,000 rows train
    assert model.eval_data_sha256_ == training_data_hash(X_eval, y_eval)
    assert model.cv_best_iterations_ == []
    assert abs(model.predict_proba(X_eval)[:, 1].mean() - y_eval.mean()) < 0.01


def test_fit_with_only_non_defaults_says_both_classes_are_needed():
    X, _ = borrowers(500, seed=11)

    with pytest.raises(ValueError, match=re.escape("y hold only non-defaults (0)")):
        RiskModel(**FAST).fit(X, np.zeros(len(X), dtype=int))


def test_final_rounds_are_the_median_of_the_folds_best_rounds(trained):
    model, _, _ = trained

    assert len(model.cv_best_iterations_) == 5
    assert model.best_iteration_ == round(np.median(model.cv_best_iterations_))
    assert model.booster_.current_iteration() == model.best_iteration_


def test_final_model_learns_from_the_most_recent_rows():
    X, y = borrowers(2000, seed=18)
    latest_fifth = np.arange(len(X)) >= 1600
    # A flag that marks defaults, set only in the last fifth of the rows (in time order).
    X["late_arrears_flag"] = np.where(latest_fifth, y, 0).astype(np.float64)

    model = RiskModel(**FAST).fit(X, y)

    assert model.feature_importance_["late_arrears_flag"] > 0


@pytest.fixture(scope="module")
def grouped_fits() -> tuple[np.ndarray, RiskModel, RiskModel, RiskModel]:
    """Firms with several identical loans, fitted twice with the firm as group and once without groups."""
    X, y, firms = firms_with_several_loans(800, seed=22)
    grouped = RiskModel(**FAST).fit(X, y, groups=firms)
    again = RiskModel(**FAST).fit(X, y, groups=firms)
    ungrouped = RiskModel(**FAST).fit(X, y)
    return firms, grouped, again, ungrouped


def test_folds_keep_each_firms_loans_together_and_repeat_exactly(grouped_fits):
    firms, grouped, again, ungrouped = grouped_fits

    folds_per_firm = pd.Series(grouped.cv_fold_).groupby(firms).nunique()

    assert (folds_per_firm == 1).all()
    assert sorted(np.unique(grouped.cv_fold_)) == [0, 1, 2, 3, 4]
    # Without groups the same rows do split firms: the data would catch folds that ignored the groups.
    assert (pd.Series(ungrouped.cv_fold_).groupby(firms).nunique() > 1).any()
    np.testing.assert_array_equal(again.cv_fold_, grouped.cv_fold_)
    assert again.to_files() == grouped.to_files()


def test_grouped_folds_stop_early_where_firms_cannot_be_memorised(grouped_fits):
    _, grouped, _, ungrouped = grouped_fits

    # Ungrouped folds score a firm's loan with trees that trained on its identical other loans, so validation
    # loss keeps falling and every fold runs to the 300-round cap; grouped folds stop where generalising does.
    assert min(ungrouped.cv_best_iterations_) > 250
    assert grouped.best_iteration_ < 100


@pytest.mark.parametrize(
    ("groups", "message"),
    [
        (np.arange(499), "X has 500 rows but groups has 499 labels"),
        (np.r_[np.arange(499), np.nan], "groups has 1 missing labels"),
        (np.arange(500) % 3, "with groups needs each outcome in at least 5 groups"),
    ],
    ids=["length", "missing", "too-few-groups"],
)
def test_fit_rejects_unusable_groups(groups, message):
    X, y = borrowers(500, seed=24)

    with pytest.raises(ValueError, match=re.escape(message)):
        RiskModel(**FAST).fit(X, y, groups=groups)


@pytest.mark.parametrize(
    ("n_defaults", "message"),
    [
        (3, "hold 3 defaults and 497 non-defaults, but cv_folds=5 needs at least 5 of each"),
        (497, "hold 497 defaults and 3 non-defaults, but cv_folds=5 needs at least 5 of each"),
    ],
    ids=["few-defaults", "few-non-defaults"],
)
def test_fit_with_too_few_of_a_class_for_the_folds_says_how_many_it_found(n_defaults, message):
    X, _ = borrowers(500, seed=12)
    y = np.r_[np.ones(n_defaults, dtype=int), np.zeros(500 - n_defaults, dtype=int)]

    with pytest.raises(ValueError, match=re.escape(message)):
        RiskModel(**FAST).fit(X, y)


@pytest.mark.parametrize("cv_folds", [1, 0, 2.5, True], ids=["one", "zero", "fraction", "bool"])
def test_fit_rejects_fewer_than_two_whole_folds(cv_folds):
    X, y = borrowers(500, seed=20)

    with pytest.raises(ValueError, match=re.escape(f"cv_folds must be a whole number of at least 2, not {cv_folds!r}")):
        RiskModel(cv_folds=cv_folds, **FAST).fit(X, y)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda X, y: (X.to_numpy(), y), "X must be a pandas DataFrame, not ndarray"),
        (lambda X, y: (X.iloc[:0], y[:0]), re.escape("X is empty (0 rows, 4 columns)")),
        (lambda X, y: (X, y[:-1]), "X has 500 rows but y has 499"),
        (lambda X, y: (X, y * 2), re.escape("y must hold 0/1 (1 = default), found 0, 2")),
        (lambda X, y: (X.assign(region=X["region"].astype(object)), y), "must be numeric or 'category' dtype"),
    ],
    ids=["array", "empty", "lengths", "labels", "text-column"],
)
def test_fit_rejects_malformed_input(change, message):
    X, y = borrowers(500, seed=13)

    with pytest.raises(ValueError, match=message):
        RiskModel(**FAST).fit(*change(X, y))


@pytest.mark.parametrize(
    ("monotone", "message"),
    [
        ({"turnover": 1}, re.escape("features X does not have: ['turnover']")),
        ({"region": 1}, re.escape("no order to constrain: ['region']")),
        ({"revenue_growth": 2}, re.escape("must be -1, 0 or +1: {'revenue_growth': 2}")),
    ],
    ids=["unknown", "categorical", "sign"],
)
def test_fit_rejects_impossible_monotone_constraints(monotone, message):
    X, y = borrowers(500, seed=14)

    with pytest.raises(ValueError, match=message):
        RiskModel(monotone=monotone, **FAST).fit(X, y)


def test_scoring_before_fit_raises_not_fitted():
    X, _ = borrowers(10, seed=15)

    with pytest.raises(NotFittedError):
        RiskModel().predict_proba(X)


def test_model_is_a_scikit_learn_classifier(trained):
    model, _, _ = trained

    copy = clone(model)

    assert is_classifier(model)
    assert copy.get_params() == model.get_params()
    assert not hasattr(copy, "booster_")


def test_training_data_hash_follows_values_and_column_order_not_index():
    X, y = borrowers(100, seed=16)
    reference = training_data_hash(X, y)

    assert training_data_hash(X.copy(), y.copy()) == reference
    assert training_data_hash(X.set_axis(range(100, 200)), y) == reference
    assert training_data_hash(X[X.columns[::-1]], y) != reference
    assert training_data_hash(X.assign(revenue_growth=X["revenue_growth"] + 1e-9), y) != reference
    assert training_data_hash(X, 1 - y) != reference


def test_prepare_table_maps_named_bad_label_to_one():
    frame = pd.DataFrame(
        {
            "outcome": ["good", "bad", "good", "bad"],
            "industry": ["retail", "mining", None, "retail"],
            "employees": [3, 40, 7, 12],
            "tax_rating": [1.0, np.nan, 2.0, 3.0],
        }
    )

    X, y = prepare_table(frame, "outcome", positive="bad")

    np.testing.assert_array_equal(y, [0, 1, 0, 1])
    assert list(X.columns) == ["industry", "employees", "tax_rating"]
    assert X["industry"].cat.categories.tolist() == ["mining", "retail"]
    assert X["industry"].isna().tolist() == [False, False, True, False]
    assert X["employees"].dtype == np.float64
    assert X["tax_rating"].dtype == np.float64


@pytest.mark.parametrize(
    "outcome",
    [[0, 1, 1, 0], [False, True, True, False], ["0", "1", "1", "0"], [0.0, 1.0, 1.0, 0.0]],
    ids=["ints", "bools", "strings", "floats"],
)
def test_prepare_table_reads_zero_one_targets_without_positive(outcome):
    frame = pd.DataFrame({"defaulted": outcome, "employees": [3, 40, 7, 12]})

    _, y = prepare_table(frame, "defaulted")

    np.testing.assert_array_equal(y, [0, 1, 1, 0])


def test_prepare_table_with_three_labels_names_them():
    frame = pd.DataFrame({"outcome": ["good", "bad", "unknown", "good"], "employees": [3, 40, 7, 12]})

    with pytest.raises(ValueError, match=re.escape("has 3: 'bad', 'good', 'unknown'")):
        prepare_table(frame, "outcome", positive="bad")


@pytest.mark.parametrize(
    ("outcome", "positive", "message"),
    [
        (["good", None, "bad", None], "bad", "2 of 4 rows have no value in target 'outcome'"),
        (["good", "bad", "good", "bad"], "defaulted", "positive='defaulted' is not a value of target 'outcome'"),
        (["good", "bad", "good", "bad"], None, re.escape("has labels 'bad', 'good': say which one is bad")),
        (["good", "good", "good", "good"], "good", "has only the value 'good'"),
    ],
    ids=["missing", "unknown-positive", "no-positive", "one-label"],
)
def test_prepare_table_explains_unusable_targets(outcome, positive, message):
    frame = pd.DataFrame({"outcome": outcome, "employees": [3, 40, 7, 12]})

    with pytest.raises(ValueError, match=message):
        prepare_table(frame, "outcome", positive=positive)


def test_prepared_table_trains_a_model():
    X_raw, y_raw = borrowers(2000, seed=17)
    frame = X_raw.assign(region=X_raw["region"].astype(object), outcome=np.where(y_raw == 1, "bad", "good"))

    X, y = prepare_table(frame, "outcome", positive="bad")
    model = RiskModel(monotone=MONOTONE, **FAST).fit(X, y)

    np.testing.assert_array_equal(y, y_raw)
    assert model.categories_ == {"region": ["east", "north", "south"]}
    assert roc_auc_score(y, model.predict_proba(X)[:, 1]) > 0.75
