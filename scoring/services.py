"""Writes for scoring: train and register a model, promote or roll back, score a firm or an application."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from creditloan.errors import DomainError, ErrorCode
from creditloan.models import Application
from creditloan.models.applications import ApplicationStatus
from creditloan.numbering import numbered_create
from creditloan.states import applications_transition_held
from scoring import selectors
from scoring.ml.features import MONOTONE, build_features
from scoring.ml.metrics import evaluate
from scoring.ml.model import RiskModel
from scoring.ml.scale import FIXED_SCALE, MasterScale, ScaleFitError, fit_master_scale
from scoring.ml.scorecard import WoeLogisticScorecard
from scoring.models import ModelStatus, ModelVersion, PolicyRule, Rating, Score, TrainingRun, TrainingRunStatus
from scoring.scoring_inputs import scoring_inputs
from scoring.training_steps import TrainingStep, training_outcome

logger = logging.getLogger(__name__)

# The held-out period: the latest fifth of the loans with known outcomes.
HOLDOUT_SHARE = 0.2
MIN_DEFAULTS_TO_TRAIN = 20
MIN_DEFAULTS_TO_EVALUATE = 5


@dataclass(frozen=True)
class TrainingOutcome:
    version: ModelVersion
    promoted: bool
    message: str


def model_train(
    *,
    training_sample: Callable[[], pd.DataFrame],
    trained_by=None,
    on_step: Callable[[TrainingStep], None] | None = None,
    holdout_share: float = HOLDOUT_SHARE,
    on_promoted: Callable[[ModelVersion], None] | None = None,
    promote: bool = True,
) -> TrainingOutcome:
    """Train on past loans with known outcomes, judge out of time against the WOE scorecard, register the
    model, and promote it only if it beats the scorecard on the held-out period (`on_promoted` as for
    model_promote). With `promote=False` it is only registered: a run started from the operators' page leaves
    the promotion to the operator, who is told whether it beats the scorecard. `training_sample` reads those
    loans (matching.selectors.training_sample, passed in by the flow): it is called once, after the first step
    is announced."""
    step = on_step or (lambda _step: None)
    step(TrainingStep("load"))
    sample = training_sample()
    defaults = int(sample["defaulted"].sum()) if len(sample) else 0
    if defaults < MIN_DEFAULTS_TO_TRAIN + MIN_DEFAULTS_TO_EVALUATE:
        raise DomainError(
            ErrorCode.NOT_ENOUGH_HISTORY,
            _(
                "not enough history to train: %(loans)d loans with a known outcome, %(defaults)d defaulted; "
                "at least %(needed)d defaults are needed"
            )
            % {"loans": len(sample), "defaults": defaults, "needed": MIN_DEFAULTS_TO_TRAIN + MIN_DEFAULTS_TO_EVALUATE},
        )
    step(TrainingStep("features", {"loans": len(sample)}))
    features = build_features(selectors.record_frames(requests=sample[["enterprise_id", "as_of"]]))
    target = sample["defaulted"].to_numpy()

    cut = int(len(sample) * (1 - holdout_share))
    train, test = slice(0, cut), slice(cut, len(sample))
    if target[test].sum() < MIN_DEFAULTS_TO_EVALUATE or target[train].sum() < MIN_DEFAULTS_TO_TRAIN:
        raise DomainError(
            ErrorCode.NOT_ENOUGH_HISTORY,
            _(
                "the out-of-time split leaves %(train)d defaults to train on and %(test)d to judge by; "
                "need %(train_needed)d and %(test_needed)d"
            )
            % {
                "train": int(target[train].sum()),
                "test": int(target[test].sum()),
                "train_needed": MIN_DEFAULTS_TO_TRAIN,
                "test_needed": MIN_DEFAULTS_TO_EVALUATE,
            },
        )
    step(TrainingStep("lightgbm"))
    # Folds by firm: a firm with several loans would otherwise sit on both sides of a fold and flatter it.
    firms = sample["enterprise_id"].to_numpy()
    model = RiskModel(monotone=MONOTONE).fit(features.iloc[train], target[train], groups=firms[train])
    step(TrainingStep("scorecard"))
    baseline = WoeLogisticScorecard().fit(features.iloc[train], target[train])
    step(TrainingStep("judge"))
    held_out_pd = model.predict_proba(features.iloc[test])[:, 1]
    model_metrics = evaluate(target[test], held_out_pd)
    baseline_metrics = evaluate(target[test], baseline.predict_proba(features.iloc[test])[:, 1])
    submitted = sample["submitted_at"]
    metrics = {
        "split": {
            "train_from": str(submitted.iloc[0].date()),
            "train_to": str(submitted.iloc[cut - 1].date()),
            "test_from": str(submitted.iloc[cut].date()),
            "test_to": str(submitted.iloc[-1].date()),
            "train_rows": cut,
            "train_defaults": int(target[train].sum()),
            "test_rows": len(sample) - cut,
            "test_defaults": int(target[test].sum()),
        },
        "lightgbm": model_metrics.to_dict(),
        "baseline": baseline_metrics.to_dict(),
    }
    beats = promotion_verdict(model_metrics.auc, baseline_metrics.auc)
    model.set_master_scale(
        master_scale_fit(
            training_pd=model.predict_proba(features.iloc[train])[:, 1],
            held_out_pd=held_out_pd,
            held_out_defaulted=target[test],
        )
    )
    model_text, manifest = model.to_files()
    manifest["metrics"] = metrics
    version = _register(model_text, manifest, metrics, beats, trained_by)
    held_out = f"{metrics['split']['test_from']}..{metrics['split']['test_to']}"
    said = {"auc": model_metrics.auc, "baseline": baseline_metrics.auc, "period": held_out}
    if not promote:
        message = training_outcome(version)
        logger.info("model training: %s", message)
        return TrainingOutcome(version=version, promoted=False, message=message)
    if beats:
        version = model_promote(number=version.number, on_promoted=on_promoted)
        said["number"] = version.number
        message = _("v%(number)d promoted: AUC %(auc).3f against the scorecard's %(baseline).3f on %(period)s") % said
    else:
        said["number"] = version.number
        message = (
            _(
                "v%(number)d NOT promoted: LightGBM's AUC %(auc).3f does not beat the scorecard's %(baseline).3f on "
                "%(period)s; the champion stays"
            )
            % said
        )
    logger.info("model training: %s", message)
    return TrainingOutcome(version=version, promoted=beats, message=message)


def master_scale_fit(
    *, training_pd: np.ndarray, held_out_pd: np.ndarray, held_out_defaulted: np.ndarray
) -> MasterScale:
    """The grade bands a new version grades with: fitted on its training PDs and checked on the held-out period
    (scoring.ml.scale.fit_master_scale). Where they cannot be fitted, the fixed bands, with the reason and their
    held-out figures recorded, so that the operators' page shows what the version grades with and why."""
    try:
        return fit_master_scale(training_pd, held_out_pd=held_out_pd, held_out_defaulted=held_out_defaulted)
    except ScaleFitError as error:
        logger.warning("model training: the fixed grade bands are kept: %s", error)
        return FIXED_SCALE.described(
            training_pd, held_out_pd=held_out_pd, held_out_defaulted=held_out_defaulted, fallback=str(error)
        )


