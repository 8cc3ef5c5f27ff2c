"""An applicant's API: their own firms and nothing else, applications submitted once per Idempotency-Key,
consent, disputes, the credit report and who looked at their data."""

import datetime as dt

import pytest
from django.utils import timezone

from creditloan.models import AccessLog, Application, Authorisation, Dispute
from creditloan.services import idempotency_records_prune
from creditloan.tasks import prune_idempotency_records
from tests.concurrency import at_once
from tests.creditloan.api.conftest import client_for
from tests.factories import TaxRecordFactory

SUBMIT = {"amount": "300000.00", "term_months": 12, "purpose": "采购原材料", "guarantee_mode": "credit"}


def test_the_applicant_lists_their_own_firms_and_asks_to_act_for_another_as_its_agent(world):
    client = world["as_applicant"]

    mine = client.get("/api/v1/enterprises/").json()
    asked = client.post(
        "/api/v1/enterprises/", {"uscc": world["other_firm"].uscc, "relation": "authorised_agent"}, format="json"
    )

    assert [firm["uscc"] for firm in mine["results"]] == [world["firm"].uscc]
    assert mine["results"][0]["may_view_report"] is True
    assert asked.status_code == 201
    assert asked.json()["relation"] == "authorised_agent"
    assert asked.json()["membership_status"] == "pending"
    # Until the other firm's legal representative approves, nothing of it is told, nor listed.
    assert world["other_firm"].name not in asked.content.decode()
    assert client.get("/api/v1/enterprises/").json()["count"] == 1


def test_another_applicants_firm_is_not_found_anywhere(world):
    client, theirs = world["as_other_applicant"], world["firm"].pk

    for path in ("", "credit-report/", "access-log/"):
        assert client.get(f"/api/v1/enterprises/{theirs}/{path}").status_code == 404
    terms = {"amount": "300000", "term_months": 12, "guarantee_mode": "credit"}
    assert client.post(f"/api/v1/enterprises/{theirs}/eligibility/", terms, format="json").status_code == 404
    assert client.get(f"/api/v1/applications/{world['application'].pk}/").status_code == 404
    assert client.get("/api/v1/applications/").json()["count"] == 0
    refused = client.post("/api/v1/applications/", SUBMIT | {"enterprise": theirs}, format="json")
    assert refused.status_code == 404
    assert Application.objects.count() == 1


