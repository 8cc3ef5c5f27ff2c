"""While the database cannot be reached, a request gets a clean 503 with Retry-After, not a traceback, and once
it is back the next request is served on a fresh connection.

The outage is real: the connection is closed and pointed at a port where nothing listens, so every query fails
as it does while PostgreSQL restarts. That needs a database a test can disconnect from and find again, so
PostgreSQL (SQLite's in-memory test database would be gone with its connection)."""

import socket
from contextlib import contextmanager

import pytest
from django.db import connection
from django.test import Client

from tests.creditloan.api.conftest import client_for
from tests.factories import offer_world

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world():
    return offer_world()


@contextmanager
def database_unreachable():
    """Nothing listens on the port the connection uses until the block ends."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    real_port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = closed_port
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["PORT"] = real_port


def test_an_api_request_while_the_database_is_down_gets_a_503_in_the_error_shape(world):
    applicant_api = client_for(world["applicant"])

    with database_unreachable():
        response = applicant_api.get("/api/v1/applications/")

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json() == {
        "code": "service_unavailable",
        "message": "The service is briefly unavailable; please try again in a moment.",
        "fields": {},
    }


def test_a_page_while_the_database_is_down_gets_a_503_page_that_says_to_try_again(world):
    browser = Client(raise_request_exception=False)
    browser.force_login(world["applicant"])

    with database_unreachable():
        response = browser.get("/", HTTP_ACCEPT_LANGUAGE="en")

    page = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "<h1>Briefly unavailable</h1>" in page
    assert "Traceback" not in page


def test_the_first_request_after_the_database_returns_is_served(world):
    applicant_api = client_for(world["applicant"])
    with database_unreachable():
        assert applicant_api.get("/api/v1/applications/").status_code == 503

    response = applicant_api.get("/api/v1/applications/")

    assert response.status_code == 200
