"""The API's contract at its edges: tokens, one error shape, JSON only, no unknown fields, bounded bodies."""

import datetime as dt
import json

from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from creditloan.api.base import json_depth
from creditloan.models import ApiToken, Bank

ENTERPRISES = "/api/v1/enterprises/"


def assert_error_shape(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "fields"}
    assert body["code"] == code
    assert body["message"]
    return body


def test_a_password_buys_a_token_shown_once_and_stored_only_as_its_hash(world):
    client = APIClient()

    issued = client.post(
        "/api/v1/tokens/", {"username": "zhang", "password": "pw-zhang-123", "name": "erp"}, format="json"
    )

    assert issued.status_code == 201
    raw = issued.json()["token"]
    assert not ApiToken.objects.filter(digest=raw).exists()
    assert ApiToken.objects.get(prefix=raw[:8]).name == "erp"
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get(ENTERPRISES).status_code == 200


def test_a_wrong_password_gets_no_token(world):
    response = APIClient().post("/api/v1/tokens/", {"username": "zhang", "password": "nope"}, format="json")

    assert_error_shape(response, 400, "invalid_credentials")
    assert not ApiToken.objects.filter(name="API client").exists()


def test_a_revoked_or_expired_or_unknown_token_is_refused_with_the_reason(world):
    client = world["as_applicant"]
    token = ApiToken.objects.get(user=world["applicant"])

    client.post(f"/api/v1/tokens/{token.pk}/revoke/")
    revoked = client.get(ENTERPRISES)
    an_hour_ago = timezone.now() - dt.timedelta(hours=1)
    ApiToken.objects.filter(pk=token.pk).update(
        revoked_at=None, created_at=an_hour_ago - dt.timedelta(days=90), expires_at=an_hour_ago
    )
    expired = client.get(ENTERPRISES)
    client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    unknown = client.get(ENTERPRISES)

    assert "revoked" in assert_error_shape(revoked, 401, "authentication_failed")["message"]
    assert "expired" in assert_error_shape(expired, 401, "authentication_failed")["message"]
    assert "Unknown" in assert_error_shape(unknown, 401, "authentication_failed")["message"]
    assert revoked["WWW-Authenticate"] == "Bearer"


def test_without_credentials_the_api_asks_for_them(world):
    assert_error_shape(APIClient().get(ENTERPRISES), 401, "not_authenticated")


def test_another_roles_endpoint_is_forbidden_and_says_whose_it_is(world):
    body = assert_error_shape(world["as_officer_a"].get(ENTERPRISES), 403, "permission_denied")

    assert "applicants" in body["message"]


def test_a_body_that_is_not_json_gets_415(world):
    response = world["as_applicant"].post(
        ENTERPRISES, "uscc=1&relation=authorised_agent", content_type="application/x-www-form-urlencoded"
    )

    assert_error_shape(response, 415, "unsupported_media_type")


def test_malformed_json_gets_400_saying_so(world):
    response = world["as_applicant"].post(ENTERPRISES, '{"uscc": ', content_type="application/json")

    assert "not valid JSON" in assert_error_shape(response, 400, "parse_error")["message"]


def test_an_unknown_field_is_refused_by_name(world):
    response = world["as_applicant"].post(
        ENTERPRISES, {"uscc": world["other_firm"].uscc, "relation": "authorised_agent", "relatoin": "x"}, format="json"
    )

    body = assert_error_shape(response, 400, "invalid_input")
    assert body["fields"] == {"relatoin": ["Unknown field."]}


@override_settings(API_MAX_BODY_BYTES=1024)
def test_a_body_over_the_limit_gets_413(world):
    big = json.dumps({"uscc": "x" * 2000, "relation": "authorised_agent"})

    response = world["as_applicant"].post(ENTERPRISES, big, content_type="application/json")

    assert_error_shape(response, 413, "too_large")


