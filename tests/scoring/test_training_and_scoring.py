"""Training on the demo world's loan history, the model registry, and scoring firms and applications."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import numpy as np
import pandas as pd
import pytest
from celery_batches import SimpleRequest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, OperationalError, transaction
from django.urls import reverse
from django.utils import timezone

from creditloan.demo.services import demo_world_generate
from creditloan.errors import DomainError, ErrorCode
from creditloan.flows import applications as flows_applications
from creditloan.flows.applications import application_submit
from creditloan.flows.champion import model_promote, model_roll_back, model_train
from creditloan.flows.records import records_import
from creditloan.ingestion.services import ImportSource
from creditloan.models import (
    Application,
    Authorisation,
    Enterprise,
    OutboxMessage,
    PublicCreditRecord,
    User,
)
from creditloan.models.accounts import Role
from creditloan.outbox import OUTBOX_HEADER, outbox_relay
from creditloan.services import authorisation_revoke
from creditloan.values import percent_text
from matching.routing import enterprise_reassess
from matching.selectors import application_eligibility
from scoring import selectors
from scoring.ml.features import FEATURE_NAMES, build_features
from scoring.ml.scale import FIXED_SCALE, MAX_GRADE_SHARE, MasterScale
from scoring.models import ModelStatus, ModelVersion, PolicyRule, Rating, Score
from scoring.selectors import loaded_model, loaded_models_forget
from scoring.services import (
    application_score,
    applications_score,
    enterprise_score,
    master_scale_fit,
    promotion_verdict,
)
from scoring.tasks import rate_firms, rerate_population, score_application
from tests.factories import STOCK_LOAN_TERMS, ApplicationFactory, consent, member_of

AS_OF = dt.date(2026, 10, 31)


@pytest.fixture(scope="module")
def trained(django_db_setup, django_db_blocker):
    """A demo world with enough loan history to train on, and the model trained on it, shared by this
    module's tests and rolled back after them."""
    with django_db_blocker.unblock(), transaction.atomic():
        demo_world_generate(enterprises=7000, seed=7, as_of=AS_OF)
        outcome = model_train()
        yield outcome
        transaction.set_rollback(True)


@pytest.fixture
def world(trained, db):
    return trained


@pytest.fixture
def fresh_process():
    """A worker that has not loaded any model yet: what a model record altered on disk meets."""
    loaded_models_forget()


def test_training_judges_lightgbm_and_the_scorecard_on_a_later_period(world):
    metrics = world.version.metrics
    split = metrics["split"]

    assert split["train_to"] <= split["test_from"]
    assert split["train_defaults"] >= 20 and split["test_defaults"] >= 5
    for model in ("lightgbm", "baseline"):
        assert set(metrics[model]) >= {"auc", "ks", "gini", "brier", "calibration"}
        assert metrics[model]["gini"] == pytest.approx(2 * metrics[model]["auc"] - 1)
    # Better than chance on a later period even with this small world's few dozen defaults; how much better,
    # on worlds big enough to tell, is bench/score.py's question.
    assert metrics["lightgbm"]["auc"] > 0.5


def test_a_model_that_beats_the_scorecard_is_promoted_and_records_why(world):
    version = world.version
    metrics = version.metrics

    assert world.promoted == (metrics["lightgbm"]["auc"] > metrics["baseline"]["auc"])
    assert version.status == (ModelStatus.CHAMPION if world.promoted else ModelStatus.CANDIDATE)
    assert ("promoted" if world.promoted else "NOT promoted") in world.message


@pytest.mark.parametrize(
    ("model_auc", "baseline_auc", "promoted"), [(0.74, 0.70, True), (0.70, 0.70, False), (0.68, 0.71, False)]
)
def test_only_a_model_that_beats_the_baseline_out_of_time_is_promoted(model_auc, baseline_auc, promoted):
    assert promotion_verdict(model_auc, baseline_auc) is promoted


def test_the_manifest_describes_the_model_and_its_data(world):
    manifest = world.version.manifest

    assert manifest["model_sha256"] == world.version.sha256
    assert len(manifest["training_data_sha256"]) == 64
    assert manifest["monotone"]["overdue_days_max_12m"] == 1 and manifest["monotone"]["tax_rating"] == -1
    assert set(manifest["versions"]) >= {"lightgbm", "numpy", "scikit-learn", "python"}
    assert set(manifest["features"]) == set(FEATURE_NAMES)


