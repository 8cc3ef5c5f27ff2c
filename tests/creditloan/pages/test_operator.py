"""The operator's pages through Django's test client: products and banks, the dashboard, imports and their
rejected rows, the ranking's weights, and training runs followed from the models page."""

import datetime as dt
import re
from decimal import Decimal
from html import escape

import numpy as np
import pytest
from django.urls import reverse
from django.utils import timezone

from creditloan.demo.services import demo_world_generate
from creditloan.models import (
    Bank,
    ImportBatch,
    ImportFile,
    ImportRejection,
    LoanPrimeRate,
    User,
)
from matching.models import LoanProduct, MatchingSettings
from matching.selectors import training_sample
from scoring.ml.scale import fit_master_scale
from scoring.models import ModelStatus, ModelVersion, TrainingRun
from scoring.services import model_promote, training_run_execute
from scoring.training_steps import TrainingStep, training_outcome
from tests.scoring.test_promotion_races import small_model_files


def test_the_operator_lands_on_the_dashboard_after_signing_in_and_from_the_home_page(client, world):
    operator = world["operator"]
    operator.set_password(SIGN_IN_PASSWORD)
    operator.save()

    signed_in = client.post(reverse("accounts:login"), {"username": operator.username, "password": SIGN_IN_PASSWORD})
    landed = client.get(signed_in["Location"])

    assert landed["Location"] == reverse("operator:dashboard")
    assert client.get("/")["Location"] == reverse("operator:dashboard")


SIGN_IN_PASSWORD = "Xinyidai-2026-operator"


def test_the_operator_pauses_a_product_and_offers_it_again(client, world):
    client.force_login(world["operator"])
    product = world["products"]["A"]

    client.post(reverse("operator:product_active", args=[product.pk]), {"active": "0"})
    product.refresh_from_db()
    assert not product.active
    client.post(reverse("operator:product_active", args=[product.pk]), {"active": "1"})
    product.refresh_from_db()
    assert product.active


def test_the_dashboard_counts_the_funnel_and_each_banks_answers(client, world):
    offer = world["offer"]
    offer.status, offer.decided_at = "declined", offer.offered_at + dt.timedelta(hours=5)
    offer.decline_reason = "high_leverage"
    offer.save()
    client.force_login(world["operator"])

    page = client.get(reverse("operator:dashboard"))

    assert page.context["steps"] == {
        "applied": 1,
        "matched": 1,
        "offered": 1,
        "accepted": 0,
        "approved": 0,
        "disbursed": 0,
    }
    bank_a = next(bank for bank in page.context["banks"] if bank.code == "A")
    assert (bank_a.offers, bank_a.declined, bank_a.approval_rate, bank_a.median_response_hours) == (1, 1, 0.0, 5.0)
    assert "chart-funnel" in page.content.decode()


def test_the_operator_reads_an_import_batch_and_why_each_row_was_rejected(client, world):
    batch = ImportBatch.objects.create(status="completed", origin="cli", finished_at=timezone.now(), manifest=[])
    import_file = ImportFile.objects.create(
        batch=batch, source="tax", name="tax.csv", file_format="csv", rows=2, created=1, rejected=1
    )
    ImportRejection.objects.create(
        file=import_file, row_number=3, field="uscc", reason="position 18: check character should be 6, got 7"
    )
    client.force_login(world["operator"])

    listing = client.get(reverse("operator:imports")).content.decode()
    page = client.get(reverse("operator:import", args=[batch.pk])).content.decode()

    assert "tax.csv" in listing
    assert "position 18: check character should be 6, got 7" in page and "1 rejected row" in page
    assert client.get(reverse("operator:import", args=[batch.pk + 1])).status_code == 404


def test_the_operator_previews_weights_then_publishes_a_version(client, world):
    client.force_login(world["operator"])
    weights = {"approval": "0.4", "price": "0.4", "fit": "0.1", "response": "0.1", "top_k": "2", "note": "价格优先"}
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()

    preview = client.post(reverse("operator:weights"), weights | {"since": tomorrow, "preview": "1"})
    asked = client.post(reverse("operator:weights"), weights | {"publish": "1"})
    published_before_confirming = MatchingSettings.objects.count()
    published = client.post(reverse("operator:weights"), dict(asked.context["fields"]) | {"confirm": "1"}, follow=True)
    refused = client.post(
        reverse("operator:weights"),
        weights | {"approval": "0", "price": "0", "fit": "0", "response": "0", "publish": "1"},
    )

    assert preview.context["preview"]["applications"] == 0
    assert published_before_confirming == 1
    # What the confirmation says will change: each weight now and after publishing.
    assert asked.context["table"]["rows"] == [
        ["Approval", "0.5", "0.4"],
        ["Price", "0.2", "0.4"],
        ["Fit", "0.15", "0.1"],
        ["Response", "0.15", "0.1"],
        ["Offers at once", "3", "2"],
    ]
    assert MatchingSettings.objects.order_by("-number").values_list("number", "top_k", "note")[0] == (2, 2, "价格优先")
    assert "Version 2 published." in published.content.decode()
    assert "at least one weight must be above zero" in refused.content.decode()
    assert MatchingSettings.objects.count() == 2


