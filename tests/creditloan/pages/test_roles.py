"""Each role's pages through Django's test client: each renders for its role and refuses the others, an officer
never reaches an offer routed to another bank, every look is logged where the firm sees it, and odd ids, filters
and text get a page, not a 500."""

import pytest
from django.urls import reverse

from creditloan.flows.applications import knockout_review_request
from creditloan.models import (
    Dispute,
    KnockOutReview,
    User,
)
from creditloan.models.accounts import Role
from creditloan.services import dispute_raise
from tests.factories import (
    TaxRecordFactory,
    score_of,
    scored_application,
)


def pages(world) -> dict[str, tuple[Role, str]]:
    return {
        "applicant_home": (Role.APPLICANT, reverse("applicant:home")),
        "enterprise_add": (Role.APPLICANT, reverse("applicant:enterprise_add")),
        "apply": (Role.APPLICANT, reverse("applicant:apply", args=[world["firm"].pk])),
        "application_detail": (Role.APPLICANT, reverse("applicant:application_detail", args=[world["application"].pk])),
        "officer_queue": (Role.BANK_OFFICER, reverse("officer:queue")),
        "officer_offer": (Role.BANK_OFFICER, reverse("officer:offer", args=[world["offer"].pk])),
        "authorisations": (Role.APPLICANT, reverse("applicant:authorisations")),
        "credit_report": (Role.APPLICANT, reverse("applicant:credit_report", args=[world["firm"].pk])),
        "access_log": (Role.APPLICANT, reverse("applicant:access_log", args=[world["firm"].pk])),
        "operator_products": (Role.OPERATOR, reverse("operator:products")),
        "operator_disputes": (Role.OPERATOR, reverse("operator:disputes")),
        "operator_dashboard": (Role.OPERATOR, reverse("operator:dashboard")),
        "operator_drift": (Role.OPERATOR, reverse("operator:drift")),
        "operator_imports": (Role.OPERATOR, reverse("operator:imports")),
        "operator_weights": (Role.OPERATOR, reverse("operator:weights")),
        "operator_models": (Role.OPERATOR, reverse("operator:models")),
        "operator_product_new": (Role.OPERATOR, reverse("operator:product_new")),
        "operator_banks": (Role.OPERATOR, reverse("operator:banks")),
        "operator_bank_new": (Role.OPERATOR, reverse("operator:bank_new")),
        "officer_figures": (Role.BANK_OFFICER, reverse("officer:figures")),
    }


def test_each_page_renders_for_its_role_and_refuses_the_others(client, world):
    for name, (role, url) in pages(world).items():
        for other in Role:
            client.force_login(user_of(world, other))
            response = client.get(url)
            assert response.status_code == (200 if other == role else 403), (name, other)


def test_a_visitor_is_sent_to_log_in(client, world):
    for _, url in pages(world).values():
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_an_officer_of_another_bank_does_not_find_the_offer(client, world):
    client.force_login(world["officer_b"])

    assert client.get(reverse("officer:offer", args=[world["offer"].pk])).status_code == 404
    assert client.post(reverse("officer:offer", args=[world["offer"].pk]), {"action": "accept"}).status_code == 404
    assert world["offer"].pk not in [offer.pk for offer in client.get(reverse("officer:queue")).context["offers"]]


def test_an_applicant_does_not_find_another_persons_application(client, world):
    stranger = User.objects.create_user(username="zhao", role=Role.APPLICANT)
    client.force_login(stranger)

    assert client.get(reverse("applicant:application_detail", args=[world["application"].pk])).status_code == 404
    assert client.get(reverse("applicant:apply", args=[world["firm"].pk])).status_code == 404
    assert client.get(reverse("applicant:credit_report", args=[world["firm"].pk])).status_code == 404