def promotion_verdict(model_auc: float, baseline_auc: float) -> bool:
    """A model is promoted only if it ranks the held-out period's borrowers better than the scorecard does."""
    return model_auc > baseline_auc


def _register(model_text: str, manifest: dict, metrics: dict, beats: bool, trained_by) -> ModelVersion:
    return numbered_create(
        ModelVersion,
        model_text=model_text,
        manifest=manifest,
        sha256=manifest["model_sha256"],
        metrics=metrics,
        beats_baseline=beats,
        trained_at=timezone.now(),
        trained_by=trained_by,
    )


@transaction.atomic
def model_promote(*, number: int, on_promoted: Callable[[ModelVersion], None] | None = None) -> ModelVersion:
    """Make version `number` the champion; the current champion retires. Its model must load and verify.
    `on_promoted(version)` runs in the promotion's transaction when the champion did change (what a new
    champion sets going is the flow's: creditloan.flows.champion)."""
    _lock_versions()
    try:
        version = ModelVersion.objects.get(number=number)
    except ModelVersion.DoesNotExist:
        raise DomainError(
            ErrorCode.NOT_FOUND, _("there is no model version %(number)s") % {"number": number}, field="version"
        ) from None
    selectors.loaded_model(version)  # refuses a model whose text or manifest does not match its hash
    if version.status == ModelStatus.CHAMPION:
        return version
    ModelVersion.objects.filter(status=ModelStatus.CHAMPION).update(status=ModelStatus.RETIRED)
    version.status = ModelStatus.CHAMPION
    version.promoted_at = timezone.now()
    version.save(update_fields=["status", "promoted_at"])
    if on_promoted is not None:
        on_promoted(version)
    return version


def _lock_versions() -> None:
    """One promotion or roll-back at a time: every version row is locked, in id order, before anything is
    read. Locking only the rows a change touches let two promotions each retire the old champion and then
    collide on the one-champion constraint."""
    list(ModelVersion.objects.select_for_update().order_by("pk").values_list("pk", flat=True))


