"""Ranking an application on a demo world: versioned settings, an approval model learned from the banks'
decisions, and rankings that keep what produced them."""

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.db import transaction

from creditloan.demo.services import demo_world_generate
from creditloan.errors import DomainError, ErrorCode
from creditloan.models import Application
from matching.models import MatchingSettings
from matching.selectors import application_eligibility, training_sample
from matching.services import application_rank, approval_model_train, matching_settings_publish
from scoring.services import application_score, model_train


@pytest.fixture(scope="module")
def trained(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        demo_world_generate(enterprises=7000, seed=7, as_of=dt.date(2026, 10, 31))
        model_train(training_sample=training_sample)
        yield
        transaction.set_rollback(True)


@pytest.fixture
def world(trained, db):
    return None


def scored_application_with_choices() -> Application:
    """An application that is eligible for more than one product once scored."""
    for application in Application.objects.order_by("pk")[:400]:
        application_score(application_id=application.pk)
        if sum(verdict.eligible for verdict in application_eligibility(application=application)) >= 2:
            return application
    raise AssertionError("no application with two eligible products in the demo world")


def test_every_deployment_starts_with_default_settings(db):
    first = MatchingSettings.objects.get(number=1)

    assert (first.weight_approval, first.weight_price, first.weight_fit, first.weight_response) == (
        0.5,
        0.2,
        0.15,
        0.15,
    )
    assert first.top_k == 3


def test_publishing_settings_adds_a_version_and_keeps_the_old_ones(db):
    published = matching_settings_publish(approval=0.7, price=0.3, fit=0, response=0, top_k=2, note="approval first")

    assert published.number == 2
    assert MatchingSettings.objects.count() == 2


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"approval": -0.1}, "weights"),
        ({"approval": 0, "price": 0, "fit": 0, "response": 0}, "weights"),
        ({"top_k": 0}, "top_k"),
        ({"top_k": "3"}, "top_k"),
    ],
)
def test_settings_that_make_no_sense_are_refused_naming_them(db, changes, field):
    values = {"approval": 0.5, "price": 0.2, "fit": 0.15, "response": 0.15, "top_k": 3} | changes

    with pytest.raises(DomainError) as error:
        matching_settings_publish(**values)

    assert error.value.field == field
    assert MatchingSettings.objects.count() == 1


def test_the_approval_model_learns_from_the_banks_decisions_and_is_judged_on_later_ones(world):
    version = approval_model_train()

    assert version.number == 1
    assert len(version.coefficients["banks"]) >= 8
    assert version.metrics["held_out"] > 0
    # Banks in the demo approve better firms more often, so the PD ranks their decisions.
    assert version.metrics["auc"] > 0.55


def test_a_ranking_orders_the_eligible_products_and_keeps_what_produced_it(world):
    approval_model_train()
    application = scored_application_with_choices()

    ranking = application_rank(application=application)

    eligible = {verdict.product.pk for verdict in application_eligibility(application=application) if verdict.eligible}
    assert {entry["product"] for entry in ranking.entries} == eligible
    utilities = [entry["utility"] for entry in ranking.entries]
    assert utilities == sorted(utilities, reverse=True)
    assert ranking.settings.number == 1 and ranking.approval_model.number == 1
    assert ranking.score == application.scores.latest("created_at")
    assert {"approval", "price", "fit", "response", "expected_rate", "bank"} <= set(ranking.entries[0])


def test_ranking_the_same_application_again_gives_the_same_order(world):
    application = scored_application_with_choices()

    first = application_rank(application=application)
    again = application_rank(application=application)

    assert [entry["product"] for entry in first.entries] == [entry["product"] for entry in again.entries]


def test_before_an_approval_model_is_trained_every_bank_is_even_odds(world):
    application = scored_application_with_choices()

    ranking = application_rank(application=application)

    assert ranking.approval_model is None
    assert {entry["approval"] for entry in ranking.entries} == {0.5}


def test_an_application_without_a_score_cannot_be_ranked(world):
    application = Application.objects.filter(scores__isnull=True).first()

    with pytest.raises(DomainError) as error:
        application_rank(application=application)
    assert error.value.code == ErrorCode.NOT_FOUND


def test_train_approval_model_prints_its_metrics(world, capsys):
    call_command("train_approval_model", "--json")

    printed = json.loads(capsys.readouterr().out)
    assert printed["version"] == 1 and 0 <= printed["auc"] <= 1


def test_train_approval_model_if_none_leaves_an_existing_model_alone(world, capsys):
    approval_model_train()

    call_command("train_approval_model", "--if-none")

    assert "approval model v1 exists; nothing trained" in capsys.readouterr().out