def test_every_look_at_an_offer_is_logged_and_the_applicant_sees_who_looked(client, world):
    client.force_login(world["officer_a"])
    client.get(reverse("officer:offer", args=[world["offer"].pk]))
    client.get(reverse("officer:offer", args=[world["offer"].pk]))

    client.force_login(world["applicant"])
    page = client.get(reverse("applicant:access_log", args=[world["firm"].pk]))

    entries = list(page.context["entries"])
    assert [(entry.viewer, entry.bank.code, entry.reference) for entry in entries] == [
        (world["officer_a"], "A", f"offer #{world['offer'].pk}")
    ] * 2
    assert "银行A" in page.content.decode()


@pytest.mark.parametrize("odd", ["abc", "1e5", "-1", "１２", "9" * 30, "\x00", ""])
def test_ids_and_filters_that_are_not_what_they_should_be_get_a_page_not_a_500(client, world, odd):
    record = TaxRecordFactory(enterprise=world["firm"])
    asks = [
        (
            world["applicant"],
            "post",
            reverse("applicant:credit_report", args=[world["firm"].pk]),
            {"source": "tax", "record_id": odd, "reason": "错"},
        ),
        (
            world["operator"],
            "post",
            reverse("operator:disputes"),
            {"dispute": odd, "outcome": "upheld", "resolution": "x"},
        ),
        (
            world["operator"],
            "post",
            reverse("operator:reviews"),
            {"review": odd, "outcome": "upheld", "resolution": "x"},
        ),
        (world["operator"], "post", reverse("operator:models"), {"action": "promote", "number": odd}),
        (world["operator"], "get", reverse("operator:models"), {"run": odd}),
        (world["operator"], "get", reverse("operator:disputes"), {"status": odd}),
        (world["operator"], "get", reverse("operator:reviews"), {"status": odd}),
    ]
    for user, method, url, data in asks:
        client.force_login(user)

        answer = getattr(client, method)(url, data, follow=True)

        assert answer.status_code == 200, (url, data)
    assert not Dispute.objects.filter(record_id=record.pk).exists()  # no dispute was raised against a mangled id


def test_text_with_a_nul_in_it_is_refused_by_the_page_it_was_sent_to_and_nothing_is_stored(client, world):
    """PostgreSQL cannot store a NUL: a dispute's reason, a review's reason and an operator's answer to either
    holding one are refused by the page's form, saying so, before any service would try to store it."""
    applicant, firm = world["applicant"], world["firm"]
    ruled_out, reviewed = (scored_application(firm, status="not_eligible", applicant=applicant) for _ in range(2))
    for application in (ruled_out, reviewed):
        score_of(application, exclusions=[{"rule": "dishonest-judgment-debtor", "reason_zh": "失信被执行人"}])
    review = knockout_review_request(user=applicant, application_id=reviewed.pk, reason="已履行完毕")
    disputed, undisputed = TaxRecordFactory(enterprise=firm), TaxRecordFactory(enterprise=firm)
    dispute = dispute_raise(user=applicant, enterprise=firm, source="tax", record_id=disputed.pk, reason="错")
    asks = [
        (
            applicant,
            "applicant:credit_report",
            [firm.pk],
            {"source": "tax", "record_id": undisputed.pk, "reason": "错\x00"},
        ),
        (applicant, "applicant:knockout_review_request", [ruled_out.pk], {"reason": "已履行\x00"}),
        (
            world["operator"],
            "operator:disputes",
            [],
            {"dispute": dispute.pk, "outcome": "upheld", "resolution": "\x00"},
        ),
        (world["operator"], "operator:reviews", [], {"review": review.pk, "outcome": "upheld", "resolution": "\x00"}),
    ]
    for user, page, args, data in asks:
        client.force_login(user)

        answer = client.post(reverse(page, args=args), data, follow=True)

        assert answer.status_code == 200, page
        assert "Text may not contain a NUL character." in answer.content.decode(), page
    assert list(Dispute.objects.values_list("pk", "status")) == [(dispute.pk, "open")]
    assert list(KnockOutReview.objects.values_list("pk", "status")) == [(review.pk, "open")]


def user_of(world, role: Role) -> User:
    return {
        Role.APPLICANT: world["applicant"],
        Role.BANK_OFFICER: world["officer_a"],
        Role.OPERATOR: world["operator"],
    }[role]
