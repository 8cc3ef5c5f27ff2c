"""The usual web defences: a login locked after repeated failures for one username from one address, sessions
that end after 30 idle minutes and 12 hours in all, a new session key at login, tokens that end with a password
change, and CSRF on every write a cookie authenticates."""

import datetime as dt
import time

import pytest
from axes.models import AccessAttempt
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from creditloan.middleware import LAST_SEEN_AT, SIGNED_IN_AT, client_address
from creditloan.models import User
from creditloan.services import api_token_issue

PASSWORD = "pw-zhang-123"


@pytest.fixture
def person(db):
    return User.objects.create_user(username="zhang", password=PASSWORD, role="applicant")


def log_in(client, password, *, address="10.0.0.1", username="zhang"):
    return client.post(reverse("accounts:login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def fail(client, times, **where):
    """Wrong passwords: the form again with its error, until the one that reaches the limit locks."""
    answers = [log_in(client, "wrong-password", **where).status_code for _ in range(times)]
    assert answers == [200] * min(times, 4) + [429] * max(times - 4, 0)


def test_five_wrong_passwords_lock_that_username_from_that_address(client, person):
    fail(client, 5)

    locked = log_in(client, PASSWORD)

    assert locked.status_code == 429
    assert "Try again in 15 minutes" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_lockout_holds_neither_the_address_for_others_nor_the_username_elsewhere(client, person):
    User.objects.create_user(username="li", password=PASSWORD, role="applicant")
    fail(client, 5)

    assert log_in(Client(), PASSWORD, address="10.0.0.2").status_code == 302
    assert log_in(Client(), PASSWORD, username="li").status_code == 302


def test_the_lockout_ends_after_its_cool_off(client, person):
    fail(client, 5)
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=16))

    assert log_in(client, PASSWORD).status_code == 302


def test_a_successful_login_clears_the_failures_before_it(client, person):
    fail(client, 4)
    assert log_in(client, PASSWORD).status_code == 302
    client.logout()

    fail(client, 4)
    assert log_in(client, PASSWORD).status_code == 302


def test_the_token_endpoint_is_locked_with_the_login_page_and_says_so_in_the_apis_shape(person):
    api = APIClient(REMOTE_ADDR="10.0.0.1")
    answers = [
        api.post("/api/v1/tokens/", {"username": "zhang", "password": "nope"}, format="json").status_code
        for _ in range(5)
    ]
    assert answers == [400, 400, 400, 400, 429]

    locked = api.post("/api/v1/tokens/", {"username": "zhang", "password": PASSWORD}, format="json")

    assert locked.status_code == 429
    assert locked.json()["code"] == "locked_out"
    assert "15 minutes" in locked.json()["message"]


def test_logging_in_gives_the_session_a_new_key(client, person):
    session = client.session
    session["seen_before_login"] = True
    session.save()
    before = session.session_key

    log_in(client, PASSWORD)

    assert client.session.session_key != before
    assert client.session["_auth_user_id"] == str(person.pk)


def signed_in(client, person, **clocks) -> Client:
    log_in(client, PASSWORD)
    session = client.session
    for name, seconds_ago in clocks.items():
        session[name] = int(time.time()) - seconds_ago
    session.save()
    return client


@pytest.mark.parametrize(
    ("clocks", "signed_out"),
    [
        ({LAST_SEEN_AT: 29 * 60}, False),
        ({LAST_SEEN_AT: 31 * 60}, True),
        ({SIGNED_IN_AT: 11 * 3600, LAST_SEEN_AT: 60}, False),
        ({SIGNED_IN_AT: 12 * 3600 + 60, LAST_SEEN_AT: 60}, True),
    ],
)
def test_a_session_ends_after_30_idle_minutes_or_12_hours_in_all(client, person, clocks, signed_out):
    signed_in(client, person, **clocks)

    page = client.get(reverse("applicant:home"))

    assert (page.status_code == 302 and page.url.startswith(reverse("accounts:login"))) == signed_out
    assert ("_auth_user_id" not in client.session) == signed_out


def test_each_request_moves_the_idle_clock_on(client, person):
    signed_in(client, person, **{LAST_SEEN_AT: 20 * 60})

    client.get(reverse("applicant:home"))

    assert int(time.time()) - client.session[LAST_SEEN_AT] < 5


def test_a_new_password_ends_the_tokens_issued_before_it(person):
    _, raw = api_token_issue(user=person, name="old")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.get("/api/v1/enterprises/").status_code == 200

    person.set_password("a-new-password-456")
    person.save()

    refused = api.get("/api/v1/enterprises/")
    assert refused.status_code == 401
    assert "password changed" in refused.json()["message"]