def test_training_fits_grade_bands_monotone_in_held_out_defaults_with_no_grade_holding_most_firms(world):
    manifest = world.version.manifest
    split = world.version.metrics["split"]

    scale = MasterScale.from_manifest(manifest)

    assert scale.fitted, scale.fallback
    assert "master_scale" in manifest["sealed_keys"]
    assert sum(row["training_rows"] for row in scale.table) == split["train_rows"]
    assert sum(row["held_out_rows"] for row in scale.table) == split["test_rows"]
    assert sum(row["held_out_defaults"] for row in scale.table) == split["test_defaults"]
    assert max(row["training_share"] for row in scale.table) <= MAX_GRADE_SHARE
    rates = [row["held_out_default_rate"] for row in scale.table if row["held_out_default_rate"] is not None]
    assert rates == sorted(rates) and len(rates) >= 3
    assert manifest["master_scale"]["held_out_monotone"] is True


def test_bands_that_cannot_be_fitted_leave_the_fixed_ones_with_the_reason_and_their_held_out_figures():
    held_out_pd, defaulted = np.array([0.005, 0.02, 0.07, 0.2]), np.array([0, 0, 1, 1])

    scale = master_scale_fit(training_pd=np.full(500, 0.03), held_out_pd=held_out_pd, held_out_defaulted=defaulted)

    assert (scale.uppers, scale.fitted) == (FIXED_SCALE.uppers, False)
    assert scale.fallback == "every training row has the same PD (0.03): there is nothing to cut"
    assert [row["held_out_rows"] for row in scale.table] == [1, 1, 0, 1, 1]
    assert [row["training_share"] for row in scale.table] == [0.0, 0.0, 1.0, 0.0, 0.0]
    assert MasterScale.from_dict(scale.to_dict()).fallback == scale.fallback


def next_version(version: ModelVersion, **changes) -> ModelVersion:
    """A version row numbered after `version`, holding its model text, manifest, sha256 and metrics but for
    `changes`."""
    return ModelVersion.objects.create(
        **{
            "number": version.number + 1,
            "model_text": version.model_text,
            "manifest": version.manifest,
            "sha256": version.sha256,
            "metrics": version.metrics,
            "beats_baseline": True,
            "trained_at": version.trained_at,
        }
        | changes
    )


def test_a_tampered_model_is_refused(world, fresh_process):
    stored = ModelVersion.objects.get(pk=world.version.pk)
    tampered = next_version(stored, model_text=stored.model_text.replace("num_leaves", "num_leaves ", 1))

    with pytest.raises(DomainError) as error:
        loaded_model(tampered)
    assert error.value.code == ErrorCode.MODEL_INTEGRITY
    with pytest.raises(CommandError, match="the stored model text has been altered"):
        call_command("promote_model", str(tampered.number))


def test_promote_and_roll_back_keep_exactly_one_champion(world):
    first = model_promote(number=world.version.number)
    second = next_version(first)

    model_promote(number=second.number)
    assert ModelVersion.objects.get(status=ModelStatus.CHAMPION) == second
    rolled_back = model_roll_back()

    assert rolled_back == first
    assert ModelVersion.objects.filter(status=ModelStatus.CHAMPION).count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        ModelVersion.objects.filter(pk=second.pk).update(status=ModelStatus.CHAMPION)


def test_promote_model_command_names_a_missing_version(world):
    with pytest.raises(CommandError, match="no model version 999"):
        call_command("promote_model", "999")


def champion_ready(world) -> None:
    model_promote(number=world.version.number)


def test_an_application_is_scored_with_reasons_and_the_model_version(world):
    champion_ready(world)
    application = Application.objects.filter(enterprise__status="active").order_by("pk").first()

    score = application_score(application_id=application.pk)

    assert score.model_version == world.version
    assert score.application == application
    assert 0 < score.probability_of_default < 1
    assert score.grade in "ABCDE"
    assert score.as_of <= application.submitted_at.date() + dt.timedelta(days=1)
    reasons = score.reasons["raised"] + score.reasons["lowered"]
    assert reasons and all(reason["text_zh"] and reason["text_en"] for reason in reasons)
    assert all(reason["contribution"] > 0 for reason in score.reasons["raised"])
    assert all(reason["contribution"] < 0 for reason in score.reasons["lowered"])


def test_scoring_an_application_twice_stores_one_score(world):
    champion_ready(world)
    application = Application.objects.order_by("pk").first()

    first = score_application.apply(args=[application.pk]).get()
    again = score_application.apply(args=[application.pk]).get()

    # Each run carried out its one request; the second found the score stored.
    assert (first, again) == (1, 1)
    assert Score.objects.filter(application=application).count() == 1


