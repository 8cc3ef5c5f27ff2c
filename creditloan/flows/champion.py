"""What a new champion model sets going: every firm re-rated and every application still waiting for a score
scored; and a training run handed to a worker. Training learns from the loans whose outcome matching keeps:
these flows read them (matching.selectors.training_sample) and pass them to scoring."""

from __future__ import annotations

from django.db import transaction

from creditloan.flows import steps
from creditloan.outbox import task_send_after_commit
from matching.selectors import training_sample
from scoring import services
from scoring.models import ModelVersion, TrainingRun
from scoring.services import TrainingOutcome


def _after_promotion(version: ModelVersion) -> None:
    task_send_after_commit(steps.AFTER_NEW_CHAMPION)


def model_promote(*, number: int) -> ModelVersion:
    return services.model_promote(number=number, on_promoted=_after_promotion)


def model_roll_back() -> ModelVersion:
    return services.model_roll_back(on_promoted=_after_promotion)


def model_train(**options) -> TrainingOutcome:
    """Train on the loans whose outcome matching knows, and if the model is promoted, set the new champion's
    work going (scoring.services.model_train takes the same options)."""
    return services.model_train(**options, training_sample=training_sample, on_promoted=_after_promotion)


@transaction.atomic
def training_run_start(*, by=None) -> TrainingRun:
    run = services.training_run_start(by=by)
    task_send_after_commit(steps.TRAIN_MODEL_RUN, run.pk)
    return run


def training_run_execute(*, run_id: int) -> TrainingRun:
    return services.training_run_execute(run_id=run_id, training_sample=training_sample)
