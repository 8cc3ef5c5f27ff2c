"""A token verified once is remembered by the process, and every change to it or its account ends that at once: the
next request is verified in the database again. With the cache down, every request is verified in the database."""

import datetime as dt

import pytest
from django.contrib.auth.hashers import make_password
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from creditloan.api import base
from creditloan.credentials import credentials_version
from creditloan.models import ApiToken, User
from tests.creditloan.api.test_errors_and_auth import assert_error_shape

# An applicant asking for the officers' queue: refused (403) once the token is verified, with no query of its own,
# so the queries counted are the token's verification alone.
OFFICERS_ONLY = "/api/v1/offers/"
DEAD_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        # Nothing listens on port 1: every read and write of the cache fails at once.
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
    }
}


@pytest.fixture
def remembered(settings):
    """Tokens remembered, as in production with Redis; the suite's own cache (Redis in CI, memory otherwise)."""
    settings.API_TOKENS_REMEMBERED = True
    settings.API_TOKEN_REMEMBER_SECONDS = 30


def queries_of(client, path=OFFICERS_ONLY) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        status = client.get(path).status_code
    return status, len(queries)


def test_a_token_verified_once_is_not_read_again_from_the_database(world, remembered):
    client = world["as_applicant"]

    first = queries_of(client)
    second = queries_of(client)

    assert first[0] == second[0] == 403
    assert first[1] >= 1
    assert second == (403, 0)


def test_revoking_a_token_refuses_it_on_the_next_request(world, remembered):
    client = world["as_applicant"]
    token = ApiToken.objects.get(user=world["applicant"])
    queries_of(client)

    client.post(f"/api/v1/tokens/{token.pk}/revoke/")

    assert "revoked" in assert_error_shape(client.get(OFFICERS_ONLY), 401, "authentication_failed")["message"]


def test_a_new_password_ends_the_tokens_issued_before_it(world, remembered):
    client = world["as_applicant"]
    queries_of(client)
    applicant = User.objects.get(pk=world["applicant"].pk)

    applicant.set_password("a-new-password-2026")
    applicant.save()

    assert "password" in assert_error_shape(client.get(OFFICERS_ONLY), 401, "authentication_failed")["message"]


def test_a_deactivated_account_is_refused_on_the_next_request(world, remembered):
    client = world["as_applicant"]
    queries_of(client)
    applicant = User.objects.get(pk=world["applicant"].pk)

    applicant.is_active = False
    applicant.save(update_fields=["is_active"])

    assert_error_shape(client.get(OFFICERS_ONLY), 401, "authentication_failed")


def test_a_token_deleted_is_refused_on_the_next_request(world, remembered):
    client = world["as_applicant"]
    queries_of(client)

    ApiToken.objects.get(user=world["applicant"]).delete()

    assert "Unknown" in assert_error_shape(client.get(OFFICERS_ONLY), 401, "authentication_failed")["message"]


def test_a_change_replaces_the_version_again_once_it_commits(world, remembered, django_capture_on_commit_callbacks):
    token = ApiToken.objects.get(user=world["applicant"])
    queries_of(world["as_applicant"])
    remembered_under = credentials_version(token.digest)

    with django_capture_on_commit_callbacks(execute=True):
        token.name = "renamed"
        token.save(update_fields=["name"])
        when_written = credentials_version(token.digest)

    assert remembered_under not in (None, when_written)
    assert credentials_version(token.digest) not in (None, when_written, remembered_under)


def test_a_token_that_expires_while_remembered_is_refused(world, remembered, monkeypatch):
    client = world["as_applicant"]
    queries_of(client)
    token = ApiToken.objects.get(user=world["applicant"])
    # Time passes beyond the token's expiry: nothing is written, so no version is replaced.
    later = token.expires_at + dt.timedelta(minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: later)

    assert "expired" in assert_error_shape(client.get(OFFICERS_ONLY), 401, "authentication_failed")["message"]


def test_a_change_the_cache_never_heard_of_takes_effect_once_the_memory_expires(world, remembered, settings):
    client = world["as_applicant"]
    queries_of(client)
    token = ApiToken.objects.get(user=world["applicant"])
    # A revocation while the cache could not be reached: nothing replaced the version.
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    settings.API_TOKEN_REMEMBER_SECONDS = 0

    assert "revoked" in assert_error_shape(client.get(OFFICERS_ONLY), 401, "authentication_failed")["message"]


def test_with_the_cache_down_every_request_is_verified_in_the_database(world, remembered, settings):
    settings.CACHES = DEAD_REDIS
    client = world["as_applicant"]
    token = ApiToken.objects.get(user=world["applicant"])

    first = queries_of(client)
    second = queries_of(client)
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])  # the cache cannot be told; the database is asked anyway

    assert first[0] == second[0] == 403
    assert second[1] >= 1
    assert "revoked" in assert_error_shape(client.get(OFFICERS_ONLY), 401, "authentication_failed")["message"]


def test_without_a_shared_cache_tokens_are_not_remembered(world, settings):
    settings.API_TOKENS_REMEMBERED = False
    client = world["as_applicant"]

    queries_of(client)

    assert queries_of(client)[1] >= 1


def test_the_account_a_request_gets_is_its_own_copy(world, remembered):
    """Whatever a view caches on the user it was handed does not reach the next request."""
    client = world["as_applicant"]
    queries_of(client)
    digest = next(iter(base._remembered))
    first = base._remembered_token(digest, timezone.now())
    first.user.password = make_password("changed-in-a-view")

    second = base._remembered_token(digest, timezone.now())

    assert second.user is not first.user
    assert second.user.password != first.user.password


def test_a_version_the_cache_no_longer_holds_sends_the_next_request_to_the_database(world, remembered):
    """Expired after VERSION_KEPT_SECONDS, or lost with a Redis that restarted empty: gone is changed."""
    client = world["as_applicant"]
    queries_of(client)
    digest = ApiToken.objects.get(user=world["applicant"]).digest

    cache.delete(f"credentials:{digest}")

    assert queries_of(client)[1] >= 1
    assert queries_of(client) == (403, 0)
