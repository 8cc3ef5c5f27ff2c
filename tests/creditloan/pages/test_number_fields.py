"""The pages read numbers and dates as the API and the services do (creditloan/values.py): the eligibility
preview refuses what submitting refuses, in the same words, and other digits are refused, not guessed at."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from creditloan.models import Application, Authorisation
from matching.models import MatchingSettings
from tests.factories import offer_world

TERMS = {"amount": "300000", "term_months": "12", "purpose": "采购原材料", "guarantee_mode": "credit"}


@pytest.fixture
def world(db):
    return offer_world()


def apply(client, world, **changes):
    client.force_login(world["applicant"])
    return client.post(reverse("applicant:apply", args=[world["firm"].pk]), TERMS | changes)


@pytest.mark.parametrize("amount", ["-1", "0", "-500000"])
def test_the_preview_refuses_an_amount_submitting_refuses_with_the_same_message(client, world, amount):
    previewed = apply(client, world, amount=amount)
    submitted = apply(client, world, amount=amount, submit="1")

    message = f"{amount} yuan is outside 10,000–100,000,000"
    assert previewed.context["form"].errors == {"amount": [message]}
    assert submitted.context["form"].errors == {"amount": [message]}
    assert previewed.context["preview"] is None
    assert Application.objects.count() == 1  # the world's own


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("１００００００", "'１００００００': write digits as 0–9 (half-width), not ０–９ or another script's"),
        ("1_000_000", "'1_000_000': write the number without underscores"),
        ("5e5", "'5e5': write the number out in digits, without an exponent"),
    ],
)
def test_submitting_refuses_an_amount_in_other_digits_underscores_or_an_exponent(client, world, amount, message):
    submitted = apply(client, world, amount=amount, submit="1")

    assert submitted.status_code == 200
    assert submitted.context["form"].errors == {"amount": [message]}
    assert Application.objects.count() == 1


def test_submitting_takes_an_amount_with_thousands_separators(client, world):
    submitted = apply(client, world, amount="1,000,000", submit="1")

    application = Application.objects.latest("pk")
    assert submitted.status_code == 302
    assert application.amount == Decimal("1000000")


def test_submitting_refuses_a_term_in_full_width_digits(client, world):
    submitted = apply(client, world, term_months="１２", submit="1")

    assert submitted.context["form"].errors == {
        "term_months": ["'１２': write digits as 0–9 (half-width), not ０–９ or another script's"]
    }
    assert Application.objects.count() == 1


def test_a_consent_expiry_in_full_width_digits_is_refused(client, world):
    client.force_login(world["applicant"])
    bank = world["products"]["A"].bank
    grant = {"enterprise": world["firm"].pk, "sources": ["tax"], "purpose": "financing", "banks": [bank.pk]}
    before = Authorisation.objects.count()

    refused = client.post(reverse("applicant:authorisations"), grant | {"expires_on": "２０２７-０６-０１"})
    expires = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    granted = client.post(reverse("applicant:authorisations"), grant | {"expires_on": expires})

    assert refused.context["form"].errors == {
        "expires_on": ["'２０２７-０６-０１': write digits as 0–9 (half-width), not ０–９ or another script's"]
    }
    assert granted.status_code == 302
    assert Authorisation.objects.count() == before + 1


def test_ranking_weights_of_1e308_are_refused_on_the_operators_page(client, world):
    client.force_login(world["operator"])
    versions = MatchingSettings.objects.count()
    weights = {"approval": "1e308", "price": "179769313486231570" + "0" * 291, "fit": "0.1", "response": "0.1"}

    refused = client.post(reverse("operator:weights"), weights | {"top_k": "2", "publish": "1"})

    assert refused.context["form"].errors == {
        "approval": ["'1e308': write the number out in digits, without an exponent"],
        "price": [f"{weights['price']} is not a weight from 0 to 100"],
    }
    assert MatchingSettings.objects.count() == versions