def test_a_training_without_enough_history_fails_and_says_why_and_the_page_follows_it(
    client, world, settings, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    client.force_login(world["operator"])

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("operator:models"), {"action": "train"})
    run = TrainingRun.objects.get()
    progress = client.get(reverse("operator:training_run", args=[run.pk])).json()
    again = client.post(reverse("operator:models"), {"action": "roll_back"}, follow=True)

    assert progress["status"] == "failed" and "not enough history to train" in progress["message"]
    assert progress["steps"] == 6
    assert "no earlier champion to roll back to" in again.content.decode()


def test_a_second_training_waits_for_the_first(client, world):
    TrainingRun.objects.create(status="running", queued_at=timezone.now())
    client.force_login(world["operator"])

    page = client.post(reverse("operator:models"), {"action": "train"}, follow=True)

    assert "a training is already under way" in page.content.decode()
    assert TrainingRun.objects.count() == 1


def test_a_run_taken_up_once_is_not_run_again(world):
    run = TrainingRun.objects.create(status="done", queued_at=timezone.now(), message="v3 promoted")

    assert training_run_execute(run_id=run.pk, training_sample=training_sample).message == "v3 promoted"


# Firms in the demo world the training test learns from: the fewest of the sizes other tests use whose loans
# with known outcomes hold the 25 defaults a training needs (4,500 firms hold 21).
HISTORY_FIRMS = 7000


