"""The application flows: each write queues exactly its next step through the outbox, and the services alone
queue nothing. (That the steps then score and route is proven end to end in tests/scoring and tests/matching.)"""

import pytest

from creditloan import services
from creditloan.flows import applications, steps
from creditloan.models import Application, OutboxMessage, User
from creditloan.models.accounts import Role
from tests.factories import BankFactory, LoanProductFactory, acting_for, score_of, scored_application

TERMS = {"amount": "500000", "term_months": 12, "purpose": "采购原材料", "guarantee_mode": "credit"}
LISTED = [
    {"rule": "dishonest-judgment-debtor", "reason_zh": "失信被执行人", "reason_en": "a dishonest judgment debtor"}
]


def queued() -> list[tuple[str, list]]:
    return list(OutboxMessage.objects.order_by("pk").values_list("task", "args"))


def test_a_submission_queues_its_scoring_and_nothing_else(firm):
    application = applications.application_submit(applicant=acting_for(firm), enterprise_id=firm.pk, **TERMS)

    assert queued() == [(steps.SCORE_APPLICATION, [application.pk])]


def test_the_service_alone_stores_the_application_and_queues_nothing(firm):
    services.application_submit(applicant=acting_for(firm), enterprise_id=firm.pk, **TERMS)

    assert queued() == []


def test_scoring_with_no_champion_leaves_the_application_waiting_and_owes_nothing(firm):
    application = services.application_submit(applicant=acting_for(firm), enterprise_id=firm.pk, **TERMS)

    # Done with, as far as its task goes: promoting a champion scores every application still waiting.
    assert applications.applications_score(application_ids=[application.pk]) == {application.pk}
    assert Application.objects.get(pk=application.pk).status == "submitted"
    assert queued() == []


@pytest.fixture
def review(firm):
    applicant = acting_for(firm)
    LoanProductFactory(bank=BankFactory(code="A"))
    application = scored_application(firm, status="not_eligible", applicant=applicant)
    score_of(application, exclusions=LISTED)
    return applications.knockout_review_request(user=applicant, application_id=application.pk, reason="已履行完毕")


@pytest.mark.parametrize(
    ("outcome", "status", "steps_queued"), [("overturned", "scored", 1), ("upheld", "not_eligible", 0)]
)
def test_a_review_overturned_routes_the_application_again_and_one_upheld_does_not(
    review, outcome, status, steps_queued
):
    operator = User.objects.create_user(username="ops", role=Role.OPERATOR)

    applications.knockout_review_resolve(by=operator, review_id=review.pk, outcome=outcome, resolution="复核完毕")

    assert Application.objects.get(pk=review.application_id).status == status
    assert queued() == [(steps.ROUTE_APPLICATION, [review.application_id])] * steps_queued