def test_a_refusal_of_the_service_names_the_field_and_what_is_wrong(world):
    response = world["as_applicant"].post(
        ENTERPRISES, {"uscc": "91440300MA5FXXXXX1", "relation": "authorised_agent"}, format="json"
    )

    body = assert_error_shape(response, 400, "invalid_input")
    assert body["fields"]["uscc"][0].startswith("position ")
    assert body["message"].startswith("uscc: position ")


def test_a_missing_object_is_a_404_in_the_same_shape(world):
    assert_error_shape(world["as_applicant"].get("/api/v1/applications/999999/"), 404, "not_found")


def test_the_schema_and_its_documentation_are_served_without_a_cdn(world):
    client = APIClient()

    schema = client.get(reverse("api_schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")
    docs = client.get(reverse("api_docs"))
    redoc = client.get(reverse("api_redoc"))

    assert schema.status_code == 200
    assert "/api/v1/applications/" in json.loads(schema.content)["paths"]
    for page in (docs, redoc):
        html = page.content.decode()
        assert page.status_code == 200
        assert "/static/drf_spectacular_sidecar/" in html
        assert "cdn" not in html.lower() and "https://" not in html


def test_an_address_no_route_matches_is_a_404_in_the_same_shape(world):
    client = world["as_applicant"]

    assert_error_shape(client.get("/api/v1/no-such-thing/"), 404, "not_found")
    assert_error_shape(client.get("/api/v1/applications/9999999999999999999999/"), 404, "not_found")


def test_a_page_or_page_size_that_is_not_a_whole_number_in_range_is_refused(world):
    client = world["as_applicant"]

    for query in ("page=", "page=0", "page_size=null", "page_size=501"):
        body = assert_error_shape(client.get(f"{ENTERPRISES}?{query}"), 400, "invalid_input")
        assert set(body["fields"]) == {query.split("=")[0]}


def test_text_with_a_nul_or_a_number_for_text_is_refused_by_field(world):
    client = world["as_applicant"]

    nul = client.post(ENTERPRISES, {"uscc": "9144\x00", "relation": "authorised_agent"}, format="json")
    number = client.post(ENTERPRISES, {"uscc": 914403001922038216, "relation": "authorised_agent"}, format="json")

    assert "NUL" in assert_error_shape(nul, 400, "invalid_input")["fields"]["uscc"][0]
    assert "JSON string" in assert_error_shape(number, 400, "invalid_input")["fields"]["uscc"][0]


def test_a_page_size_in_other_digits_is_refused_not_a_500(world):
    body = assert_error_shape(world["as_applicant"].get(f"{ENTERPRISES}?page_size=%C2%B2"), 400, "invalid_input")

    assert set(body["fields"]) == {"page_size"}


def test_too_many_query_fields_is_a_400_not_a_500(world, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    query = "&".join(f"f{number}=1" for number in range(20))

    assert_error_shape(world["as_applicant"].get(f"{ENTERPRISES}?{query}"), 400, "bad_request")


def test_a_password_keeps_its_spaces(world):
    world["applicant"].set_password(" spaced out ")
    world["applicant"].save()

    issued = APIClient().post("/api/v1/tokens/", {"username": "zhang", "password": " spaced out "}, format="json")

    assert issued.status_code == 201


# JSON nested too deep: every operation that takes a body, in tests/creditloan/api/test_contract.py.
def test_brackets_inside_strings_do_not_count_as_nesting():
    assert json_depth('{"purpose": "[[[[\\"]]]] {{{{", "list": [[1], {"a": [2]}]}') == 4


def test_text_longer_than_the_schema_allows_is_refused_even_if_trimming_would_shorten_it(world):
    name_most = Bank._meta.get_field("name").max_length
    body = {"code": "LONG", "name": "\n" + "银" * name_most, "contact_email": "a@b.example"}

    answer = world["as_operator"].post("/api/v1/operations/banks/", body, format="json")

    assert answer.status_code == 400
    assert list(answer.json()["fields"]) == ["name"]
    assert not Bank.objects.filter(code="LONG").exists()