@pytest.fixture
def history(db, settings):
    """The demo world with its loan history and its operator; its Celery tasks run at once."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    demo_world_generate(enterprises=HISTORY_FIRMS, seed=7, as_of=dt.date(2026, 10, 31))
    return User.objects.get(username="operator")


def test_a_training_from_the_page_registers_a_version_and_promotes_only_once_the_operator_confirms(
    client, history, django_capture_on_commit_callbacks
):
    client.force_login(history)

    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(reverse("operator:models"), {"action": "train"})
    run = TrainingRun.objects.get()
    version = run.version
    page = client.get(started["Location"]).content.decode()
    progress = client.get(reverse("operator:training_run", args=[run.pk])).json()

    assert (run.status, run.step) == ("done", 6), run.message
    assert version.status == ModelStatus.CANDIDATE and not ModelVersion.objects.filter(status="champion").exists()
    assert progress["text"] == training_outcome(version) and progress["progress"] == "Step 6 of 6"
    assert ("beats the scorecard" if version.beats_baseline else "does not beat the scorecard") in progress["text"]
    assert escape(training_outcome(version)) in page
    run_section = re.search(r'<section[^>]*id="run".*?</section>', page, flags=re.S).group()
    assert (f'name="number" value="{version.number}"' in run_section) == version.beats_baseline

    asked = client.post(reverse("operator:models"), {"action": "promote", "number": str(version.number)})
    still = ModelVersion.objects.get(pk=version.pk).status
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            reverse("operator:models"),
            {"action": "promote", "number": str(version.number), "confirm": "1"},
            follow=True,
        )

    assert still == ModelStatus.CANDIDATE
    assert f"v{version.number} becomes the champion; no model is champion now." in asked.content.decode()
    assert ModelVersion.objects.get(pk=version.pk).status == ModelStatus.CHAMPION
    assert f"v{version.number} is the champion." in done.content.decode()


def test_rolling_back_asks_first_naming_both_versions_and_then_says_what_happened(client, world):
    from_version = _registered_version(number=1, promoted=True)
    champion = _registered_version(number=2, promoted=True)
    client.force_login(world["operator"])

    asked = client.post(reverse("operator:models"), {"action": "roll_back"})
    unchanged = ModelVersion.objects.get(pk=champion.pk).status
    done = client.post(reverse("operator:models"), {"action": "roll_back", "confirm": "1"}, follow=True)

    assert unchanged == ModelStatus.CHAMPION
    assert "v1 becomes the champion in place of v2, which retires." in asked.content.decode()
    assert [row[0] for row in asked.context["table"]["rows"]] == ["v2", "v1"]
    assert ModelVersion.objects.get(pk=from_version.pk).status == ModelStatus.CHAMPION
    assert "Rolled back: v1 is the champion again." in done.content.decode()


def test_promoting_a_version_that_does_not_exist_is_refused_before_anything_is_asked(client, world):
    client.force_login(world["operator"])

    answer = client.post(reverse("operator:models"), {"action": "promote", "number": "42"}, follow=True)

    assert "there is no model version 42" in answer.content.decode()


@pytest.mark.parametrize(
    ("language", "said"),
    [("en", "building features for 1,234 loans as each firm stood when it applied"), ("zh-hans", "1,234")],
)
def test_the_step_under_way_reads_in_the_pages_language(client, world, language, said):
    run = TrainingRun.objects.create(
        status="running", step=2, step_text=TrainingStep("features", {"loans": 1234}).stored(), queued_at=timezone.now()
    )
    client.force_login(world["operator"])

    progress = client.get(reverse("operator:training_run", args=[run.pk]), HTTP_ACCEPT_LANGUAGE=language).json()

    assert said in progress["text"]
    assert (progress["text"].isascii()) == (language == "en")
    assert progress["progress"] == ("Step 2 of 6" if language == "en" else progress["progress"])


def _registered_version(*, number: int, promoted: bool) -> ModelVersion:
    """A version as the registry keeps one, with a real model text, so that promoting it loads and checks it."""
    text, manifest = small_model_files()
    version = ModelVersion.objects.create(
        number=number,
        model_text=text,
        manifest=manifest,
        sha256=manifest["model_sha256"],
        metrics={"lightgbm": {"auc": 0.7 + number / 100}, "baseline": {"auc": 0.7}},
        beats_baseline=True,
        trained_at=timezone.now(),
    )
    if promoted:
        model_promote(number=number)
    return version


PRODUCT = {
    "code": "A-2",
    "name": "科创贷",
    "active": "on",
    "guarantee_mode": "credit",
    "repayment_methods": ["equal_instalments"],
    "amount_min": "100000",
    "amount_max": "2000000",
    "term_min_months": "6",
    "term_max_months": "36",
    "rate_min": "4",
    "rate_max": "7",
    "regions": "440300, 11",
    "industries_included": "C",
    "min_tax_rating": "B",
}


def test_the_operator_creates_a_product_and_is_told_what_is_wrong_field_by_field(client, world):
    client.force_login(world["operator"])
    bank = world["products"]["A"].bank

    wrong = client.post(reverse("operator:product_new"), PRODUCT | {"bank": bank.pk, "regions": "99", "rate_max": "1"})
    right = client.post(reverse("operator:product_new"), PRODUCT | {"bank": bank.pk})

    errors = wrong.context["form"].errors
    assert "regions" in errors and "not GB/T 2260 prefixes: 99" in errors["regions"][0]
    assert "rate_max" in errors
    assert right.status_code == 302
    product = LoanProduct.objects.get(code="A-2")
    # 440300 is kept as the prefix it stands for; rates typed in percent are kept as fractions.
    assert (product.regions, product.industries_included, product.min_tax_rating) == (["4403", "11"], ["C"], "B")
    assert (product.rate_min, product.rate_max) == (Decimal("0.04"), Decimal("0.07"))


def test_a_product_at_95_percent_a_year_is_refused_in_the_pages_language_naming_the_lpr(client, world):
    client.force_login(world["operator"])
    LoanPrimeRate.objects.update_or_create(
        effective_on=dt.date(2025, 5, 20), defaults={"one_year": Decimal("0.03"), "five_year": Decimal("0.035")}
    )
    form = PRODUCT | {"bank": world["products"]["A"].bank.pk, "rate_max": "95"}

    english = client.post(reverse("operator:product_new"), form, HTTP_ACCEPT_LANGUAGE="en")
    chinese = client.post(reverse("operator:product_new"), form, HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert "four times the 1-year LPR (3.00% since 2025-05-20)" in english.context["form"].errors["rate_max"][0]
    assert "LPR" in chinese.context["form"].errors["rate_max"][0] and "four" not in chinese.content.decode()
    assert not LoanProduct.objects.filter(code="A-2").exists()


def test_the_operator_keeps_the_lpr_typed_in_percent(client, world):
    client.force_login(world["operator"])

    kept = client.post(
        reverse("operator:prime_rates"), {"effective_on": "2026-11-20", "one_year": "2.9", "five_year": "3.40%"}
    )
    refused = client.post(
        reverse("operator:prime_rates"), {"effective_on": "2026-12-21", "one_year": "25", "five_year": "3.4"}
    )
    page = client.get(reverse("operator:prime_rates")).content.decode()

    assert kept.status_code == 302
    prime = LoanPrimeRate.objects.get(effective_on=dt.date(2026, 11, 20))
    assert (prime.one_year, prime.five_year, prime.recorded_by) == (
        Decimal("0.029"),
        Decimal("0.034"),
        world["operator"],
    )
    assert "25.00% is not an LPR" in refused.context["form"].errors["one_year"][0]
    assert "2.90%" in page and "from 1.45%" in page and "to 11.60%" in page  # half and four times the LPR


def test_the_operator_changes_a_products_rule(client, world):
    client.force_login(world["operator"])
    product = world["products"]["B"]

    page = client.get(reverse("operator:product_edit", args=[product.pk])).content.decode()
    client.post(
        reverse("operator:product_edit", args=[product.pk]),
        PRODUCT | {"bank": product.bank.pk, "code": product.code, "min_tax_rating": "A"},
    )

    product.refresh_from_db()
    assert product.code in page
    # The product's stored fractions are shown to be edited in percent.
    assert 'name="rate_min" value="4.00"' in page
    assert product.min_tax_rating == "A"


def test_the_operator_adds_a_bank_and_changes_its_capacity(client, world):
    client.force_login(world["operator"])
    bank = {
        "code": "JS",
        "name": "江苏某银行",
        "contact_email": "ops@js.example",
        "response_deadline_days": "3",
        "decision_deadline_days": "10",
        "monthly_capacity": "500",
        "active": "on",
    }

    refused = client.post(reverse("operator:bank_new"), bank | {"response_deadline_days": "0"})
    client.post(reverse("operator:bank_new"), bank)
    added = Bank.objects.get(code="JS")
    client.post(reverse("operator:bank_edit", args=[added.pk]), bank | {"monthly_capacity": "800"})

    assert "response_deadline_days" in refused.context["form"].errors
    added.refresh_from_db()
    assert added.monthly_capacity == 800


def test_the_models_page_shows_each_grades_band_share_and_held_out_default_rate(client, world):
    # Held-out rows in each band of a scale fitted on 1,000 PDs 0.0001 apart; B defaulted more than C, so they pool.
    held_out_pd = np.repeat([0.005, 0.02, 0.04, 0.07, 0.09], 100)
    defaulted = np.zeros(500, dtype=int)
    for start, defaults in ((100, 6), (200, 2), (300, 8), (400, 9)):
        defaulted[start : start + defaults] = 1
    fitted = fit_master_scale(np.arange(1, 1001) / 10_000, held_out_pd=held_out_pd, held_out_defaulted=defaulted)
    stand_in = {"model_text": "tree\n", "sha256": "0" * 64, "beats_baseline": True, "trained_at": timezone.now()}
    ModelVersion.objects.create(number=8, manifest={"master_scale": fitted.to_dict()}, **stand_in)
    ModelVersion.objects.create(number=7, manifest={}, **stand_in)
    client.force_login(world["operator"])

    page = client.get(reverse("operator:models")).content.decode()

    fitted_part, fixed_part = page.split("v8 · bands fitted on its training firms")[1].split("v7 · fixed bands")
    assert "Pooled on the held-out period (the band takes the worse letter): B+C" in fitted_part
    assert '<th scope="row">B</th><td><span class="text-muted">empty</span></td>' in fitted_part
    assert (
        '<th scope="row">C</th><td>1.00% – 5.51%</td><td class="text-end">45.00%</td>'
        '<td class="text-end">200</td><td class="text-end">8</td><td class="text-end">4.00%</td>'
    ) in fitted_part
    assert (
        '<th scope="row">D</th><td>5.00% – 10.00%</td><td class="text-end">—</td>'
        '<td class="text-end">—</td><td class="text-end">—</td><td class="text-end">—</td>'
    ) in fixed_part
    assert "This version recorded no shares or held-out figures for its bands." in fixed_part


def test_the_dashboard_gives_answer_times_from_each_stage_and_counts_a_taken_up_offer_as_accepted(client, world):
    offer = world["offer"]
    offer.status = "approved"
    offer.accepted_at = offer.offered_at + dt.timedelta(hours=3)
    offer.decided_at = offer.offered_at + dt.timedelta(hours=27)
    offer.save()
    client.force_login(world["operator"])

    page = client.get(reverse("operator:dashboard"))

    steps = page.context["steps"]
    assert (steps["accepted"], steps["approved"], steps["disbursed"]) == (1, 1, 0)
    times = page.context["times"]
    assert (times.first_answer.median, times.first_answer.p90, times.decision.median) == (3.0, 3.0, 24.0)
    bank_a = next(bank for bank in page.context["banks"] if bank.code == "A")
    assert (bank_a.median_response_hours, bank_a.median_decision_hours) == (3.0, 24.0)
    assert 'data-testid="answer-times"' in page.content.decode()