def test_a_warm_worker_scores_the_next_application_with_the_model_promoted_and_the_rule_written_since(world):
    champion_ready(world)
    firm = Enterprise.objects.filter(status="active").order_by("pk").first()
    first = application_score(application_id=ApplicationFactory(enterprise=firm).pk)
    second = next_version(ModelVersion.objects.get(pk=world.version.pk))
    model_promote(number=second.number)
    PolicyRule.objects.create(
        code="registered-at-all",
        name="registered at all",
        feature="firm_age_years",
        operator="gte",
        threshold=0,
        reason_zh="已登记",
        reason_en="registered",
    )

    later = application_score(application_id=ApplicationFactory(enterprise=firm).pk)

    assert first.model_version == world.version
    assert not any(item["rule"] == "registered-at-all" for item in first.exclusions)
    assert later.model_version == second
    assert "registered-at-all" in [item["rule"] for item in later.exclusions]


def test_the_points_and_reasons_agree_with_the_models_own_prediction(world):
    champion_ready(world)
    firm = Enterprise.objects.order_by("pk").first()

    score = enterprise_score(enterprise_id=firm.pk, as_of=AS_OF)

    model = loaded_model(world.version)
    requests = pd.DataFrame({"enterprise_id": [firm.pk], "as_of": np.array([AS_OF], dtype="datetime64[D]")})
    features = build_features(selectors.record_frames(requests=requests))
    assert score.probability_of_default == pytest.approx(model.predict_proba(features)[0, 1])


def test_a_dishonest_judgment_debtor_is_excluded_with_the_reason_and_a_minor_penalty_is_not(world):
    champion_ready(world)
    listed = PublicCreditRecord.objects.filter(
        kind="dishonest_judgment_debtor", repaired_on__isnull=True, end_date__isnull=True
    ).first()
    minor_only = (
        Enterprise.objects.filter(publiccreditrecords__severity="minor")
        .exclude(publiccreditrecords__kind__in=["dishonest_judgment_debtor", "serious_dishonesty_list"])
        .first()
    )
    consent(listed.enterprise)
    consent(minor_only)

    excluded = enterprise_score(enterprise_id=listed.enterprise_id, as_of=AS_OF)
    kept = enterprise_score(enterprise_id=minor_only.pk, as_of=AS_OF)

    assert [item["rule"] for item in excluded.exclusions] == ["dishonest-judgment-debtor"]
    assert "失信被执行人" in excluded.exclusions[0]["reason_zh"]
    assert kept.eligible


def rule_on(feature: str, operator: str) -> PolicyRule:
    """An unsaved rule that would exclude a firm whose `feature` is `operator` 1."""
    return PolicyRule(
        code=feature, name=feature, feature=feature, operator=operator, threshold=1, reason_zh="x", reason_en="x"
    )


def test_no_policy_rule_may_exclude_on_a_minor_penalty(db):
    rule = rule_on("penalties_minor_12m", "gte")

    with pytest.raises(ValidationError, match="minor penalty never excludes"):
        rule.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        rule.save()


@pytest.mark.parametrize("feature", ["kind", "province", "industry_section"])
def test_no_policy_rule_may_compare_a_category_with_a_number(db, feature):
    rule = rule_on(feature, "eq")

    with pytest.raises(ValidationError, match="not a numeric feature|not a valid choice"):
        rule.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        rule.save()


def test_online_features_equal_the_batch_features_for_the_same_firm_and_time(world, monkeypatch):
    firms = list(Enterprise.objects.order_by("pk").values_list("pk", flat=True)[:300])
    times = np.array([AS_OF - dt.timedelta(days=400 * (i % 3)) for i in range(len(firms))], dtype="datetime64[D]")
    requests = pd.DataFrame({"enterprise_id": firms, "as_of": times})
    monkeypatch.setattr(selectors, "WHOLE_TABLE_ABOVE", 10)  # the batch path: one scan of every table

    batch = build_features(selectors.record_frames(requests=requests))

    for i in (0, 1, 2, 150, 299):
        online = build_features(selectors.record_frames(requests=requests.iloc[[i]]))
        pd.testing.assert_frame_equal(batch.iloc[[i]], online, check_categorical=False)


