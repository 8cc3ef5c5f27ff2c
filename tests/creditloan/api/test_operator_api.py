"""The operator's API: banks and products checked by the models' own rules, weights published as versions,
model training queued and followed, import batches with their rejected rows, disputes answered, figures."""

from django.utils import timezone

from creditloan.models import Bank, Dispute, ImportBatch, ImportBatchStatus, ImportFile, ImportRejection, RecordSource
from creditloan.services import dispute_raise
from matching.models import LoanProduct, MatchingSettings
from scoring.models import TrainingRun
from tests.factories import TaxRecordFactory

BANK = {
    "code": "JS",
    "name": "江苏某银行",
    "contact_email": "ops@js.example",
    "response_deadline_days": 3,
    "monthly_capacity": 500,
    "active": True,
}


def test_only_an_operator_reaches_the_operations_endpoints(world):
    for client in ("as_applicant", "as_officer_a"):
        assert world[client].get("/api/v1/operations/banks/").status_code == 403


def test_the_operator_adds_a_bank_and_changes_its_capacity_and_is_told_what_is_wrong(world):
    client = world["as_operator"]

    refused = client.post("/api/v1/operations/banks/", BANK | {"response_deadline_days": 0}, format="json")
    added = client.post("/api/v1/operations/banks/", BANK, format="json")
    changed = client.patch(f"/api/v1/operations/banks/{added.json()['id']}/", {"monthly_capacity": 800}, format="json")

    assert refused.status_code == 400 and "response_deadline_days" in refused.json()["fields"]
    assert added.status_code == 201
    assert changed.json()["monthly_capacity"] == 800 == Bank.objects.get(code="JS").monthly_capacity


def test_a_product_is_checked_by_the_models_rules_and_paused(world):
    client, product = world["as_operator"], world["products"]["A"]

    refused = client.patch(
        f"/api/v1/operations/products/{product.pk}/", {"regions": ["99"], "amount_max": "1.00"}, format="json"
    )
    paused = client.patch(f"/api/v1/operations/products/{product.pk}/", {"active": False}, format="json")
    listed = client.get("/api/v1/operations/products/?active=false").json()

    assert refused.status_code == 400
    assert set(refused.json()["fields"]) == {"regions", "amount_max"}
    assert paused.status_code == 200, paused.json()
    assert paused.json()["active"] is False and not LoanProduct.objects.get(pk=product.pk).active
    assert [row["code"] for row in listed["results"]] == [product.code]


def test_a_product_field_the_model_does_not_have_is_refused_by_name(world):
    product = world["products"]["A"]

    refused = world["as_operator"].patch(f"/api/v1/operations/products/{product.pk}/", {"colour": "red"}, format="json")

    assert refused.status_code == 400 and refused.json()["fields"] == {"colour": ["Unknown field."]}


def test_weights_are_published_as_a_new_version(world):
    client = world["as_operator"]
    before = MatchingSettings.objects.count()

    published = client.post(
        "/api/v1/operations/weights/",
        {"approval": 0.6, "price": 0.2, "fit": 0.1, "response": 0.1, "top_k": 2, "note": "更看重审批概率"},
        format="json",
    )
    versions = client.get("/api/v1/operations/weights/").json()

    assert published.status_code == 201
    assert MatchingSettings.objects.count() == before + 1
    assert versions["results"][0]["note"] == "更看重审批概率"


def test_a_training_is_queued_and_followed_and_an_unknown_version_cannot_be_promoted(
    world, settings, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    client = world["as_operator"]

    with django_capture_on_commit_callbacks(execute=True):
        queued = client.post("/api/v1/operations/models/train/")
    followed = client.get(f"/api/v1/operations/models/runs/{queued.json()['id']}/")
    promote = client.post("/api/v1/operations/models/42/promote/")
    roll_back = client.post("/api/v1/operations/models/roll-back/")

    assert queued.status_code == 202
    # The worker ran it at once: this world has no loan history, so the run has already failed, saying why.
    assert followed.json()["status"] == "failed" and "history" in followed.json()["message"]
    assert TrainingRun.objects.count() == 1
    assert promote.status_code == 404 and promote.json()["fields"] == {"version": ["there is no model version 42"]}
    assert roll_back.status_code == 404


def test_an_import_batch_shows_its_files_and_rejected_rows(world):
    batch = ImportBatch.objects.create(
        status=ImportBatchStatus.COMPLETED, origin="cli", manifest=[], finished_at=timezone.now()
    )
    file = ImportFile.objects.create(
        batch=batch, source=RecordSource.TAX, name="tax.csv", file_format="csv", rows=2, created=1, rejected=1
    )
    ImportRejection.objects.create(
        file=file,
        row_number=3,
        field="rating",
        reason="'Z' is not a rating",
        errors=[{"field": "rating", "reason": "'Z' is not a rating"}],
        raw={},
    )
    client = world["as_operator"]

    batches = client.get("/api/v1/operations/imports/").json()
    rejected = client.get(f"/api/v1/operations/imports/{batch.pk}/rejections/").json()

    assert batches["results"][0]["files"][0]["rejected"] == 1
    assert [(row["row_number"], row["field"]) for row in rejected["results"]] == [(3, "rating")]
    assert client.get("/api/v1/operations/imports/999/rejections/").status_code == 404


def test_the_operator_answers_a_dispute_from_the_queue(world):
    record = TaxRecordFactory(enterprise=world["firm"])
    dispute = dispute_raise(
        user=world["applicant"], enterprise=world["firm"], source="tax", record_id=record.pk, reason="评级有误"
    )
    client = world["as_operator"]

    queue = client.get("/api/v1/operations/disputes/").json()
    answered = client.post(
        f"/api/v1/operations/disputes/{dispute.pk}/resolve/",
        {"outcome": "corrected", "resolution": "已与税务机关核实并更正"},
        format="json",
    )

    assert [row["id"] for row in queue["results"]] == [dispute.pk]
    assert answered.json()["status"] == "corrected"
    assert Dispute.objects.get().resolved_at <= timezone.now()


def test_the_dashboard_figures_come_in_one_shape(world):
    figures = world["as_operator"].get("/api/v1/operations/dashboard/?since=2020-01-01").json()
    refused = world["as_operator"].get("/api/v1/operations/dashboard/?since=yesterday")

    assert figures["funnel"]["applied"] == 1
    assert {bank["code"]: bank["offers"] for bank in figures["banks"]} == {"A": 1, "B": 0}
    assert figures["answer_times"]["first_answer"] == {"count": 0, "median": None, "p90": None}
    assert refused.status_code == 400 and "since" in refused.json()["fields"]


def test_a_product_region_written_in_full_is_kept_as_the_prefix_it_stands_for(world):
    product = world["products"]["A"]

    changed = world["as_operator"].patch(
        f"/api/v1/operations/products/{product.pk}/", {"regions": ["440300"]}, format="json"
    )

    assert changed.json()["regions"] == ["4403"]
    assert LoanProduct.objects.get(pk=product.pk).regions == ["4403"]


def test_ordering_is_only_by_the_fields_a_list_names(world):
    client = world["as_applicant"]

    unnamed = client.get(f"/api/v1/enterprises/{world['firm'].pk}/access-log/?ordering=what_display")
    many_to_many = client.get("/api/v1/authorisations/?ordering=banks")

    assert unnamed.status_code == many_to_many.status_code == 200
