"""The operator's pages through Django's test client: products and banks, the dashboard, imports and their
rejected rows, the ranking's weights, and training runs followed from the models page."""

import datetime as dt
from decimal import Decimal

import numpy as np
from django.urls import reverse
from django.utils import timezone

from creditloan.models import (
    Bank,
    ImportBatch,
    ImportFile,
    ImportRejection,
    LoanPrimeRate,
)
from matching.models import LoanProduct, MatchingSettings
from matching.selectors import training_sample
from scoring.ml.scale import fit_master_scale
from scoring.models import ModelVersion, TrainingRun
from scoring.services import training_run_execute


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
    client.post(reverse("operator:weights"), weights | {"publish": "1"})
    refused = client.post(
        reverse("operator:weights"),
        weights | {"approval": "0", "price": "0", "fit": "0", "response": "0", "publish": "1"},
    )

    assert preview.context["preview"]["applications"] == 0
    assert MatchingSettings.objects.order_by("-number").values_list("number", "top_k", "note")[0] == (2, 2, "价格优先")
    assert "at least one weight must be above zero" in refused.content.decode()


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