@transaction.atomic
def model_roll_back(*, on_promoted: Callable[[ModelVersion], None] | None = None) -> ModelVersion:
    """Bring back the champion before the current one (the most recently promoted of the others)."""
    _lock_versions()
    previous = selectors.roll_back_target()
    if previous is None:
        raise DomainError(ErrorCode.NOT_FOUND, _("no earlier champion to roll back to"))
    return model_promote(number=previous.number, on_promoted=on_promoted)


def enterprise_score(
    *,
    enterprise_id: int,
    as_of: dt.date | None = None,
    application: Application | None = None,
    version: ModelVersion | None = None,
    repairs_known_on: dt.date | None = None,
    policy_rules: Iterable[PolicyRule] | None = None,
) -> Score:
    """Score a firm with the champion (or `version`) as its records stood on `as_of` (today by default) and
    store it; with `repairs_known_on`, the repairs known by that day count (see enterprise_assess)."""
    score = selectors.enterprise_assess(
        enterprise_id=enterprise_id,
        as_of=as_of,
        version=version,
        repairs_known_on=repairs_known_on,
        policy_rules=policy_rules,
    )
    score.application = application
    score.save()
    return score


def application_score(*, application_id: int) -> Score:
    """Score an application once per champion: running it again (a retried task) returns the stored score. A
    submitted application moves on: to scored, or to not eligible when a policy rule excludes the firm. The
    score's `application` is the application as it stands once scored (its status the one just set)."""
    scores = applications_score(application_ids=[application_id])
    if not scores:
        raise Application.DoesNotExist(f"no application #{application_id}")
    return scores[0]


def applications_score(*, application_ids: Iterable[int]) -> list[Score]:
    """application_score for several applications in one transaction (the caller's, if it is in one): the
    applications locked in id order, the records of the firms still to be scored read at once and run through
    the model in one pass, their scores stored in one statement. Returns a score for each application found, in id
    order; ids of no application are passed over."""
    # No savepoint of its own inside the flow's transaction: a failure here rolls the whole step back.
    with transaction.atomic(savepoint=False):
        applications = list(Application.objects.select_for_update().filter(pk__in=application_ids).order_by("pk"))
        if not applications:
            return []
        inputs = scoring_inputs()
        version = inputs.champion
        scores: dict[int, Score] = {}
        # An application leaves "submitted" in the transaction that stores its score (below), so one still
        # submitted under the lock has none to find. Any other is looked for, in a statement of its own once the
        # lock is held: a second delivery that waited on the first's lock sees the score the first committed.
        for application in applications:
            if application.status != ApplicationStatus.SUBMITTED and version is not None:
                found = application.scores.filter(model_version=version).order_by("-created_at").first()
                if found is not None:
                    scores[application.pk] = found
        unscored = [application for application in applications if application.pk not in scores]
        if unscored:
            days = [timezone.localtime(application.submitted_at).date() for application in unscored]
            fresh = selectors.enterprises_assess(
                [(application.enterprise_id, day, day) for application, day in zip(unscored, days, strict=True)],
                version=version,
                policy_rules=inputs.policy_rules,
            )
            for application, score in zip(unscored, fresh, strict=True):
                score.application = application
                scores[application.pk] = score
            Score.objects.bulk_create(fresh)
        applications_transition_held(
            (application, "exclude" if scores[application.pk].exclusions else "score")
            for application in applications
            if application.status == ApplicationStatus.SUBMITTED
        )
        for application in applications:
            scores[application.pk].application = application
        return [scores[application.pk] for application in applications]


RATING_CHUNK = 50_000


def ratings_refresh(*, first_id: int, last_id: int, as_of: dt.date, version: ModelVersion) -> int:
    """Rate every firm with an id in [first_id, last_id] under `version` as its records stood on `as_of`:
    one set-based pass (load, features, predict) and one upsert. Running it twice changes nothing more."""
    firm_ids = selectors.firm_ids_between(first_id, last_id)
    if not len(firm_ids):
        return 0
    model = selectors.loaded_model(version)
    requests = pd.DataFrame({"enterprise_id": firm_ids, "as_of": np.full(len(firm_ids), as_of, "datetime64[D]")})
    features = build_features(selectors.record_frames(requests=requests, id_range=(first_id, last_id)))
    probability = model.predict_proba(features)[:, 1]
    points = selectors.score_scale().points(probability)
    _ratings_upsert(
        pd.DataFrame(
            {
                "enterprise_id": firm_ids,
                "model_version_id": version.pk,
                "as_of": as_of,
                "probability_of_default": probability,
                "points": points,
                # The bands of the version that produced these PDs, sealed in its manifest.
                "grade": model.master_scale_.grades(probability),
                "rated_at": timezone.now(),
            }
        )
    )
    return len(firm_ids)


