"""A training's steps and its outcome as words in the reader's language. A worker has no page language, so a run
keeps each step as a code with its figures (TrainingStep.stored) and the page renders it when it is read."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from scoring.models import ModelStatus, ModelVersion

STEP_TEXTS = {
    "load": _("loading the loans with known outcomes"),
    "features": _("building features for %(loans)s loans as each firm stood when it applied"),
    "lightgbm": _("training LightGBM (rounds chosen by 5-fold cross-validation, folds by firm)"),
    "scorecard": _("fitting the logistic-regression WOE scorecard on the same split"),
    "judge": _("judging both on the held-out period"),
}


@dataclass(frozen=True)
class TrainingStep:
    code: str
    figures: dict = field(default_factory=dict)

    def __str__(self) -> str:
        figures = {name: f"{value:,}" if isinstance(value, int) else value for name, value in self.figures.items()}
        return str(STEP_TEXTS[self.code]) % figures if figures else str(STEP_TEXTS[self.code])

    def stored(self) -> str:
        return json.dumps({"code": self.code, **self.figures})


def step_text(stored: str) -> str:
    """A run's step under way, in the active language. A run recorded before steps were kept as codes holds a
    sentence: it is shown as it was written."""
    try:
        figures = json.loads(stored)
        code = figures.pop("code")
    except (ValueError, TypeError, AttributeError, KeyError):
        return stored
    if code not in STEP_TEXTS:
        return stored
    return str(TrainingStep(code, figures))


def training_outcome(version: ModelVersion) -> str:
    """What a trained version came to, in the active language: whether it beats the scorecard on the held-out
    period, and whether it is the champion, so that the operator can choose to promote it."""
    metrics = version.metrics or {}
    split = metrics.get("split", {})
    said = {
        "number": version.number,
        "auc": metrics.get("lightgbm", {}).get("auc", float("nan")),
        "baseline": metrics.get("baseline", {}).get("auc", float("nan")),
        "period": f"{split.get('test_from', '?')}..{split.get('test_to', '?')}",
    }
    if not version.beats_baseline:
        return (
            gettext(
                "v%(number)d does not beat the scorecard: its AUC %(auc).3f against the scorecard's %(baseline).3f "
                "on %(period)s. The champion stays."
            )
            % said
        )
    if version.status == ModelStatus.CHAMPION:
        return (
            gettext(
                "v%(number)d beats the scorecard (AUC %(auc).3f against %(baseline).3f on %(period)s) and is the "
                "champion."
            )
            % said
        )
    return (
        gettext(
            "v%(number)d beats the scorecard: its AUC %(auc).3f against the scorecard's %(baseline).3f on "
            "%(period)s. It scores nothing until you promote it."
        )
        % said
    )