def test_train_model_json_prints_the_metrics(world, capsys):
    call_command("train_model", "--json")

    printed = json.loads(capsys.readouterr().out)
    assert printed["version"] == world.version.number + 1
    assert {"split", "lightgbm", "baseline", "promoted"} <= set(printed)


def test_model_drift_prints_the_psi_of_the_score_and_every_feature(world, capsys):
    champion_ready(world)

    call_command("model_drift", "--since", "2026-01-01")

    out = capsys.readouterr().out
    assert f"v{world.version.number}: training sample" in out
    named = {"score", *FEATURE_NAMES}
    assert {line.split()[0] for line in out.splitlines() if line.strip() and line.split()[0] in named} == named
    assert "flagged (PSI > 0.25)" in out


def test_model_drift_with_no_recent_applications_says_so(world):
    champion_ready(world)

    with pytest.raises(CommandError, match="No applications have been submitted since 2030-01-01"):
        call_command("model_drift", "--since", "2030-01-01")


def test_promote_model_roll_back_by_command(world, capsys):
    champion_ready(world)

    with pytest.raises(CommandError, match="no earlier champion"):
        call_command("promote_model", "--roll-back")
    with pytest.raises(CommandError, match="give a VERSION to promote, or --roll-back"):
        call_command("promote_model")


@pytest.fixture
def tasks_run_here(settings):
    """Celery as a newcomer's machine runs it (no broker: each task runs where it is sent), so a test can see
    what a chain of tasks ends with; CI's suite otherwise sends them to the real Redis. The Celery app reads
    its configuration from Django's settings, so overriding the setting is enough."""
    settings.CELERY_TASK_ALWAYS_EAGER = True


def test_promoting_a_champion_rerates_every_firm_once_committed(
    world, tasks_run_here, django_capture_on_commit_callbacks
):
    ModelVersion.objects.update(status=ModelStatus.RETIRED)

    with django_capture_on_commit_callbacks(execute=True):
        model_promote(number=world.version.number)

    ratings = Rating.objects.filter(model_version=world.version)
    assert ratings.count() == Enterprise.objects.count()
    assert set(ratings.values_list("grade", flat=True)) <= set("ABCDE")


def test_a_rating_agrees_with_the_online_score_of_the_same_firm_and_day(world):
    champion_ready(world)
    firm = Enterprise.objects.order_by("-pk").first()

    rate_firms.apply(args=[firm.pk - 100, firm.pk, world.version.number, AS_OF.isoformat()]).get()
    score = enterprise_score(enterprise_id=firm.pk, as_of=AS_OF)

    rating = Rating.objects.get(enterprise=firm, model_version=world.version)
    assert rating.probability_of_default == pytest.approx(score.probability_of_default)
    assert (rating.points, rating.grade) == (score.points, score.grade)


