"""Source systems push their records with a key scoped to their one source, through the same import service
as the command, with the same rejected rows."""

import json

from django.test import TestCase, override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from creditloan.models import ImportBatch, ImportRejection, SourceKey, TaxRecord
from creditloan.services import source_key_issue
from matching.models import EarlyWarning
from tests.creditloan.api.conftest import gunicorn_request
from tests.factories import consent, paid_out

HEADER = "uscc,record_id,tax_year,rating,rated_on,tax_paid,declared_revenue\n"


def pusher(source: str) -> APIClient:
    _, raw = source_key_issue(source=source, name=f"{source} bureau")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def test_a_tax_bureau_pushes_its_records_and_the_bad_row_is_rejected_with_its_reason(world):
    uscc = world["firm"].uscc
    body = HEADER + f"{uscc},T-1,2025,B,2026-04-01,80000,2000000\n{uscc},T-2,2025,Z,2026-04-01,80000,2000000\n"

    pushed = pusher("tax").post(
        "/api/v1/sources/tax/records/", body, content_type="text/csv", HTTP_X_FILE_NAME="tax-2025.csv"
    )

    assert pushed.status_code == 201, pushed.json()
    batch = pushed.json()
    assert batch["status"] == "completed" and batch["origin"].startswith("api:")
    assert [(f["name"], f["created"], f["rejected"]) for f in batch["files"]] == [("tax-2025.csv", 1, 1)]
    assert TaxRecord.objects.get().source_record_id == "T-1"
    rejection = ImportRejection.objects.get()
    assert (rejection.row_number, rejection.field) == (3, "rating")


def test_pushing_the_same_file_again_changes_nothing(world):
    client, uscc = pusher("tax"), world["firm"].uscc
    body = HEADER + f"{uscc},T-1,2025,B,2026-04-01,80000,2000000\n"

    client.post("/api/v1/sources/tax/records/", body, content_type="text/csv")
    again = client.post("/api/v1/sources/tax/records/", body, content_type="text/csv").json()

    assert [(f["created"], f["unchanged"]) for f in again["files"]] == [(0, 1)]
    assert TaxRecord.objects.count() == 1


def test_a_key_pushes_only_its_own_source(world):
    refused = pusher("customs").post("/api/v1/sources/tax/records/", HEADER, content_type="text/csv")

    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    assert ImportBatch.objects.count() == 0


def test_a_persons_token_is_not_a_source_key_and_a_source_key_is_not_a_persons_token(world):
    as_person = world["as_operator"].post("/api/v1/sources/tax/records/", HEADER, content_type="text/csv")
    as_source = pusher("tax").get("/api/v1/enterprises/")

    assert as_person.status_code == 401 and "source key" in as_person.json()["message"]
    assert as_source.status_code == 401


def test_a_revoked_key_is_refused(world):
    client = pusher("tax")
    SourceKey.objects.update(revoked_at="2026-01-01T00:00:00Z")

    assert client.post("/api/v1/sources/tax/records/", HEADER, content_type="text/csv").status_code == 401


def test_a_file_of_the_wrong_shape_changes_nothing_and_says_why(world):
    wrong = pusher("tax").post("/api/v1/sources/tax/records/", "name,when\nx,y\n", content_type="text/csv")
    json_body = pusher("tax").post("/api/v1/sources/tax/records/", {"rows": []}, format="json")

    assert wrong.status_code == 400 and wrong.json()["code"] == "import_format"
    assert json_body.status_code == 415
    assert TaxRecord.objects.count() == 0


@override_settings(SOURCE_MAX_BODY_BYTES=100)
def test_a_file_over_the_limit_gets_413_and_leaves_nothing_behind(world):
    body = HEADER + f"{world['firm'].uscc},T-1,2025,B,2026-04-01,80000,2000000\n" * 3

    refused = pusher("tax").post("/api/v1/sources/tax/records/", body, content_type="text/csv")

    assert refused.status_code == 413 and refused.json()["code"] == "too_large"
    assert ImportBatch.objects.count() == 0


def test_an_empty_push_is_refused_saying_so(world):
    refused = pusher("tax").post("/api/v1/sources/tax/records/", "", content_type="text/csv")

    assert refused.status_code == 400 and "body" in refused.json()["fields"]
    assert ImportBatch.objects.count() == 0


def chunked_post(path: str, body: bytes, **headers) -> tuple[int, dict]:
    """A POST as gunicorn hands a chunked one to the application: the chunks decoded, no Content-Length."""
    status, answer = gunicorn_request("POST", path, body, chunked=True, **headers)
    return status, json.loads(answer)


def test_a_chunked_push_is_read_whole(world):
    _, raw = source_key_issue(source="tax", name="tax bureau")
    uscc = world["firm"].uscc
    body = HEADER + f"{uscc},T-1,2025,B,2026-04-01,80000,2000000\n"

    status, batch = chunked_post(
        "/api/v1/sources/tax/records/", body.encode(), CONTENT_TYPE="text/csv", HTTP_AUTHORIZATION=f"Bearer {raw}"
    )

    assert status == 201, batch
    assert [(f["created"], f["rejected"]) for f in batch["files"]] == [(1, 0)]


@override_settings(SOURCE_MAX_BODY_BYTES=1000)
def test_a_chunked_push_over_the_limit_is_a_413_before_it_is_read_to_the_end(world):
    _, raw = source_key_issue(source="tax", name="tax bureau")

    status, error = chunked_post(
        "/api/v1/sources/tax/records/",
        (HEADER * 100).encode(),
        CONTENT_TYPE="text/csv",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert status == 413
    assert error == {"code": "too_large", "message": "The body is over 1000 bytes.", "fields": {}}
    assert ImportBatch.objects.count() == 0


def test_a_chunked_json_body_reaches_the_api_as_sent(world):
    status, error = chunked_post(
        "/api/v1/tokens/",
        json.dumps({"username": "zhang", "password": "pw-zhang-123"}).encode(),
        CONTENT_TYPE="application/json",
    )

    assert status == 201, error


def test_a_d_rating_pushed_by_the_tax_bureau_warns_the_bank_lending_to_the_firm(world, tasks_run_in_process):
    paid_out(world["offer"])
    consent(world["firm"], banks=[world["products"]["A"].bank], sources=("tax",), purpose="post_loan")
    body = HEADER + f"{world['firm'].uscc},T-7,2025,D,{timezone.localdate()},1000,2000000\n"

    with TestCase.captureOnCommitCallbacks(execute=True):
        pushed = pusher("tax").post("/api/v1/sources/tax/records/", body, content_type="text/csv")

    assert pushed.status_code == 201, pushed.json()
    warning = EarlyWarning.objects.get()
    assert (warning.bank.code, warning.kind, warning.record_id) == ("A", "tax_rating_d", TaxRecord.objects.get().pk)