def test_a_write_authenticated_by_the_session_cookie_needs_the_csrf_token(person):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(person)

    page_write = browser.post(reverse("applicant:enterprise_add"), {"uscc": "914403001922038216"})
    api_write = browser.post("/api/v1/enterprises/", {"uscc": "914403001922038216"}, content_type="application/json")

    assert page_write.status_code == 403
    assert api_write.status_code == 403


NGINX = ["127.0.0.1"]
NGINX_AND_BALANCER = ["127.0.0.1", "10.20.0.0/16"]


@pytest.mark.parametrize(
    ("proxies", "peer", "forwarded", "address"),
    [
        ([], "10.0.0.1", "203.0.113.9", "10.0.0.1"),  # no proxy of ours: the header is the client's own words
        (NGINX, "127.0.0.1", "203.0.113.9", "203.0.113.9"),
        (NGINX, "127.0.0.1", "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # a forged first entry is not believed
        (NGINX, "127.0.0.1", "", "127.0.0.1"),
        (NGINX, "127.0.0.1", "not-an-address", "127.0.0.1"),
        # The node reached directly, not through nginx: whatever the header says, the peer is the client.
        (NGINX, "198.51.100.20", "203.0.113.9", "198.51.100.20"),
        (NGINX_AND_BALANCER, "127.0.0.1", "6.6.6.6, 203.0.113.9, 10.20.3.4", "203.0.113.9"),
        (NGINX_AND_BALANCER, "127.0.0.1", "10.20.3.4", "10.20.3.4"),  # nothing in front of the balancer
        (["::1"], "::1", "2001:db8::7", "2001:db8::7"),
    ],
)
def test_the_lockout_keys_on_the_address_our_own_proxies_saw(settings, rf, proxies, peer, forwarded, address):
    settings.TRUSTED_PROXIES = proxies
    request = rf.post("/login/", REMOTE_ADDR=peer, HTTP_X_FORWARDED_FOR=forwarded)

    assert client_address(request) == address


def test_a_new_forged_address_per_try_does_not_escape_the_lockout_when_the_node_is_reached_directly(
    client, person, settings
):
    settings.TRUSTED_PROXIES = NGINX
    answers = [
        client.post(
            reverse("accounts:login"),
            {"username": "zhang", "password": "wrong"},
            REMOTE_ADDR="198.51.100.20",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{attempt}",
        ).status_code
        for attempt in range(6)
    ]

    assert answers[-1] == 429


def test_a_proxy_setting_that_is_not_an_address_stops_the_start(monkeypatch):
    from creditloan.settings.base import trusted_proxies

    monkeypatch.setenv("DJANGO_TRUSTED_PROXIES", "127.0.0.1,nginx.internal")

    with pytest.raises(ImproperlyConfigured, match="nginx.internal"):
        trusted_proxies(default=[])


def test_behind_a_proxy_a_forged_address_cannot_lock_another_person_out(client, person, settings):
    settings.TRUSTED_PROXIES = NGINX
    for _ in range(5):
        client.post(
            reverse("accounts:login"),
            {"username": "zhang", "password": "wrong"},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR="198.51.100.7, 198.51.100.66",  # the attacker, claiming zhang's office
        )

    signed_in = Client().post(
        reverse("accounts:login"),
        {"username": "zhang", "password": PASSWORD},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.7",  # zhang, from that office
    )

    assert signed_in.status_code == 302


def policy(response) -> dict[str, set[str]]:
    header = response.headers["Content-Security-Policy"]
    return {name: set(sources) for name, *sources in (part.split() for part in header.split(";") if part.strip())}


@pytest.mark.parametrize("page", ["accounts:login", "accounts:signup", "api_docs", "api_redoc"])
def test_every_page_forbids_inline_and_foreign_scripts_and_being_framed(client, page):
    directives = policy(client.get(reverse(page)))

    assert directives["script-src"] == {"'self'"}
    assert directives["frame-ancestors"] == {"'none'"}
    assert directives["object-src"] == {"'none'"}
    assert directives["form-action"] == {"'self'"}


def test_only_the_api_docs_may_use_inline_styles(client):
    assert policy(client.get(reverse("accounts:login")))["style-src"] == {"'self'"}
    assert policy(client.get(reverse("api_docs")))["style-src"] == {"'self'", "'unsafe-inline'"}


def test_swagger_ui_is_set_up_by_a_script_of_the_site_not_an_inline_one(client):
    page = client.get(reverse("api_docs")).content.decode()
    script = client.get(reverse("api_docs") + "?script=")

    assert "<script>" not in page
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.content.decode()
