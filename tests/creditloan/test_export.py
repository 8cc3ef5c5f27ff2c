"""A firm can take away everything the platform holds about it, and nobody else can."""

import json

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from creditloan.models import User
from creditloan.services import api_token_issue, dispute_raise
from matching.services import offer_profile_open
from tests.factories import TaxRecordFactory, consent, offer_world, score_of


@pytest.fixture
def world(db):
    world = offer_world()
    firm = world["firm"]
    firm.legal_representative_id = "11010519491231002X"
    firm.save()
    record = TaxRecordFactory(enterprise=firm)
    consent(firm, banks=[world["products"]["A"].bank], by=world["applicant"])
    score_of(world["application"])
    dispute_raise(user=world["applicant"], enterprise=firm, source="tax", record_id=record.pk, reason="评级有误")
    return world | {"record": record}


def test_the_export_holds_the_firm_its_records_consents_applications_disputes_and_looks(client, world):
    offer_profile_open(offer=world["offer"], viewer=world["officer_a"])
    client.force_login(world["applicant"])

    response = client.get(reverse("applicant:enterprise_export", args=[world["firm"].pk]))
    export = json.loads(response.content)

    assert response["Content-Disposition"].startswith('attachment; filename="xinyidai-914403001922038216-')
    assert export["enterprise"]["uscc"] == "914403001922038216"
    assert export["enterprise"]["legal_representative_id"] == "110***********002X"
    assert [row["id"] for row in export["records"]["tax"]] == [world["record"].pk]
    assert export["records"]["tax"][0]["tax_paid"] == "80000.00"
    assert export["authorisations"][0]["banks"] == ["A"] and export["authorisations"][0]["text"]
    (application,) = export["applications"]
    assert application["id"] == world["application"].pk
    assert [offer["id"] for offer in application["offers"]] == [world["offer"].pk]
    assert application["scores"][0]["grade"] == "B"
    assert export["disputes"][0]["reason"] == "评级有误"
    assert [(look["by"], look["purpose"]) for look in export["access_log"]] == [("A", "offer_review")]


def test_nobody_but_the_firms_own_people_gets_the_export(client, world):
    stranger = User.objects.create_user(username="li-applicant", role="applicant")
    client.force_login(stranger)

    assert client.get(reverse("applicant:enterprise_export", args=[world["firm"].pk])).status_code == 404


def test_the_api_gives_the_same_export(world):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token_issue(user=world['applicant'], name='t')[1]}")

    export = api.get(f"/api/v1/enterprises/{world['firm'].pk}/export/").json()

    assert export["enterprise"]["uscc"] == "914403001922038216"
    assert set(export) == {
        "exported_at",
        "enterprise",
        "records",
        "authorisations",
        "applications",
        "disputes",
        "knockout_reviews",
        "access_log",
    }
