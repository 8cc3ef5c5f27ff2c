"""The API reads numbers and dates as the pages and the services do (creditloan/values.py): the eligibility
preview refuses what submitting refuses, in the same words, and other digits are refused, not guessed at."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from creditloan.models import Application, Authorisation
from matching.models import MatchingSettings

TERMS = {"amount": "300000", "term_months": 12, "guarantee_mode": "credit"}
DIGITS = "write digits as 0–9 (half-width), not ０–９ or another script's"


def preview(world, **changes):
    firm = world["firm"].pk
    return world["as_applicant"].post(f"/api/v1/enterprises/{firm}/eligibility/", TERMS | changes, format="json")


def submit(world, **changes):
    body = TERMS | {"enterprise": world["firm"].pk, "purpose": "采购原材料"} | changes
    return world["as_applicant"].post("/api/v1/applications/", body, format="json")


@pytest.mark.parametrize("amount", ["-1", "0", "-500000", -1, 0, -500000])
def test_the_preview_refuses_an_amount_submitting_refuses_with_the_same_message(world, amount):
    previewed = preview(world, amount=amount)
    submitted = submit(world, amount=amount)

    message = f"{amount} yuan is outside 10,000–100,000,000"
    assert previewed.status_code == submitted.status_code == 400
    assert previewed.json()["fields"] == submitted.json()["fields"] == {"amount": [message]}
    assert Application.objects.count() == 1  # the world's own


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("１００００００", f"'１００００００': {DIGITS}"),
        ("1_000_000", "'1_000_000': write the number without underscores"),
        ("5e5", "'5e5': write the number out in digits, without an exponent"),
        ("NaN", "'NaN' is not a number"),
    ],
)
def test_submitting_refuses_an_amount_in_other_digits_underscores_or_an_exponent(world, amount, message):
    submitted = submit(world, amount=amount)

    assert submitted.status_code == 400
    assert submitted.json()["fields"] == {"amount": [message]}
    assert Application.objects.count() == 1


def test_submitting_takes_an_amount_with_thousands_separators(world):
    submitted = submit(world, amount="1,000,000")

    assert submitted.status_code == 201
    assert submitted.json()["amount"] == "1000000.00"
    assert Application.objects.get(pk=submitted.json()["id"]).amount == Decimal("1000000")


@pytest.mark.parametrize(("term", "message"), [("１２", f"'１２': {DIGITS}"), (12.5, "'12.5' is not a whole number")])
def test_submitting_refuses_a_term_that_is_not_a_whole_number_in_ascii_digits(world, term, message):
    submitted = submit(world, term_months=term)

    assert submitted.status_code == 400
    assert submitted.json()["fields"] == {"term_months": [message]}


def test_a_consent_expiry_in_full_width_digits_is_refused(world):
    bank = world["products"]["A"].bank
    grant = {"enterprise": world["firm"].pk, "sources": ["tax"], "purpose": "financing", "banks": [bank.pk]}
    before = Authorisation.objects.count()

    client = world["as_applicant"]

    refused = client.post("/api/v1/authorisations/", grant | {"expires_on": "２０２７-０６-０１"}, format="json")
    expires = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    granted = client.post("/api/v1/authorisations/", grant | {"expires_on": expires}, format="json")

    assert refused.status_code == 400
    assert refused.json()["fields"] == {"expires_on": [f"'２０２７-０６-０１': {DIGITS}"]}
    assert granted.status_code == 201
    assert Authorisation.objects.count() == before + 1


def test_a_firm_id_in_full_width_digits_is_refused(world):
    submitted = submit(world, enterprise="１")

    assert submitted.status_code == 400
    assert submitted.json()["fields"] == {"enterprise": [f"'１': {DIGITS}"]}


@pytest.mark.parametrize("path", ["/api/v1/operations/weights/", "/api/v1/operations/weights/preview/"])
def test_ranking_weights_of_1e308_are_refused_before_they_overflow_the_ranking(world, path):
    versions = MatchingSettings.objects.count()
    weights = {"approval": 1e308, "price": 1e308, "fit": 0.1, "response": 0.1, "top_k": 2}

    refused = world["as_operator"].post(path, weights, format="json")

    assert refused.status_code == 400
    assert refused.json()["fields"] == {
        "approval": ["1e+308 is not a weight from 0 to 100"],
        "price": ["1e+308 is not a weight from 0 to 100"],
    }
    assert MatchingSettings.objects.count() == versions


def test_an_approval_rate_written_as_a_percentage_is_refused_saying_how_to_write_it(world):
    offer = world["offer"]
    client = world["as_officer_a"]
    client.post(f"/api/v1/offers/{offer.pk}/accept/")

    terms = {"amount": "500,000", "annual_rate": "4.5", "term_months": 12}

    refused = client.post(f"/api/v1/offers/{offer.pk}/approve/", terms, format="json")

    assert refused.status_code == 400
    assert refused.json()["fields"] == {"annual_rate": ["4.5 is not a rate from 0 to below 1 (write 4.50% as 0.0450)"]}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("amount_max", "５000000", f"'５000000': {DIGITS}"),
        ("rate_min", "1e-2", "'1e-2': write the number out in digits, without an exponent"),
        ("term_max_months", 361, "361 is not a whole number from 1 to 360"),
        ("max_probability_of_default", 1.5, "1.5 is outside 0–1"),
    ],
)
def test_a_products_numbers_are_read_as_everywhere_else(world, field, value, message):
    product = world["products"]["A"]

    refused = world["as_operator"].patch(f"/api/v1/operations/products/{product.pk}/", {field: value}, format="json")

    assert refused.status_code == 400
    assert refused.json()["fields"] == {field: [message]}
