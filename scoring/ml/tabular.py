"""The training pipeline on any labelled table an operator exports: proof that it works on data not ours.

No monotone constraints here (the columns' meanings are unknown); everything else is the production pipeline:
the same RiskModel with its regularised defaults, the same WOE scorecard as the baseline, the same metrics,
both fitted on identical rows.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold, train_test_split

from scoring.ml.metrics import evaluate
from scoring.ml.model import RiskModel, prepare_table
from scoring.ml.scorecard import WoeLogisticScorecard

HOLDOUT_SHARE = 0.2
SEED = 0


class TableError(ValueError):
    """The table cannot be used as given; the message says what to change."""


def table_evaluate(*, path: Path, target: str, positive: str | None = None, folds: int | None = None) -> dict:
    """Train and evaluate LightGBM and the scorecard on the table at `path` (CSV).

    Without `folds`, a stratified fifth of the rows is held out; with it, both models are fitted on the same
    stratified K folds and the out-of-fold AUC and KS are reported (mean and standard deviation)."""
    if not path.is_file():
        raise TableError(f"{path}: no such file")
    try:
        frame = pd.read_csv(path)
    except (pd.errors.ParserError, UnicodeDecodeError) as error:
        raise TableError(f"{path}: not a readable CSV table ({error})") from None
    if target not in frame.columns:
        raise TableError(f"{path}: no column '{target}'; the columns are {', '.join(map(str, frame.columns))}")
    try:
        features, labels = prepare_table(frame, target, positive)
    except ValueError as error:
        raise TableError(f"{path}: {error}") from None
    positives = int(labels.sum())
    report = {
        "rows": len(labels),
        "positives": positives,
        "positive_label": positive or "1",
        "features": list(features.columns),
        "categorical": [name for name in features.columns if isinstance(features[name].dtype, pd.CategoricalDtype)],
    }
    if folds is None:
        if min(positives, len(labels) - positives) < 2:
            raise TableError(f"{path}: {positives} positive rows of {len(labels)}; both outcomes need 2 or more")
        train, test = (
            np.sort(part)
            for part in train_test_split(
                np.arange(len(labels)), test_size=HOLDOUT_SHARE, stratify=labels, random_state=SEED
            )
        )
        model_pd, baseline_pd = _fit_both(features, labels, train, test)
        report["method"] = f"held out a stratified {HOLDOUT_SHARE:.0%} of the rows (seed {SEED})"
        report["lightgbm"] = evaluate(labels[test], model_pd).to_dict()
        report["baseline"] = evaluate(labels[test], baseline_pd).to_dict()
        return report
    if folds < 2:
        raise TableError(f"--cv needs at least 2 folds, got {folds}")
    if min(positives, len(labels) - positives) < folds:
        raise TableError(f"{path}: {positives} positive rows of {len(labels)}; too few for {folds} folds")
    scores: dict[str, dict[str, list[float]]] = {"lightgbm": {"auc": [], "ks": []}, "baseline": {"auc": [], "ks": []}}
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=SEED)
    for train, test in splitter.split(features, labels):
        for name, predicted in zip(("lightgbm", "baseline"), _fit_both(features, labels, train, test), strict=True):
            metrics = evaluate(labels[test], predicted)
            scores[name]["auc"].append(metrics.auc)
            scores[name]["ks"].append(metrics.ks)
    report["method"] = f"stratified {folds}-fold cross-validation (seed {SEED}), identical folds for both models"
    for name, measured in scores.items():
        report[name] = {
            "auc": float(np.mean(measured["auc"])),
            "auc_std": float(np.std(measured["auc"])),
            "ks": float(np.mean(measured["ks"])),
            "ks_std": float(np.std(measured["ks"])),
            "folds": {"auc": measured["auc"], "ks": measured["ks"]},
        }
    return report


def _fit_both(features: pd.DataFrame, labels: np.ndarray, train: np.ndarray, test: np.ndarray):
    model = RiskModel().fit(features.iloc[train], labels[train])
    baseline = WoeLogisticScorecard().fit(features.iloc[train], labels[train])
    return model.predict_proba(features.iloc[test])[:, 1], baseline.predict_proba(features.iloc[test])[:, 1]
