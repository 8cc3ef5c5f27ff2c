"""Signing in through Django's test client: a user name no account could have is refused before it is tried."""

import pytest
from axes.models import AccessAttempt
from django.urls import reverse


@pytest.mark.parametrize("page", ["accounts:login", "admin:login"])
def test_a_user_name_longer_than_any_accounts_is_refused_by_the_sign_in_form_before_it_is_tried(client, db, page):
    """Not tried, so not recorded as a failed sign-in in django-axes' 255-character column, which PostgreSQL
    would refuse with an error."""
    answer = client.post(reverse(page), {"username": "x" * 10_000, "password": "whatever"})

    assert answer.status_code == 200
    assert "username" in answer.context["form"].errors
    assert not AccessAttempt.objects.exists()
