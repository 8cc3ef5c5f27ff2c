"""The probability-of-default model (违约概率模型): LightGBM under monotone constraints, Platt-calibrated, and
stored as LightGBM's text format plus a JSON-safe manifest so that loading never executes code.

Inputs: X is a pandas DataFrame whose numeric columns are floats (NaN = missing, which the trees treat as
information) and whose categorical columns have the 'category' dtype; y is 0/1 with 1 = default (bad).
"""

from __future__ import annotations

import hashlib
import json
import math
import numbers
import platform
import warnings
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
import sklearn
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold
from sklearn.utils.validation import check_is_fitted

from scoring.ml.scale import FIXED_SCALE, MasterScale

MANIFEST_FORMAT = "creditloan.scoring.risk_model/1"
BIAS_COLUMN = "bias"
# Below this many rows LightGBM runs on one thread: OpenMP's start-up and spin-waiting then cost more than the
# parallel work saves (on a shared 2-core box, training on 3,200 rows took 60x longer on all cores and scoring
# one row 250x longer). With deterministic=True and force_col_wise the trees come out identical whatever the
# thread count, so this changes speed only.
PARALLEL_FROM_ROWS = 100_000
_MANIFEST_KEYS = (
    "format",
    "features",
    "categorical",
    "categories",
    "params",
    "best_iteration",
    "calibration",
    "model_sha256",
    "sealed_keys",
    "manifest_sha256",
)


class ModelIntegrityError(ValueError):
    """A stored model's text or manifest is not what was saved: refuse to score with it."""


