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


def test_anyone_may_browse_the_products_with_their_price_and_terms_in_percent(client, world):
    listed = client.get(reverse("accounts:products"), HTTP_ACCEPT_LANGUAGE="zh-hans")

    page = listed.content.decode()
    assert listed.status_code == 200
    assert 'data-product="A-1"' in page and 'data-product="B-1"' in page
    assert "4.00%–8.00%" in page and "¥100,000–¥3,000,000" in page
    assert "0.0400" not in page


def test_the_ticked_products_are_shown_side_by_side(client, world):
    a, b = world["products"]["A"], world["products"]["B"]
    compared = client.get(reverse("accounts:products"), {"compare": [str(b.pk), str(a.pk)]})

    assert [shown["product"].code for shown in compared.context["compared"]] == ["B-1", "A-1"]
    assert 'data-testid="comparison"' in compared.content.decode()


@pytest.mark.parametrize(
    "query",
    [{"sort": "nonsense"}, {"guarantee": "gold"}, {"compare": ["x", "-1", "9" * 40]}, {"sort": ["rate", "amount"]}],
)
def test_an_odd_query_on_the_products_page_shows_the_shelf_not_an_error(client, world, query):
    answer = client.get(reverse("accounts:products"), query)

    assert answer.status_code == 200
    assert len(answer.context["products"]) == 2 and answer.context["compared"] == []


def test_the_products_page_shows_nothing_of_any_firm(client, world):
    page = client.get(reverse("accounts:products")).content.decode()

    firm = world["firm"]
    assert firm.name not in page and firm.uscc not in page
    assert world["applicant"].username not in page