def test_an_application_submitted_twice_with_one_key_is_stored_once_and_answered_the_same(world):
    client = world["as_applicant"]
    body = SUBMIT | {"enterprise": world["firm"].pk}

    first = client.post("/api/v1/applications/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post("/api/v1/applications/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Application.objects.filter(purpose="采购原材料").count() == 1


def test_without_a_key_a_second_submission_is_a_second_application(world):
    client = world["as_applicant"]
    body = SUBMIT | {"enterprise": world["firm"].pk}

    client.post("/api/v1/applications/", body, format="json")
    client.post("/api/v1/applications/", body, format="json")

    assert Application.objects.filter(purpose="采购原材料").count() == 2


def test_a_key_reused_for_a_different_request_is_refused_and_changes_nothing(world):
    client = world["as_applicant"]
    body = SUBMIT | {"enterprise": world["firm"].pk}
    client.post("/api/v1/applications/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-2")

    reused = client.post(
        "/api/v1/applications/", body | {"amount": "400000.00"}, format="json", HTTP_IDEMPOTENCY_KEY="k-2"
    )

    assert reused.status_code == 422
    assert reused.json()["code"] == "idempotency_key_reused"
    assert Application.objects.filter(purpose="采购原材料").count() == 1


def test_a_refused_submission_keeps_no_key_so_the_corrected_retry_goes_through(world):
    client = world["as_applicant"]
    body = SUBMIT | {"enterprise": world["firm"].pk}

    refused = client.post("/api/v1/applications/", body | {"term_months": 0}, format="json", HTTP_IDEMPOTENCY_KEY="k-3")
    retried = client.post("/api/v1/applications/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-3")

    assert refused.status_code == 400 and "term_months" in refused.json()["fields"]
    assert retried.status_code == 201


def test_the_applicant_follows_an_application_with_its_offers_and_withdraws_it(world):
    client, application = world["as_applicant"], world["application"]

    seen = client.get(f"/api/v1/applications/{application.pk}/").json()
    withdrawn = client.post(f"/api/v1/applications/{application.pk}/withdraw/")
    again = client.post(f"/api/v1/applications/{application.pk}/withdraw/")

    assert [offer["bank"] for offer in seen["offers"]] == ["A"]
    assert withdrawn.json()["status"] == "withdrawn"
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"


def test_applications_filter_by_status_and_order_by_amount(world):
    client = world["as_applicant"]
    client.post("/api/v1/applications/", SUBMIT | {"enterprise": world["firm"].pk}, format="json")

    matched = client.get("/api/v1/applications/?status=matched").json()
    by_amount = client.get("/api/v1/applications/?ordering=amount").json()

    assert [row["id"] for row in matched["results"]] == [world["application"].pk]
    assert [row["amount"] for row in by_amount["results"]] == ["300000.00", "500000.00"]


@pytest.mark.parametrize(("raw", "problem"), [("１", "half-width"), ("abc", "not a whole number"), ("0", "from 1 to")])
def test_a_list_filtered_by_a_firm_id_not_written_as_one_is_refused_saying_why(world, raw, problem):
    answer = world["as_applicant"].get("/api/v1/applications/", {"enterprise": raw})

    assert answer.status_code == 400
    assert problem in answer.json()["fields"]["enterprise"][0]


def test_consent_is_granted_with_its_words_and_revoked(world):
    client = world["as_applicant"]
    bank = world["products"]["A"].bank
    expires = (timezone.localdate() + dt.timedelta(days=30)).isoformat()

    granted = client.post(
        "/api/v1/authorisations/",
        {
            "enterprise": world["firm"].pk,
            "sources": ["tax"],
            "purpose": "financing",
            "banks": [bank.pk],
            "expires_on": expires,
        },
        format="json",
    )
    revoked = client.post(f"/api/v1/authorisations/{granted.json()['id']}/revoke/")

    assert granted.status_code == 201
    assert granted.json()["active"] and granted.json()["banks"] == ["A"]
    assert "授权" in granted.json()["text"]
    assert revoked.json()["active"] is False
    assert world["as_other_applicant"].post(f"/api/v1/authorisations/{granted.json()['id']}/revoke/").status_code == 404
    assert Authorisation.objects.get().revoked_at is not None


def test_the_credit_report_lists_the_records_and_a_record_can_be_disputed(world):
    client, firm = world["as_applicant"], world["firm"]
    record = TaxRecordFactory(enterprise=firm)

    report = client.get(f"/api/v1/enterprises/{firm.pk}/credit-report/").json()
    raised = client.post(
        "/api/v1/disputes/",
        {"enterprise": firm.pk, "source": "tax", "record_id": record.pk, "reason": "评级有误"},
        format="json",
    )
    again = client.post(
        "/api/v1/disputes/",
        {"enterprise": firm.pk, "source": "tax", "record_id": record.pk, "reason": "评级有误"},
        format="json",
    )

    assert report["score"] is None  # no model promoted in this world
    assert [(row["source"], row["data"]["rating"]) for row in report["records"]] == [("tax", "C")]
    assert raised.status_code == 201 and raised.json()["status"] == "open"
    assert again.status_code == 409 and again.json()["fields"] == {
        "record": ["a dispute of this record is already open"]
    }
    assert Dispute.objects.count() == 1
    after = client.get(f"/api/v1/enterprises/{firm.pk}/credit-report/").json()
    assert after["records"][0]["dispute_status"] == "open"


def test_the_applicant_sees_who_looked_at_their_data(world):
    world["as_officer_a"].get(f"/api/v1/offers/{world['offer'].pk}/")

    log = world["as_applicant"].get(f"/api/v1/enterprises/{world['firm'].pk}/access-log/").json()

    assert log["count"] == AccessLog.objects.count() == 1
    assert log["results"][0]["bank"] == "A"
    assert log["results"][0]["reference"] == f"offer #{world['offer'].pk}"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_submissions_at_the_same_moment_with_one_key_make_one_application(world):
    body = SUBMIT | {"enterprise": world["firm"].pk}
    clients = [client_for(world["applicant"]) for _ in range(4)]

    answers = at_once(
        [
            lambda client=client: client.post("/api/v1/applications/", body, format="json", HTTP_IDEMPOTENCY_KEY="same")
            for client in clients
        ]
    )

    assert [answer.status_code for answer in answers] == [201] * 4
    assert len({answer.json()["id"] for answer in answers}) == 1
    assert Application.objects.filter(purpose="采购原材料").count() == 1


def test_a_keys_answer_is_forgotten_after_its_keeping_time_and_the_key_then_makes_a_new_application(world, settings):
    settings.IDEMPOTENCY_KEEP_HOURS = 24
    client = world["as_applicant"]
    body = SUBMIT | {"enterprise": world["firm"].pk}
    first = client.post("/api/v1/applications/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-old")

    kept = prune_idempotency_records()  # the beat task, run in this process
    pruned = idempotency_records_prune(now=timezone.now() + dt.timedelta(hours=25))
    later = client.post("/api/v1/applications/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-old")

    assert (kept, pruned) == (0, 1)
    assert later.status_code == 201 and later.json()["id"] != first.json()["id"]