class RiskModel(ClassifierMixin, BaseEstimator):
    """Gradient-boosted trees predicting the probability of default, calibrated by Platt scaling.

    ``monotone`` maps a feature to +1 (risk never falls as it grows) or -1 (risk never rises); unlisted
    features are unconstrained. Categorical features cannot be constrained. The order covers a feature's
    values, not its missing value: the trees send missing values wherever the data says they belong.
    """

    def __init__(
        self,
        *,
        monotone: dict[str, int] | None = None,
        learning_rate: float = 0.05,
        num_leaves: int = 15,
        min_child_samples: int = 50,
        reg_lambda: float = 1.0,
        feature_fraction: float = 0.8,
        bagging_fraction: float = 0.8,
        max_rounds: int = 2000,
        early_stopping_rounds: int = 100,
        random_state: int = 0,
        cv_folds: int = 5,
    ):
        self.monotone = monotone
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.reg_lambda = reg_lambda
        self.feature_fraction = feature_fraction
        self.bagging_fraction = bagging_fraction
        self.max_rounds = max_rounds
        self.early_stopping_rounds = early_stopping_rounds
        self.random_state = random_state
        self.cv_folds = cv_folds

    def fit(
        self,
        X: pd.DataFrame,
        y: Any,
        *,
        eval_set: tuple[pd.DataFrame, Any] | None = None,
        groups: Any = None,
    ) -> RiskModel:
        """Train on (X, y) and calibrate by Platt scaling.

        Without ``eval_set``, stratified ``cv_folds``-fold cross-validation stops each fold early on its own
        validation rows; the final trees then train on every row of X for the median of the folds' best
        rounds, and are calibrated on the folds' out-of-fold log-odds. With ``eval_set`` (an out-of-time
        sample, say), the trees train on X, stop early on ``eval_set`` and are calibrated on it.

        ``groups`` labels each row's borrower (the firm id, say). With it the folds keep every group whole
        (StratifiedGroupKFold), so a firm with several loans is never scored out-of-fold by trees that trained
        on its other loans, which would flatter the chosen rounds and the calibration. It is checked but has
        no other use with ``eval_set``, where there are no folds. ``cv_fold_`` records each row's fold.
        """
        _check_frame(X, "X")
        y = _binary_target(y, "y")
        if len(y) != len(X):
            raise ValueError(f"X has {len(X)} rows but y has {len(y)}")
        _require_both_classes(y, "y")
        if isinstance(self.cv_folds, bool) or not isinstance(self.cv_folds, numbers.Integral) or self.cv_folds < 2:
            raise ValueError(f"cv_folds must be a whole number of at least 2, not {self.cv_folds!r}")
        group_codes = None if groups is None else _group_codes(groups, len(X))

        features = list(X.columns)
        categorical = [name for name in features if isinstance(X[name].dtype, pd.CategoricalDtype)]
        unsupported = {
            name: str(X[name].dtype)
            for name in features
            if name not in categorical and not pd.api.types.is_numeric_dtype(X[name].dtype)
        }
        if unsupported:
            raise ValueError(
                f"columns must be numeric or 'category' dtype; these are not: {unsupported} "
                "(prepare_table turns text columns into categories)"
            )
        monotone = _checked_monotone(self.monotone, features, categorical)
        if eval_set is None:
            n_defaults = int(y.sum())
            n_non_defaults = len(y) - n_defaults
            if min(n_defaults, n_non_defaults) < self.cv_folds:
                raise ValueError(
                    f"the training rows hold {n_defaults} defaults and {n_non_defaults} non-defaults, but "
                    f"cv_folds={self.cv_folds} needs at least {self.cv_folds} of each (one per fold)"
                )
            if group_codes is not None:
                # A group goes to one fold whole, so each fold needs a group of its own with each outcome.
                defaulting = len(np.unique(group_codes[y == 1]))
                non_defaulting = len(np.unique(group_codes[y == 0]))
                if min(defaulting, non_defaulting) < self.cv_folds:
                    raise ValueError(
                        f"the {n_defaults} defaults fall in {defaulting} groups and the {n_non_defaults} "
                        f"non-defaults in {non_defaulting}, but cv_folds={self.cv_folds} with groups needs each "
                        f"outcome in at least {self.cv_folds} groups (one per fold)"
                    )
        else:
            X_eval, y_eval = eval_set
            _check_frame(X_eval, "eval_set X")
            y_eval = _binary_target(y_eval, "eval_set y")
            if len(y_eval) != len(X_eval):
                raise ValueError(f"eval_set X has {len(X_eval)} rows but eval_set y has {len(y_eval)}")
            _require_both_classes(y_eval, "the early-stopping/calibration rows")

        self.features_ = features
        self.categorical_ = categorical
        self.categories_ = {name: X[name].cat.categories.tolist() for name in categorical}
        self.__dict__.pop("_positions", None)  # positions cached from an earlier fit
        self.n_features_in_ = len(features)
        self.feature_names_in_ = np.asarray(features, dtype=object)
        self.classes_ = np.array([0, 1])
        self.training_data_sha256_ = training_data_hash(X, y)
        self.eval_data_sha256_ = None if eval_set is None else training_data_hash(X_eval[features], y_eval)

        # A leaf of 50 rows is a sound floor on a large table, but on 1,000 rows (40 of them defaults at 5%)
        # it is so large a share of the data that the trees can hardly split. Two per cent of the rows, never
        # under 5, keeps each leaf a stable average at any size; the cap keeps the configured value on big
        # tables. Categories get the same floor, for the same reason. The cross-validation folds use the same
        # parameters as the final trees, so that the rounds they choose are rounds of the same model.
        leaf_rows = min(self.min_child_samples, max(5, len(X) // 50))
        params = {
            "objective": "binary",
            "metric": "binary_logloss",
            "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves,
            "min_child_samples": leaf_rows,
            "min_data_per_group": leaf_rows,
            "reg_lambda": self.reg_lambda,
            "feature_fraction": self.feature_fraction,
            "bagging_fraction": self.bagging_fraction,
            # LightGBM ignores bagging_fraction unless rows are resampled every bagging_freq rounds.
            "bagging_freq": 1 if self.bagging_fraction < 1 else 0,
            "monotone_constraints": [monotone.get(name, 0) for name in features],
            # "basic", though it over-constrains: in LightGBM 4.6 "advanced" broke the constraints whenever a
            # feature had missing values, and "intermediate" did when missing values met a categorical
            # feature (log-odds falling by up to 0.04 along a +1 feature); "basic" held in every check.
            "monotone_constraints_method": "basic",
            "seed": self.random_state,
            # deterministic=True is only reliable with the histogram layout forced (LightGBM's own advice).
            "deterministic": True,
            "force_col_wise": True,
            "num_threads": _threads(len(X)),
            "verbose": -1,
        }
        self.train_params_ = params
        matrix = self._matrix(X)
        if eval_set is None:
            # Calibrated on out-of-fold log-odds: every row's comes from a fold model that never trained on it,
            # so the slope is not flattered by trees scoring their own rows. The final trees train on every row,
            # the most recent period included, which is what an out-of-time test (and production) rewards.
            booster, self.cv_best_iterations_, calibration_margin, self.cv_fold_ = self._cross_validated(
                params, matrix, y, group_codes
            )
            calibration_y = y
            self.best_iteration_ = int(booster.current_iteration())
        else:
            eval_matrix = self._matrix(X_eval)
            booster, self.best_iteration_ = self._early_stopped(params, matrix, y, eval_matrix, y_eval)
            self.cv_best_iterations_ = []
            self.cv_fold_ = None
        # Keep only the trees up to the best round, exactly as to_files stores them, so that a fitted model
        # and one loaded from its files are the same model.
        self.booster_ = lgb.Booster(model_str=booster.model_to_string(num_iteration=self.best_iteration_))
        if eval_set is not None:
            # Early stopping chose one number on these rows, so calibrating on them too costs little.
            calibration_margin = self.booster_.predict(
                eval_matrix, raw_score=True, num_threads=_threads(len(eval_matrix))
            )
            calibration_y = y_eval

        # Platt scaling (a logistic regression of the outcome on the trees' log-odds) rather than isotonic
        # regression: an increasing linear map keeps the score monotone in every constrained feature, and it
        # keeps the per-feature contributions additive in calibrated log-odds (each is multiplied by the
        # slope; the bias becomes slope * bias + intercept), which the explanations rely on.
        platt = LogisticRegression(C=1e6, max_iter=1000).fit(calibration_margin.reshape(-1, 1), calibration_y)
        slope, intercept = float(platt.coef_[0, 0]), float(platt.intercept_[0])
        if slope < 0:
            # The trees rank the calibration rows backwards; a negative slope would invert every monotone
            # constraint, so fall back to the observed default rate for everyone.
            warnings.warn(
                "the trees do not rank the calibration rows (Platt slope < 0): scoring every row at the "
                "observed default rate",
                RuntimeWarning,
                stacklevel=2,
            )
            rate = float(np.mean(calibration_y))
            slope, intercept = 0.0, math.log(rate / (1 - rate))
        self.calibration_ = (slope, intercept)
        self.feature_importance_ = self._gain_by_feature()
        # The fixed bands until a scale fitted on an out-of-time period is set (set_master_scale): fit sees no
        # such period, and the training rows alone cannot show the grades are monotone in observed defaults.
        self.master_scale_ = FIXED_SCALE
        return self

    def set_master_scale(self, scale: MasterScale) -> RiskModel:
        """Grade this model's PDs with `scale` (scoring.ml.scale.fit_master_scale), which to_files then seals
        into the manifest with the model."""
        check_is_fitted(self, "booster_")
        if not isinstance(scale, MasterScale):
            raise ValueError(f"a master scale is a scoring.ml.scale.MasterScale, not {type(scale).__name__}")
        self.master_scale_ = scale
        return self

    def _cross_validated(
        self, params: dict, matrix: np.ndarray, y: np.ndarray, groups: np.ndarray | None
    ) -> tuple[lgb.Booster, list, np.ndarray, np.ndarray]:
        """The final booster, trained on all rows for the median of the folds' best rounds; each fold's best
        round; every row's log-odds from the fold model that held it out (at that fold's best round); and
        every row's fold. With ``groups`` no group is split across folds."""
        if groups is None:
            folds = StratifiedKFold(n_splits=self.cv_folds, shuffle=True, random_state=self.random_state)
        else:
            folds = StratifiedGroupKFold(n_splits=self.cv_folds, shuffle=True, random_state=self.random_state)
        splits = list(folds.split(matrix, y, groups))
        fold_of_row = np.full(len(y), -1, dtype=np.int64)
        for number, (train_rows, valid_rows) in enumerate(splits):
            fold_of_row[valid_rows] = number
            for rows, part in ((train_rows, "training"), (valid_rows, "validation")):
                if len(np.unique(y[rows])) < 2:
                    # Possible only with groups: StratifiedGroupKFold balances outcomes as best it can.
                    raise ValueError(
                        f"cross-validation fold {number + 1} of {self.cv_folds} has {part} rows of one outcome "
                        "only: the groups cannot be split into folds that each hold defaults and non-defaults; "
                        "use fewer cv_folds"
                    )
        best_iterations = []
        out_of_fold = np.empty(len(y), dtype=np.float64)
        for train_rows, valid_rows in splits:
            valid_matrix = matrix[valid_rows]
            fold, best = self._early_stopped(params, matrix[train_rows], y[train_rows], valid_matrix, y[valid_rows])
            best_iterations.append(best)
            out_of_fold[valid_rows] = fold.predict(
                valid_matrix, raw_score=True, num_iteration=best, num_threads=_threads(len(valid_matrix))
            )
        rounds = max(1, round(float(np.median(best_iterations))))
        booster = lgb.train(params, self._dataset(matrix, y), num_boost_round=rounds)
        return booster, best_iterations, out_of_fold, fold_of_row

    def _early_stopped(
        self, params: dict, matrix: np.ndarray, y: np.ndarray, eval_matrix: np.ndarray, y_eval: np.ndarray
    ) -> tuple[lgb.Booster, int]:
        """Trees trained on (matrix, y), stopped early on (eval_matrix, y_eval), and their best round."""
        train_data = self._dataset(matrix, y)
        booster = lgb.train(
            params,
            train_data,
            num_boost_round=self.max_rounds,
            valid_sets=[lgb.Dataset(eval_matrix, label=y_eval, reference=train_data)],
            valid_names=["eval"],
            callbacks=[lgb.early_stopping(self.early_stopping_rounds, first_metric_only=True, verbose=False)],
        )
        return booster, int(booster.best_iteration or booster.current_iteration())

    def _dataset(self, matrix: np.ndarray, y: np.ndarray) -> lgb.Dataset:
        categorical = [self.features_.index(name) for name in self.categorical_]
        return lgb.Dataset(
            matrix, label=y, feature_name=self._lightgbm_names(), categorical_feature=categorical, free_raw_data=True
        )

    def decision_function(self, X: pd.DataFrame) -> np.ndarray:
        """Calibrated log-odds of default, one per row."""
        check_is_fitted(self, "booster_")
        matrix = self._matrix(X)
        slope, intercept = self.calibration_
        return slope * self.booster_.predict(matrix, raw_score=True, num_threads=_threads(len(matrix))) + intercept

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Calibrated probabilities as an (n, 2) array: column 1 is the probability of default."""
        pd_ = expit(self.decision_function(X))
        return np.column_stack([1 - pd_, pd_])

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """1 where the calibrated probability of default is at least one half."""
        check_is_fitted(self, "booster_")
        return self.classes_[(self.decision_function(X) >= 0).astype(int)]

    def contributions(self, X: pd.DataFrame) -> pd.DataFrame:
        """Each feature's contribution to the calibrated log-odds, plus a final "bias" column.

        Each row sums, to float precision, to ``decision_function`` for that row.
        """
        check_is_fitted(self, "booster_")
        matrix = self._matrix(X)
        slope, intercept = self.calibration_
        raw = self.booster_.predict(matrix, pred_contrib=True, num_threads=_threads(len(matrix)))
        scaled = slope * raw
        scaled[:, -1] += intercept
        return pd.DataFrame(scaled, index=X.index, columns=[*self.features_, BIAS_COLUMN])

    def to_files(self) -> tuple[str, dict]:
        """The booster as LightGBM text, and a JSON-safe manifest that describes and seals it."""
        check_is_fitted(self, "booster_")
        model_text = self.booster_.model_to_string(num_iteration=self.best_iteration_)
        slope, intercept = self.calibration_
        manifest = {
            "format": MANIFEST_FORMAT,
            "features": self.features_,
            "categorical": self.categorical_,
            "categories": self.categories_,
            "monotone": {name: sign for name, sign in (self.monotone or {}).items() if sign},
            "params": self.get_params(),
            "lightgbm_params": self.train_params_,
            "best_iteration": self.best_iteration_,
            "cv_best_iterations": self.cv_best_iterations_,
            "calibration": {"slope": slope, "intercept": intercept},
            "master_scale": self.master_scale_.to_dict(),
            "training_data_sha256": self.training_data_sha256_,
            "eval_data_sha256": self.eval_data_sha256_,
            "versions": {
                "lightgbm": lgb.__version__,
                "numpy": np.__version__,
                "pandas": pd.__version__,
                "scikit-learn": sklearn.__version__,
                "python": platform.python_version(),
            },
            "model_sha256": _sha256(model_text),
        }
        # Through JSON and back: proves the manifest can be written as JSON and shares nothing with the model,
        # and seals exactly the values from_files will read. Keys a caller adds later (the service's "metrics")
        # are outside the seal, so they neither break loading nor are vouched for by it.
        manifest = json.loads(json.dumps(manifest, default=_json_scalar))
        manifest["sealed_keys"] = sorted([*manifest, "sealed_keys"])
        manifest["manifest_sha256"] = _manifest_sha256(manifest, manifest["sealed_keys"])
        return model_text, manifest

    @classmethod
    def from_files(cls, model_text: str, manifest: dict) -> RiskModel:
        """Rebuild a model from ``to_files`` output, refusing text that does not match the manifest's sha256."""
        missing = [key for key in _MANIFEST_KEYS if key not in manifest]
        if missing:
            raise ModelIntegrityError(f"the manifest lacks {missing}: it was not written by RiskModel.to_files")
        if manifest["format"] != MANIFEST_FORMAT:
            raise ModelIntegrityError(f"manifest format {manifest['format']!r} is not {MANIFEST_FORMAT!r}")
        sealed = manifest["sealed_keys"]
        if not isinstance(sealed, list) or not all(isinstance(key, str) for key in sealed):
            raise ModelIntegrityError("the manifest's sealed_keys is not a list of key names")
        unsealed = sorted(set(_MANIFEST_KEYS) - {"manifest_sha256"} - set(sealed))
        absent = sorted(set(sealed) - set(manifest))
        if unsealed or absent:
            raise ModelIntegrityError(
                f"the manifest's seal leaves out {unsealed} or names keys it lacks {absent}: it was altered"
            )
        if _manifest_sha256(manifest, sealed) != manifest["manifest_sha256"]:
            raise ModelIntegrityError("the manifest does not match its sha256: it was altered")
        actual = _sha256(model_text)
        if actual != manifest["model_sha256"]:
            raise ModelIntegrityError(
                f"the model text's sha256 is {actual} but the manifest expects {manifest['model_sha256']}: "
                "the file was altered or belongs to another model"
            )
        params = dict(manifest["params"])
        unknown = sorted(set(params) - set(cls._get_param_names()))
        if unknown:
            raise ModelIntegrityError(f"the manifest has parameters this RiskModel does not know: {unknown}")

        features = list(manifest["features"])
        categorical = list(manifest["categorical"])
        categories = manifest["categories"]
        if not isinstance(categories, dict):
            raise ModelIntegrityError("the manifest's categories is not a mapping of feature to category list")
        not_features = [name for name in categorical if name not in features]
        without_categories = [name for name in categorical if name not in categories]
        not_categorical = sorted(set(categories) - set(categorical))
        if not_features or without_categories or not_categorical:
            raise ModelIntegrityError(
                f"the manifest's categorical features are inconsistent: not among the features {not_features}, "
                f"without categories {without_categories}, categories for non-categorical {not_categorical}"
            )

        model = cls(**params)
        booster = lgb.Booster(model_str=model_text)
        if booster.num_feature() != len(features) or booster.current_iteration() != manifest["best_iteration"]:
            raise ModelIntegrityError(
                f"the model has {booster.num_feature()} features and {booster.current_iteration()} rounds but the "
                f"manifest lists {len(features)} features and {manifest['best_iteration']} rounds"
            )
        model.booster_ = booster
        model.best_iteration_ = int(manifest["best_iteration"])
        model.cv_best_iterations_ = [int(rounds) for rounds in manifest.get("cv_best_iterations", [])]
        model.features_ = features
        model.categorical_ = categorical
        model.categories_ = {name: list(values) for name, values in categories.items()}
        model.cv_fold_ = None  # the folds' rows are not stored
        model.n_features_in_ = len(features)
        model.feature_names_in_ = np.asarray(features, dtype=object)
        model.classes_ = np.array([0, 1])
        model.calibration_ = (float(manifest["calibration"]["slope"]), float(manifest["calibration"]["intercept"]))
        model.train_params_ = manifest.get("lightgbm_params")
        model.training_data_sha256_ = manifest.get("training_data_sha256")
        model.eval_data_sha256_ = manifest.get("eval_data_sha256")
        model.feature_importance_ = model._gain_by_feature()
        model.master_scale_ = _sealed_master_scale(manifest, sealed)
        return model

    def _lightgbm_names(self) -> list[str]:
        # Positional names inside LightGBM: it rejects some characters operators use in column names (commas,
        # colons, brackets) and rewrites spaces. The manifest holds the real names.
        return [f"f{i}" for i in range(len(self.features_))]

    def _gain_by_feature(self) -> dict[str, float]:
        gains = self.booster_.feature_importance(importance_type="gain")
        return {name: float(gain) for name, gain in zip(self.features_, gains)}

    def _category_positions(self, name: str) -> pd.Index:
        # Built once per model: scoring one application at a time would otherwise rebuild it for every call.
        cache = self.__dict__.setdefault("_positions", {})
        if name not in cache:
            cache[name] = pd.Index(self.categories_[name])
        return cache[name]

    def _matrix(self, X: pd.DataFrame) -> np.ndarray:
        """X as a float matrix in fit's column order; categories as codes under fit's category list.

        Re-casting to the fitted categories is what makes a label unseen at fit missing (NaN) at predict
        rather than shifting every other label's code.
        """
        if not isinstance(X, pd.DataFrame):
            raise ValueError(f"X must be a pandas DataFrame, not {type(X).__name__}")
        missing = [name for name in self.features_ if name not in X.columns]
        if missing:
            raise ValueError(f"X lacks the model's features {missing}")
        matrix = np.empty((len(X), len(self.features_)), dtype=np.float64)
        for j, name in enumerate(self.features_):
            if name in self.categories_:
                codes = _codes(X[name], self._category_positions(name))
                matrix[:, j] = np.where(codes < 0, np.nan, codes)
            else:
                try:
                    matrix[:, j] = X[name].to_numpy(dtype=np.float64, na_value=np.nan)
                except (TypeError, ValueError) as error:
                    raise ValueError(f"column {name!r} must be numeric: {error}") from error
        return matrix


def training_data_hash(X: pd.DataFrame, y: Any) -> str:
    """A sha256 of the training rows and their outcomes, stable across runs and machines.

    Column names and order count; the row index does not. Categorical columns hash by label, not code.
    """
    y = _binary_target(y, "y")
    digest = hashlib.sha256(json.dumps([str(name) for name in X.columns]).encode())
    digest.update(pd.util.hash_pandas_object(X, index=False).to_numpy().tobytes())
    digest.update(pd.util.hash_pandas_object(pd.Series(y), index=False).to_numpy().tobytes())
    return digest.hexdigest()


def prepare_table(frame: pd.DataFrame, target: str, positive: str | None = None) -> tuple[pd.DataFrame, np.ndarray]:
    """An operator's table as (X, y) for RiskModel: y is 0/1 with 1 = default.

    The target may already be 0/1 (integers, booleans or the strings "0"/"1"), or two labels of which
    ``positive`` names the bad one. X is every other column: text becomes 'category', numbers become float.
    Identifier columns are left for the caller to drop.
    """
    if target not in frame.columns:
        raise ValueError(f"the table has no column {target!r}; its columns are {list(frame.columns)}")
    outcome = frame[target]
    n_missing = int(outcome.isna().sum())
    if n_missing:
        raise ValueError(f"{n_missing} of {len(frame)} rows have no value in target {target!r}")
    labels = [_plain_label(value) for value in pd.unique(outcome)]
    if len(labels) > 2:
        raise ValueError(f"target {target!r} must have two values but has {len(labels)}: {_listed(labels)}")
    if len(labels) < 2:
        raise ValueError(f"target {target!r} has only the value {_listed(labels)}: need both good and bad rows")
    if positive is None:
        if {str(label) for label in labels} != {"0", "1"}:
            raise ValueError(f"target {target!r} has labels {_listed(labels)}: say which one is bad (positive=...)")
        positive = "1"
    matches = [label for label in labels if str(label) == str(positive)]
    if not matches:
        raise ValueError(f"positive={positive!r} is not a value of target {target!r}; it has {_listed(labels)}")
    bad_values = [value for value in pd.unique(outcome) if _plain_label(value) == matches[0]]
    y = outcome.isin(bad_values).to_numpy(dtype=np.int64)

    X = frame.drop(columns=[target])
    columns = {}
    for name in X.columns:
        column = X[name]
        if isinstance(column.dtype, pd.CategoricalDtype):
            columns[name] = column
        elif pd.api.types.is_numeric_dtype(column.dtype):
            columns[name] = pd.Series(column.to_numpy(dtype=np.float64, na_value=np.nan), index=X.index)
        elif pd.api.types.is_object_dtype(column.dtype) or pd.api.types.is_string_dtype(column.dtype):
            # Through the string dtype so a column mixing numbers and text gets one kind of label.
            columns[name] = column.astype("string").astype("category")
        else:
            raise ValueError(f"column {name!r} has dtype {column.dtype}: convert or drop it before scoring")
    return pd.DataFrame(columns, index=X.index), y


def _codes(column: pd.Series, positions: pd.Index) -> np.ndarray:
    """Each value's position in ``categories``, -1 where missing or not listed.

    Looked up by label: astype(CategoricalDtype(categories)) would not do, since pandas treats unordered
    categories in another order as the same dtype and keeps the old codes.
    """
    if isinstance(column.dtype, pd.CategoricalDtype):
        # A trailing -1 so that a missing value's own code, -1, looks up -1.
        lookup = np.append(positions.get_indexer(column.cat.categories), -1)
        return lookup[column.cat.codes.to_numpy()]
    return positions.get_indexer(column)


def _threads(n_rows: int) -> int:
    """LightGBM's num_threads for a table of n_rows: 0 is OpenMP's default, all cores."""
    return 1 if n_rows < PARALLEL_FROM_ROWS else 0


def _check_frame(X: Any, what: str) -> None:
    if not isinstance(X, pd.DataFrame):
        raise ValueError(f"{what} must be a pandas DataFrame, not {type(X).__name__}")
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"{what} is empty ({X.shape[0]} rows, {X.shape[1]} columns)")
    if not all(isinstance(name, str) for name in X.columns):
        raise ValueError(f"{what} column names must be strings: {list(X.columns)}")
    if X.columns.has_duplicates:
        raise ValueError(f"{what} repeats columns {sorted(set(X.columns[X.columns.duplicated()]))}")


def _binary_target(y: Any, what: str) -> np.ndarray:
    values = np.asarray(y)
    if values.ndim != 1:
        raise ValueError(f"{what} must be one-dimensional, not shaped {values.shape}")
    series = pd.Series(values)
    if series.isna().any():
        raise ValueError(f"{what} has {int(series.isna().sum())} missing values")
    if series.dtype == bool:
        series = series.astype(np.int64)
    if not pd.api.types.is_numeric_dtype(series.dtype) or not series.isin([0, 1]).all():
        found = _listed([_plain_label(value) for value in pd.unique(series)])
        raise ValueError(f"{what} must hold 0/1 (1 = default), found {found}; prepare_table maps labels to 0/1")
    return series.to_numpy(dtype=np.int64)


def _require_both_classes(y: np.ndarray, what: str) -> None:
    present = set(np.unique(y).tolist())
    if present != {0, 1}:
        only = "defaults (1)" if present == {1} else "non-defaults (0)"
        raise ValueError(f"{what} hold only {only}: the model needs both defaults and non-defaults")


def _checked_monotone(monotone: dict[str, int] | None, features: list[str], categorical: list[str]) -> dict[str, int]:
    monotone = dict(monotone or {})
    unknown = sorted(set(monotone) - set(features))
    if unknown:
        raise ValueError(f"monotone names features X does not have: {unknown}")
    on_categories = sorted(set(monotone) & set(categorical))
    if on_categories:
        raise ValueError(f"categorical features have no order to constrain: {on_categories}")
    invalid = {name: sign for name, sign in monotone.items() if sign not in (-1, 0, 1)}
    if invalid:
        raise ValueError(f"monotone signs must be -1, 0 or +1: {invalid}")
    return {name: int(sign) for name, sign in monotone.items()}


def _plain_label(value: Any) -> Any:
    """A target value in a comparable form: True is 1, 1.0 is 1, numpy scalars are Python scalars."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _listed(labels: list) -> str:
    return ", ".join(sorted(repr(label) for label in labels))


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _manifest_sha256(manifest: dict, keys: list[str]) -> str:
    """The sha256 of the canonical JSON of the manifest's ``keys``: sorted keys, no spaces, UTF-8."""
    sealed = {key: manifest[key] for key in keys}
    return _sha256(json.dumps(sealed, sort_keys=True, separators=(",", ":"), ensure_ascii=False))


def _group_codes(groups: Any, n_rows: int) -> np.ndarray:
    """Each row's group as an integer code, after checking there is one label per row and none missing."""
    values = np.asarray(groups, dtype=object)
    if values.ndim != 1:
        raise ValueError(f"groups must be one-dimensional, not shaped {values.shape}")
    if len(values) != n_rows:
        raise ValueError(f"X has {n_rows} rows but groups has {len(values)} labels: give one group per row")
    codes, _ = pd.factorize(values)
    n_missing = int((codes < 0).sum())
    if n_missing:
        raise ValueError(f"groups has {n_missing} missing labels: every row needs its group (its firm id)")
    return codes


def _sealed_master_scale(manifest: dict, sealed: list[str]) -> MasterScale:
    """The grade bands the manifest seals; the fixed bands for a manifest saved before scales were fitted. A scale
    outside the seal was added afterwards and would regrade every firm unchecked, so it is refused."""
    if "master_scale" not in manifest:
        return FIXED_SCALE
    if "master_scale" not in sealed:
        raise ModelIntegrityError("the manifest's master_scale is outside its seal: it was added after saving")
    try:
        return MasterScale.from_dict(manifest["master_scale"])
    except ValueError as error:
        raise ModelIntegrityError(f"the manifest's master_scale is not a scale: {error}") from None


def _json_scalar(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON-serialisable")
