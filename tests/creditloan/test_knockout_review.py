"""Human review of an automated knock-out (人工复核): the applicant asks, an operator answers within 15 days;
overturned, the rule is waived for that application and it is matched; upheld, it stays as it was."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from creditloan.errors import DomainError
from creditloan.flows.applications import knockout_review_request, knockout_review_resolve
from creditloan.models import AccessLog, Application, KnockOutReview, User
from creditloan.models.accounts import Role
from creditloan.services import api_token_issue
from tests.factories import (
    BankFactory,
    EnterpriseFactory,
    LoanProductFactory,
    acting_for,
    consent,
    score_of,
    scored_application,
)

LISTED = [
    {"rule": "dishonest-judgment-debtor", "reason_zh": "失信被执行人", "reason_en": "a dishonest judgment debtor"}
]


@pytest.fixture
def world(db):
    firm = EnterpriseFactory()
    applicant = acting_for(firm)
    applicant.email = "zhang@example.com"
    applicant.save()
    LoanProductFactory(bank=BankFactory(code="A"))
    consent(firm)
    application = scored_application(firm, status="not_eligible", applicant=applicant)
    score_of(application, exclusions=LISTED)
    return {
        "firm": firm,
        "applicant": applicant,
        "application": application,
        "operator": User.objects.create_user(username="ops", role=Role.OPERATOR),
    }


def ask(world, reason="该记录已于上月履行完毕，正在申请信用修复") -> KnockOutReview:
    return knockout_review_request(user=world["applicant"], application_id=world["application"].pk, reason=reason)


def test_an_applicant_asks_a_person_to_review_the_rule_that_ruled_the_application_out(world):
    review = ask(world)

    assert review.status == "open"
    assert review.rules == LISTED
    assert review.due_on == timezone.localdate() + dt.timedelta(days=15)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"status": "scored"}, "was not ruled out by a policy rule"),
        ({"reason": "  "}, "reason: say why the rule should not apply"),
    ],
)
def test_only_a_knock_out_can_be_reviewed_and_only_with_a_reason(world, change, message):
    Application.objects.filter(pk=world["application"].pk).update(status=change.get("status", "not_eligible"))

    with pytest.raises(DomainError, match=message):
        ask(world, **({"reason": change["reason"]} if "reason" in change else {}))


def test_a_review_is_asked_for_once(world):
    ask(world)

    with pytest.raises(DomainError, match="was asked for on"):
        ask(world)


def test_another_persons_application_cannot_be_put_up_for_review(world):
    stranger = User.objects.create_user(username="li", role=Role.APPLICANT)

    with pytest.raises(DomainError, match="no application"):
        knockout_review_request(user=stranger, application_id=world["application"].pk, reason="x")


def test_an_overturned_knock_out_is_waived_and_the_application_matched(
    world, django_capture_on_commit_callbacks, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = True  # the routing task runs here, as a worker would run it
    review = ask(world)

    with django_capture_on_commit_callbacks(execute=True):
        knockout_review_resolve(
            by=world["operator"], review_id=review.pk, outcome="overturned", resolution="记录已履行，过惩相当"
        )

    application = Application.objects.get(pk=world["application"].pk)
    assert application.status == "matched"
    assert [offer.bank.code for offer in application.offers.all()] == ["A"]


def test_an_upheld_knock_out_leaves_the_application_not_eligible_and_tells_the_applicant(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    review = ask(world)

    with django_capture_on_commit_callbacks(execute=True):
        knockout_review_resolve(by=world["operator"], review_id=review.pk, outcome="upheld", resolution="仍在名单中")

    assert Application.objects.get(pk=world["application"].pk).status == "not_eligible"
    assert "仍在名单中" in mailoutbox[0].body


def test_only_an_operator_answers_and_only_once(world):
    review = ask(world)
    with pytest.raises(DomainError, match="only a platform operator"):
        knockout_review_resolve(by=world["applicant"], review_id=review.pk, outcome="upheld", resolution="x")
    knockout_review_resolve(by=world["operator"], review_id=review.pk, outcome="upheld", resolution="仍在名单中")

    with pytest.raises(DomainError, match="answered already"):
        knockout_review_resolve(by=world["operator"], review_id=review.pk, outcome="overturned", resolution="x")


def test_the_pages_ask_and_answer_and_the_operators_look_is_logged(client, world):
    client.force_login(world["applicant"])
    page = client.get(reverse("applicant:application_detail", args=[world["application"].pk])).content.decode()
    assert "失信被执行人" in page or "a dishonest judgment debtor" in page
    client.post(reverse("applicant:knockout_review_request", args=[world["application"].pk]), {"reason": "已履行完毕"})
    review = KnockOutReview.objects.get()

    client.force_login(world["operator"])
    queue = client.get(reverse("operator:reviews")).content.decode()
    client.post(reverse("operator:reviews"), {"review": review.pk, "outcome": "upheld", "resolution": "仍在名单中"})

    assert "已履行完毕" in queue
    review.refresh_from_db()
    assert review.status == "upheld"
    look = AccessLog.objects.get(purpose="knockout_review")
    assert (look.viewer, look.enterprise_id, look.reference) == (
        world["operator"],
        world["firm"].pk,
        f"review #{review.pk}",
    )


def test_the_api_asks_lists_and_answers(world):
    applicant, operator = APIClient(), APIClient()
    applicant.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token_issue(user=world['applicant'], name='t')[1]}")
    operator.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token_issue(user=world['operator'], name='t')[1]}")

    asked = applicant.post(
        f"/api/v1/applications/{world['application'].pk}/review/", {"reason": "已履行完毕"}, format="json"
    )
    listed = operator.get("/api/v1/operations/reviews/")
    answered = operator.post(
        f"/api/v1/operations/reviews/{asked.json()['id']}/resolve/",
        {"outcome": "upheld", "resolution": "仍在名单中"},
        format="json",
    )

    assert asked.status_code == 201 and asked.json()["rules"] == LISTED and asked.json()["overdue"] is False
    assert [row["id"] for row in listed.json()["results"]] == [asked.json()["id"]]
    assert answered.json()["status"] == "upheld"


def test_a_knocked_out_applications_page_says_why_it_went_to_no_bank_and_not_that_it_is_being_matched(client, world):
    client.force_login(world["applicant"])

    page = client.get(
        reverse("applicant:application_detail", args=[world["application"].pk]), HTTP_ACCEPT_LANGUAGE="en"
    )
    text = page.content.decode()

    assert "Not offered to any bank: a policy rule rules it out (below)." in text
    assert "being scored" not in text and "being matched" not in text