def resealed_without_master_scale(manifest: dict) -> dict:
    """The manifest as a version saved before scales were fitted has it: no master_scale, sealed as such."""
    old = {key: value for key, value in manifest.items() if key != "master_scale"}
    old["sealed_keys"] = [key for key in manifest["sealed_keys"] if key != "master_scale"]
    sealed = {key: old[key] for key in old["sealed_keys"]}
    canonical = json.dumps(sealed, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return old | {"manifest_sha256": hashlib.sha256(canonical.encode("utf-8")).hexdigest()}


def firms_graded_differently_by_the_fixed_bands(version: ModelVersion) -> list[int]:
    """Rated firms whose PD under `version` the fixed bands would grade otherwise than its own bands do."""
    first, last = selectors.firm_id_chunks(1000)[0]
    rate_firms.apply(args=[first, last, version.number, AS_OF.isoformat()]).get()
    return [
        firm_id
        for firm_id, probability, grade in Rating.objects.filter(model_version=version).values_list(
            "enterprise_id", "probability_of_default", "grade"
        )
        if FIXED_SCALE.grade(probability) != grade
    ]


def test_ratings_and_scores_grade_with_the_bands_of_their_version(world):
    champion_ready(world)
    scale = selectors.grade_scale(world.version)

    differently = firms_graded_differently_by_the_fixed_bands(world.version)
    score = enterprise_score(enterprise_id=differently[0], as_of=AS_OF)

    ratings = Rating.objects.filter(model_version=world.version)
    assert [rating.grade for rating in ratings] == scale.grades([r.probability_of_default for r in ratings]).tolist()
    assert differently, "the fitted bands grade every firm as the fixed bands do: this test could not fail"
    assert score.grade == scale.grade(score.probability_of_default) != FIXED_SCALE.grade(score.probability_of_default)


def test_a_version_saved_before_scales_were_fitted_still_grades_with_the_fixed_bands(world, fresh_process):
    stored = ModelVersion.objects.get(pk=world.version.pk)
    old = next_version(stored, manifest=resealed_without_master_scale(stored.manifest))
    firm_id = firms_graded_differently_by_the_fixed_bands(world.version)[0]

    score = enterprise_score(enterprise_id=firm_id, as_of=AS_OF, version=old)

    assert selectors.grade_scale(old) is FIXED_SCALE
    assert score.grade == FIXED_SCALE.grade(score.probability_of_default)
    assert score.grade != selectors.grade_scale(world.version).grade(score.probability_of_default)


def test_the_credit_report_says_what_the_grade_means_under_the_champions_bands(world, client):
    # Here rather than with the applicant's pages: it needs a champion trained on a world, which this module has.
    champion_ready(world)
    applicant = User.objects.get(username="applicant")
    firm = applicant.memberships.get().enterprise
    client.force_login(applicant)

    page = client.get(reverse("applicant:credit_report", args=[firm.pk]))

    score = page.context["score"]
    low, high = selectors.grade_scale(world.version).band_of(score.grade)
    assert low <= score.probability_of_default < high
    assert (
        "Grades A–E band the probability of default of all the firms this model was trained on, A the least risky "
        f"band and E the riskiest; grade {score.grade} covers {percent_text(low)} to {percent_text(high)}."
    ) in page.content.decode()


def test_rating_a_chunk_twice_leaves_one_rating_per_firm(world):
    champion_ready(world)
    first, last = selectors.firm_id_chunks(1000)[0]

    rate_firms.apply(args=[first, last, world.version.number, AS_OF.isoformat()]).get()
    rate_firms.apply(args=[first, last, world.version.number, AS_OF.isoformat()]).get()

    assert Rating.objects.filter(enterprise__id__range=(first, last)).count() == 1000


def test_an_import_that_lands_rerates_the_firms_once_committed(world, tmp_path, django_capture_on_commit_callbacks):
    champion_ready(world)
    firm = Enterprise.objects.order_by("pk").first()
    path = tmp_path / "tax.csv"
    path.write_text(
        "uscc,record_id,source,tax_year,rating,rated_on,tax_paid,declared_revenue,arrears\n"
        f"{firm.uscc},T-NEW-1,tax_bureau,2025,D,2026-04-20,0,0,50000\n",
        encoding="utf-8",
    )

    rerates_waiting = OutboxMessage.objects.filter(task=rerate_population.name)
    waiting_before = rerates_waiting.count()

    with django_capture_on_commit_callbacks() as callbacks:
        records_import(files=[ImportSource("tax", path)], origin="test")

    assert rerates_waiting.count() == waiting_before + 1
    assert len(callbacks) == 3  # the re-rating, the repairs' reassessment, and the lenders' early warnings


def test_train_model_if_no_champion_leaves_a_champion_alone(world, capsys):
    champion_ready(world)

    call_command("train_model", "--if-no-champion")

    assert "already the champion; nothing trained" in capsys.readouterr().out
    assert ModelVersion.objects.count() == 1


def submitted_by_its_owner() -> Application:
    """An application of the world's first active firm, submitted by a person who acts for it."""
    firm = Enterprise.objects.filter(status="active").order_by("pk").first()
    person = User.objects.create_user(username="owner", role=Role.APPLICANT)
    member_of(person, firm)
    return application_submit(applicant=person, enterprise_id=firm.pk, **STOCK_LOAN_TERMS)


def test_a_submission_whose_task_never_reached_the_broker_is_scored_and_routed_once_by_the_relay(
    world, tasks_run_here, django_capture_on_commit_callbacks
):
    # Given an application committed while its scoring task was lost (the callbacks that would send it are
    # captured and never run: the broker was down, or the web process died right after the commit)
    champion_ready(world)
    with django_capture_on_commit_callbacks(execute=False):
        application = submitted_by_its_owner()
    waiting = OutboxMessage.objects.get(task=score_application.name, args=[application.pk])
    # (what the world's own set-up left waiting, the promotion's re-rating among it, is not this test's subject)
    OutboxMessage.objects.exclude(pk=waiting.pk).delete()

    # When the relay runs before the grace period is over, and then after it
    before_grace = outbox_relay(now=waiting.created_at + dt.timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        after_grace = outbox_relay(now=waiting.next_attempt_at)

    # Then it was sent once, scored once and routed, and nothing is left waiting for it
    assert (before_grace, after_grace) == (0, 1)
    assert Score.objects.filter(application=application).count() == 1
    application.refresh_from_db()
    assert application.status in ("matched", "not_eligible")
    assert not OutboxMessage.objects.filter(args=[application.pk]).exists()


def test_a_submitted_application_is_scored_and_routed_once_its_submission_commits(
    world, tasks_run_here, django_capture_on_commit_callbacks
):
    champion_ready(world)

    with django_capture_on_commit_callbacks(execute=True):
        application = submitted_by_its_owner()

    score = Score.objects.get(application=application)
    assert score.model_version == world.version
    assert score.as_of == timezone.localtime(application.submitted_at).date()
    # Scored, then sent on to routing once committed: offered to banks, or eligible for nothing.
    application.refresh_from_db()
    if score.exclusions:
        assert application.status == "not_eligible"
    else:
        assert application.status in ("matched", "not_eligible")
        assert application.rankings.exists()


def submitted_by_owners(count: int) -> list[Application]:
    """Applications of the world's first active firms, the first firm's twice, each by the person who acts for it."""
    firms = list(Enterprise.objects.filter(status="active").order_by("pk")[: count - 1])
    owners = {}
    for index, firm in enumerate(firms):
        owners[firm.pk] = User.objects.create_user(username=f"owner-{index}", role=Role.APPLICANT)
        member_of(owners[firm.pk], firm)
    return [
        application_submit(applicant=owners[firm.pk], enterprise_id=firm.pk, **STOCK_LOAN_TERMS)
        for firm in [*firms, firms[0]]
    ]


def as_the_worker_takes_them(applications: list[Application]) -> list[SimpleRequest]:
    """The requests a worker buffers for a batch: each application's message, with its outbox row's id."""
    rows = {row.args[0]: row.pk for row in OutboxMessage.objects.filter(task=score_application.name)}
    return [
        SimpleRequest(
            id=f"request-{application.pk}",
            name=score_application.name,
            args=(application.pk,),
            kwargs={},
            delivery_info={},
            hostname="worker",
            ignore_result=False,
            reply_to=None,
            correlation_id=None,
            request_dict={OUTBOX_HEADER: rows[application.pk]},
        )
        for application in applications
    ]


def test_a_batch_scores_each_application_as_it_would_be_scored_alone(world):
    champion_ready(world)
    applications = submitted_by_owners(4)

    batch = applications_score(application_ids=[application.pk for application in applications])

    assert [score.application_id for score in batch] == sorted(application.pk for application in applications)
    for score in batch:
        alone = selectors.enterprise_assess(enterprise_id=score.enterprise_id, as_of=score.as_of)
        assert score.probability_of_default == pytest.approx(alone.probability_of_default)
        assert (score.points, score.grade, score.exclusions) == (alone.points, alone.grade, alone.exclusions)
        assert (score.reasons, score.improvements) == (alone.reasons, alone.improvements)
        assert score.features == alone.features
        assert score.application.status in ("scored", "not_eligible")
    assert Score.objects.filter(application__in=applications).count() == 4


def test_the_scoring_task_takes_a_batch_scores_and_routes_each_and_clears_their_outbox_rows(
    world, django_capture_on_commit_callbacks
):
    champion_ready(world)
    # The messages are never published: the test hands the task the batch a worker would have buffered.
    with django_capture_on_commit_callbacks(execute=False):
        applications = submitted_by_owners(3)
    OutboxMessage.objects.exclude(task=score_application.name).delete()

    carried_out = score_application(as_the_worker_takes_them(applications))

    assert carried_out == 3
    for application in applications:
        application.refresh_from_db()
        assert application.status in ("matched", "not_eligible")
        assert Score.objects.filter(application=application).count() == 1
    assert not OutboxMessage.objects.exists()


def test_an_application_that_fails_to_route_keeps_its_outbox_row_and_holds_up_no_other(
    world, django_capture_on_commit_callbacks, monkeypatch
):
    champion_ready(world)
    with django_capture_on_commit_callbacks(execute=False):
        applications = submitted_by_owners(3)
    OutboxMessage.objects.exclude(task=score_application.name).delete()
    stuck = applications[1]
    route_batch, route_one = flows_applications.applications_route, flows_applications.application_route

    def batch_failing_on_one(*, application_ids):
        if stuck.pk in application_ids:
            raise OperationalError("the connection dropped mid-routing")
        return route_batch(application_ids=application_ids)

    def route_failing_for_one(*, application_id):
        if application_id == stuck.pk:
            raise OperationalError("the connection dropped mid-routing")
        return route_one(application_id=application_id)

    # The batch fails for the one application's sake; then each is routed alone, and that one fails again.
    monkeypatch.setattr(flows_applications, "applications_route", batch_failing_on_one)
    monkeypatch.setattr(flows_applications, "application_route", route_failing_for_one)
    PolicyRule.objects.update(active=False)  # every one of them scored, none knocked out, so each is routed

    carried_out = score_application(as_the_worker_takes_them(applications))

    assert carried_out == 2
    stuck.refresh_from_db()
    assert stuck.status == "scored"  # scored and committed: routing is what is still owed
    assert list(OutboxMessage.objects.values_list("args", flat=True)) == [[stuck.pk]]
    # Due at the relay's next run, not after the grace period: the retry a single task got from autoretry.
    assert OutboxMessage.objects.get().next_attempt_at <= timezone.now()
    assert all(
        Application.objects.get(pk=application.pk).status in ("matched", "not_eligible")
        for application in applications
        if application != stuck
    )


@pytest.mark.parametrize(
    "fault",
    [ValueError("a record no feature can read"), DomainError(ErrorCode.INVALID_INPUT, "a firm's record refused")],
)
def test_a_batch_that_fails_to_score_is_scored_one_application_at_a_time(world, monkeypatch, fault):
    champion_ready(world)
    applications = submitted_by_owners(3)
    broken = applications[0]
    score = flows_applications.score_with_champion

    def scoring_failing_on_one(*, application_ids):
        if broken.pk in application_ids:
            raise fault
        return score(application_ids=application_ids)

    monkeypatch.setattr(flows_applications, "score_with_champion", scoring_failing_on_one)

    done = flows_applications.applications_score(application_ids=[application.pk for application in applications])

    assert done == {application.pk for application in applications[1:]}
    assert Application.objects.get(pk=broken.pk).status == "submitted"
    assert Score.objects.filter(application__in=applications[1:]).count() == 2


def test_a_model_whose_manifest_was_altered_is_refused(world, fresh_process):
    stored = ModelVersion.objects.get(pk=world.version.pk)
    altered = next_version(stored, manifest={**stored.manifest, "calibration": {"slope": 0.1, "intercept": -6.0}})

    with pytest.raises(DomainError) as error:
        loaded_model(altered)
    assert "the manifest does not match its sha256" in error.value.message


def test_applications_sent_while_there_was_no_champion_are_scored_when_one_is_promoted(
    world, tasks_run_here, django_capture_on_commit_callbacks
):
    ModelVersion.objects.update(status=ModelStatus.RETIRED)
    waiting = Application.objects.filter(scores__isnull=True).order_by("pk")[:3]
    ids = [application.pk for application in waiting]
    Application.objects.filter(pk__in=ids).update(status="submitted")

    with django_capture_on_commit_callbacks(execute=True):
        model_promote(number=world.version.number)

    assert Score.objects.filter(application_id__in=ids, model_version=world.version).count() == 3


def test_an_application_sent_while_there_is_no_champion_waits_for_one_without_failing_its_task(
    world, tasks_run_here, django_capture_on_commit_callbacks
):
    ModelVersion.objects.update(status=ModelStatus.RETIRED)

    with django_capture_on_commit_callbacks(execute=True):
        application = submitted_by_its_owner()

    application.refresh_from_db()
    assert application.status == "submitted"
    assert not Score.objects.filter(application=application).exists()
    # Its task ended, so the outbox does not send it again and again until it is set aside.
    assert not OutboxMessage.objects.filter(task=score_application.name, args=[application.pk]).exists()


def test_scoring_a_firm_that_does_not_exist_says_so(world):
    champion_ready(world)

    with pytest.raises(DomainError) as error:
        enterprise_score(enterprise_id=10**9)
    assert error.value.code == ErrorCode.NOT_FOUND


def test_an_import_that_changes_nothing_sets_no_re_rating_going(world, tmp_path, django_capture_on_commit_callbacks):
    path = tmp_path / "tax.csv"
    path.write_text(
        "uscc,record_id,source,tax_year,rating,rated_on,tax_paid,declared_revenue,arrears\n", encoding="utf-8"
    )

    waiting_before = OutboxMessage.objects.count()

    with django_capture_on_commit_callbacks() as callbacks:
        records_import(files=[ImportSource("tax", path)], origin="test")

    assert OutboxMessage.objects.count() == waiting_before
    assert callbacks == []


def excluded_application(world) -> tuple[Application, PublicCreditRecord]:
    """An application of a firm listed as a dishonest judgment debtor, scored: knocked out by that listing."""
    champion_ready(world)
    listed = PublicCreditRecord.objects.filter(
        kind="dishonest_judgment_debtor", repaired_on__isnull=True, end_date__isnull=True
    ).first()
    consent(listed.enterprise)
    application = ApplicationFactory(
        enterprise=listed.enterprise, amount=300_000, submitted_at=timezone.now() - dt.timedelta(days=3)
    )
    application_score(application_id=application.pk)
    application.refresh_from_db()
    return application, listed


def test_an_application_from_an_excluded_firm_is_not_eligible_once_scored(world):
    application, _ = excluded_application(world)

    assert application.status == "not_eligible"


def test_a_repaired_knock_out_reinstates_the_application_and_it_is_matched_again(world):
    application, listed = excluded_application(world)
    PublicCreditRecord.objects.filter(
        enterprise_id=application.enterprise_id, kind="dishonest_judgment_debtor", end_date__isnull=True
    ).update(repaired_on=timezone.localdate())

    assert application.pk in enterprise_reassess(enterprise_id=application.enterprise_id)

    application.refresh_from_db()
    latest = application.scores.order_by("-created_at").first()
    assert latest.exclusions == []
    assert latest.as_of == timezone.localdate(application.submitted_at)  # the rest read as it stood then
    assert application.rankings.exists()  # reinstated and routed: ranked against the products again
    fitting = [verdict for verdict in application_eligibility(application=application) if verdict.eligible]
    assert application.status == ("matched" if fitting else "not_eligible")
    assert all(
        rule["rule"] != "policy"
        for verdict in application_eligibility(application=application)
        for rule in verdict.reasons
    )


def test_a_knock_out_that_still_holds_keeps_the_application_not_eligible(world):
    application, _ = excluded_application(world)

    enterprise_reassess(enterprise_id=application.enterprise_id)

    application.refresh_from_db()
    assert application.status == "not_eligible"
    assert application.scores.order_by("-created_at").first().exclusions != []


def test_an_import_that_brings_a_repair_sets_the_firms_reassessment_going(
    world, tmp_path, django_capture_on_commit_callbacks, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = True  # the tasks run here, as workers would run them
    application, _ = excluded_application(world)
    path = tmp_path / "public_credit.csv"
    with path.open("w", encoding="utf-8") as out:
        out.write("uscc,record_id,source,kind,severity,authority,decision_date,end_date,repaired_on\n")
        for record in PublicCreditRecord.objects.filter(
            enterprise_id=application.enterprise_id, kind="dishonest_judgment_debtor", end_date__isnull=True
        ).select_related("enterprise"):
            out.write(
                f"{record.enterprise.uscc},{record.source_record_id},{record.source},{record.kind},,"
                f"{record.authority},{record.decision_date},,{timezone.localdate()}\n"
            )

    with django_capture_on_commit_callbacks(execute=True):
        records_import(files=[ImportSource("public_credit", path)], origin="test")

    application.refresh_from_db()
    assert application.scores.order_by("-created_at").first().exclusions == []


def test_scoring_again_does_not_move_an_application_that_has_moved_on(world):
    champion_ready(world)
    application = Application.objects.exclude(status="submitted").order_by("pk").first()
    before = application.status

    application_score(application_id=application.pk)

    application.refresh_from_db()
    assert application.status == before


def test_an_application_scored_again_after_its_firm_revoked_a_source_does_not_use_it(world):
    champion_ready(world)
    application, _ = excluded_application(world)
    firm = application.enterprise
    applicant = User.objects.create_user(username="revoker", role=Role.APPLICANT)
    member_of(applicant, firm)
    for grant in Authorisation.objects.filter(enterprise=firm, revoked_at__isnull=True):
        Authorisation.objects.filter(pk=grant.pk).update(granted_by=applicant)
        authorisation_revoke(user=applicant, authorisation_id=grant.pk)

    enterprise_reassess(enterprise_id=firm.pk)

    application.refresh_from_db()
    latest = application.scores.order_by("-created_at").first()
    assert latest.exclusions == []  # the listing is no longer read...
    assert application.status == "not_eligible"  # ...and no bank may receive it: nothing reaches a bank
    assert not application.offers.exists()