_RATING_COLUMNS = [
    "enterprise_id",
    "model_version_id",
    "as_of",
    "probability_of_default",
    "points",
    "grade",
    "rated_at",
]


@transaction.atomic
def _ratings_upsert(ratings: pd.DataFrame) -> None:
    if connection.vendor != "postgresql":
        Rating.objects.bulk_create(
            [Rating(**row) for row in ratings.to_dict("records")],
            update_conflicts=True,
            unique_fields=["model_version", "enterprise"],
            update_fields=["as_of", "probability_of_default", "points", "grade", "rated_at"],
            batch_size=2000,
        )
        return
    # COPY and one INSERT ... ON CONFLICT: a million ratings in seconds, where row-by-row would take minutes.
    # Built from the rating table's own column names, never from input (bandit's B608 is nosec for that reason).
    columns = ", ".join(_RATING_COLUMNS)
    with connection.cursor() as cursor:
        # Dropped first as well: two chunks rated inside one transaction would otherwise meet the first's table.
        cursor.execute("DROP TABLE IF EXISTS pg_temp.rating_stage")
        cursor.execute(
            f"CREATE TEMPORARY TABLE rating_stage ON COMMIT DROP AS SELECT {columns} FROM scoring_rating WITH NO DATA"  # nosec B608
        )
        with cursor.copy(f"COPY rating_stage ({columns}) FROM STDIN") as copy:
            text = ratings.to_csv(sep="\t", header=False, index=False, columns=_RATING_COLUMNS)
            copy.write(text)
        cursor.execute(
            f"""
            INSERT INTO scoring_rating ({columns}) SELECT {columns} FROM rating_stage
            ON CONFLICT (model_version_id, enterprise_id) DO UPDATE SET
                as_of = EXCLUDED.as_of, probability_of_default = EXCLUDED.probability_of_default,
                points = EXCLUDED.points, grade = EXCLUDED.grade, rated_at = EXCLUDED.rated_at
            -- Two re-ratings that overlap: the one about the later day wins, whichever commits last.
            WHERE scoring_rating.as_of <= EXCLUDED.as_of
            """  # nosec B608
        )


# model_train's steps (see its on_step calls), then registering: what a progress bar counts to.
TRAINING_STEPS = 6


@transaction.atomic
def training_run_start(*, by=None) -> TrainingRun:
    """A training run, queued (the flow, creditloan.flows.champion, sends it to a worker); refused while another
    is queued or running."""
    if (
        TrainingRun.objects.select_for_update()
        .filter(status__in=[TrainingRunStatus.QUEUED, TrainingRunStatus.RUNNING])
        .exists()
    ):
        raise DomainError(ErrorCode.CONFLICT, _("a training is already under way: wait for it to finish"))
    return TrainingRun.objects.create(started_by=by, queued_at=timezone.now())


def training_run_execute(
    *,
    run_id: int,
    training_sample: Callable[[], pd.DataFrame],
) -> TrainingRun:
    """Carry out a queued run, recording each step as it starts (`training_sample` as for model_train); a run
    already taken up is left alone. The new version is registered, not promoted: the operator decides."""
    if not TrainingRun.objects.filter(pk=run_id, status=TrainingRunStatus.QUEUED).update(
        status=TrainingRunStatus.RUNNING
    ):
        return TrainingRun.objects.get(pk=run_id)
    steps = iter(range(1, TRAINING_STEPS + 1))

    def on_step(step: TrainingStep) -> None:
        TrainingRun.objects.filter(pk=run_id).update(step=next(steps), step_text=step.stored()[:200])

    try:
        outcome = model_train(
            training_sample=training_sample,
            trained_by=TrainingRun.objects.get(pk=run_id).started_by,
            on_step=on_step,
            promote=False,
        )
    except DomainError as error:
        TrainingRun.objects.filter(pk=run_id).update(
            status=TrainingRunStatus.FAILED, message=error.message, finished_at=timezone.now()
        )
    else:
        TrainingRun.objects.filter(pk=run_id).update(
            status=TrainingRunStatus.DONE,
            step=TRAINING_STEPS,
            step_text="",
            message=outcome.message,
            version=outcome.version,
            finished_at=timezone.now(),
        )
    return TrainingRun.objects.get(pk=run_id)
