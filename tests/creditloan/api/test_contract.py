"""The API against its own OpenAPI schema, as each role: Schemathesis generates requests from the schema,
valid and not, and every answer must be no 5xx, conform to the schema (status, content type, body), and be
a 4xx for input the schema rules out. Bounded: a few examples per operation and role.

Then the bodies no generator draws, sent to every operation of the schema that takes a JSON body, anonymously
and as each role: JSON nested too deep to parse, and bodies sent chunked, within the limit and over it."""

import json
import re

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core import signals
from django.db import close_old_connections, transaction
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis import checks

import tests.test_route_isolation as isolation
from creditloan.api.base import JSON_MAX_DEPTH
from creditloan.chunked import body_limit
from creditloan.services import api_token_issue
from creditloan.wsgi import application
from tests.creditloan.api.conftest import gunicorn_request

EXAMPLES_PER_OPERATION = 8


@pytest.fixture
def api_schema(db):
    # Called in-process, the app would close the database connection after each request (Django's
    # close_old_connections), and with it the test's transaction; Django's own test client holds the signal
    # back the same way.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/schema/", application)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture
def tokens(world):
    """A bearer token of each role's account in the API test world."""
    users = {
        "applicant": world["applicant"],
        "bank_officer": world["officer_a"],
        "operator": world["operator"],
    }
    return {role: api_token_issue(user=user, name="contract")[1] for role, user in users.items()}


@pytest.mark.slow
@schema.parametrize()
# Derandomised: CI runs the same examples every time, so a failure is the change's and not the draw's. Run
# with a larger EXAMPLES_PER_OPERATION, or without derandomize, to explore further by hand.
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_the_api_keeps_to_its_schema_for_every_role(case, tokens):
    for token in tokens.values():
        # Left out: "a request the schema allows is accepted". The schema gives the shape; the services
        # judge the meaning (a code's check characters, weights that are not all zero, a firm that is yours,
        # a password), so a well-shaped request may rightly be refused with a 4xx.
        case.call_and_validate(
            headers={"Authorization": f"Bearer {token}"}, excluded_checks=[checks.positive_data_acceptance]
        )


# Bodies no client of this API sends, sent to every operation that takes a JSON body, through the WSGI
# application as a server hands it a request (creditloan/wsgi.py: the layer that reads chunked bodies is there,
# which Django's test client would go around).
JSON_OPERATIONS = sorted(
    (method.upper(), path)
    for path, operations in SchemaGenerator().get_schema(request=None, public=True)["paths"].items()
    for method, operation in operations.items()
    if "application/json" in operation.get("requestBody", {}).get("content", {})
)
DEEP_BODIES = {
    "deep array": "[" * 3000 + "]" * 3000,
    "deep object": '{"a":' * 3000 + "1" + "}" * 3000,
    "one level too deep": '{"a":' * (JSON_MAX_DEPTH + 1) + "1" + "}" * (JSON_MAX_DEPTH + 1),
}
PATH_PARAMETER = re.compile(r"{(\w+)}")

every_kind_of_row = isolation.world


@pytest.fixture
def callers(every_kind_of_row):
    """Anonymous, and a bearer token of each role's account of the isolation test's world."""
    users = isolation.callers(every_kind_of_row)
    return {"anonymous": {}} | {
        role: {"HTTP_AUTHORIZATION": f"Bearer {api_token_issue(user=user, name='bodies')[1]}"}
        for role, user in users.items()
    }


def wsgi_call(method: str, path: str, body: bytes, *, chunked: bool, **headers) -> tuple[int, dict]:
    """A JSON request as gunicorn hands one to the application (see gunicorn_request), in English. Its writes are
    undone after it, so each call meets the same world."""
    with transaction.atomic():
        status, answer = gunicorn_request(
            method,
            path,
            body,
            chunked=chunked,
            **{"HTTP_ACCEPT_LANGUAGE": "en", "CONTENT_TYPE": "application/json"} | headers,
        )
        transaction.set_rollback(True)
    return status, json.loads(answer) if answer else {}


def filled(path: str, world) -> str:
    return PATH_PARAMETER.sub(lambda match: str(world["ids"][match[1]]), path)


def test_every_operation_that_takes_a_json_body_is_tried():
    assert len(JSON_OPERATIONS) > 20 and ("POST", "/api/v1/applications/") in JSON_OPERATIONS


@pytest.mark.parametrize(("method", "path"), JSON_OPERATIONS, ids=[" ".join(op) for op in JSON_OPERATIONS])
def test_json_nested_too_deep_is_refused_with_a_400_by_every_operation_for_every_caller(
    every_kind_of_row, callers, method, path
):
    """Refused before it is parsed (Python's json module would raise RecursionError, a 500): a 400 for whoever
    the operation is for, and the caller's refusal (401, 403) for whoever it is not."""
    url = filled(path, every_kind_of_row)
    parsed_by = []
    for shape, body in DEEP_BODIES.items():
        for caller, headers in callers.items():
            status, answer = wsgi_call(method, url, body.encode(), chunked=False, **headers)

            assert status in (400, 401, 403), (shape, caller, status, answer)
            if status == 400:
                assert answer["code"] == "parse_error", (shape, caller, answer)
                parsed_by.append(caller)
    assert parsed_by, "nobody reached the body: the operation's caller is missing from this test"


UNKNOWN = {"no_such_field": "x"}


@pytest.mark.parametrize(("method", "path"), JSON_OPERATIONS, ids=[" ".join(op) for op in JSON_OPERATIONS])
def test_a_chunked_json_body_is_read_as_the_same_body_with_its_length(every_kind_of_row, callers, method, path):
    """The same body, chunked and not, gets the same answer from every operation for every caller; a field the
    operation does not know is named in it, so the body was read and not taken for an empty one."""
    url = filled(path, every_kind_of_row)
    body = json.dumps(UNKNOWN).encode()
    read_by = []
    for caller, headers in callers.items():
        with_length = wsgi_call(method, url, body, chunked=False, **headers)

        chunked = wsgi_call(method, url, body, chunked=True, **headers)

        assert chunked == with_length, caller
        if chunked[0] == 400:
            assert "no_such_field" in chunked[1]["fields"], (caller, chunked)
            read_by.append(caller)
    assert read_by, "nobody reached the body: the operation's caller is missing from this test"


@pytest.mark.parametrize(("method", "path"), JSON_OPERATIONS, ids=[" ".join(op) for op in JSON_OPERATIONS])
def test_a_chunked_body_over_the_limit_is_a_413(every_kind_of_row, callers, method, path):
    """Over what a request to the API may hold (the chunked layer's bound, before anybody is known), and over
    what a JSON body may hold (the parser's, once the caller is)."""
    url = filled(path, every_kind_of_row)
    over_any = b" " * (body_limit(url) + 1)
    over_json = b" " * (django_settings.API_MAX_BODY_BYTES + 1)
    refused_by = []
    for caller, headers in callers.items():
        status, answer = wsgi_call(method, url, over_any, chunked=True, **headers)

        assert (status, answer["code"]) == (413, "too_large"), caller

        status, answer = wsgi_call(method, url, over_json, chunked=True, **headers)

        assert status in (401, 403, 413), (caller, status, answer)
        if status == 413:
            assert answer["code"] == "too_large", caller
            refused_by.append(caller)
    assert refused_by, "nobody reached the body: the operation's caller is missing from this test"
