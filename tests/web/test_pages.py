"""The pages through Django's test client: each role's pages render, each refuses the other roles, and an
officer never reaches an offer routed to another bank."""

import datetime as dt
from decimal import Decimal

import pytest
from axes.models import AccessAttempt
from django.urls import reverse
from django.utils import timezone, translation

from creditloan.models import (
    AccessLog,
    Bank,
    Dispute,
    EnterpriseMembership,
    ImportBatch,
    ImportFile,
    ImportRejection,
    KnockOutReview,
    User,
)
from creditloan.models.accounts import Role
from creditloan.services import authorisation_grant, dispute_raise, knockout_review_request
from matching.models import LoanProduct, MatchingSettings
from matching.selectors import training_sample
from scoring.models import TrainingRun
from scoring.services import training_run_execute
from tests.factories import (
    EnterpriseFactory,
    TaxRecordFactory,
    consent,
    member_of,
    offer_world,
    score_of,
    scored_application,
    verified_applicant,
)


@pytest.fixture
def world(db):
    return offer_world()


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


def user_of(world, role: Role) -> User:
    return {
        Role.APPLICANT: world["applicant"],
        Role.BANK_OFFICER: world["officer_a"],
        Role.OPERATOR: world["operator"],
    }[role]


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


def test_an_officer_accepts_then_declines_with_a_reason(client, world):
    client.force_login(world["officer_a"])
    url = reverse("officer:offer", args=[world["offer"].pk])

    client.post(url, {"action": "accept"})
    refused = client.post(url, {"action": "decline", "decline-reason": "other", "decline-note": ""})
    client.post(url, {"action": "decline", "decline-reason": "high_leverage", "decline-note": "负债率 80%"})

    assert "must say what they are" in refused.content.decode()
    world["offer"].refresh_from_db()
    assert (world["offer"].status, world["offer"].decline_reason) == ("declined", "high_leverage")


def test_an_approval_outside_the_products_ranges_is_shown_on_its_field(client, world):
    client.force_login(world["officer_a"])
    url = reverse("officer:offer", args=[world["offer"].pk])
    client.post(url, {"action": "accept"})

    response = client.post(
        url,
        {"action": "approve", "approve-amount": "500000", "approve-annual_rate": "20", "approve-term_months": "12"},
    )

    assert response.context["forms"]["approve"].errors == {
        "annual_rate": ["20.00% is outside the product's 4.00%–8.00%"]
    }


def test_adding_a_firm_says_what_is_wrong_with_the_code_and_where(client, world):
    other_firm = EnterpriseFactory(uscc="91110108551385082Q", name="北京某公司")
    member_of(verified_applicant("zhao"), other_firm)
    applicant = verified_applicant("sun")
    client.force_login(applicant)

    wrong = client.post(reverse("applicant:enterprise_add"), {"uscc": "914403001922038217", "role": "agent"})
    typed = client.get(reverse("accounts:uscc_check"), {"code": "914403001922038217"}).json()
    right = client.post(reverse("applicant:enterprise_add"), {"uscc": other_firm.uscc.lower(), "role": "agent"})

    assert "position 18: check character should be 6, got 7" in wrong.content.decode()
    assert typed == {"valid": False, "message": "position 18: check character should be 6, got 7", "position": 18}
    assert right.status_code == 302
    assert EnterpriseMembership.objects.get(user=applicant, enterprise=other_firm).status == "pending"


def test_the_operator_pauses_a_product_and_offers_it_again(client, world):
    client.force_login(world["operator"])
    product = world["products"]["A"]

    client.post(reverse("operator:product_active", args=[product.pk]), {"active": "0"})
    product.refresh_from_db()
    assert not product.active
    client.post(reverse("operator:product_active", args=[product.pk]), {"active": "1"})
    product.refresh_from_db()
    assert product.active


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


def test_the_dashboard_counts_the_funnel_and_each_banks_answers(client, world):
    offer = world["offer"]
    offer.status, offer.decided_at = "declined", offer.offered_at + dt.timedelta(hours=5)
    offer.decline_reason = "high_leverage"
    offer.save()
    client.force_login(world["operator"])

    page = client.get(reverse("operator:dashboard"))

    assert page.context["steps"] == {
        "applied": 1,
        "matched": 1,
        "offered": 1,
        "accepted": 0,
        "approved": 0,
        "disbursed": 0,
    }
    bank_a = next(bank for bank in page.context["banks"] if bank.code == "A")
    assert (bank_a.offers, bank_a.declined, bank_a.approval_rate, bank_a.median_response_hours) == (1, 1, 0.0, 5.0)
    assert "chart-funnel" in page.content.decode()


def test_an_officer_sees_only_their_own_banks_figures(client, world):
    client.force_login(world["officer_b"])

    figures = client.get(reverse("officer:figures")).context["figures"]

    assert (figures.code, figures.offers) == ("B", 0)


def test_the_operator_reads_an_import_batch_and_why_each_row_was_rejected(client, world):
    batch = ImportBatch.objects.create(status="completed", origin="cli", finished_at=timezone.now(), manifest=[])
    import_file = ImportFile.objects.create(
        batch=batch, source="tax", name="tax.csv", file_format="csv", rows=2, created=1, rejected=1
    )
    ImportRejection.objects.create(
        file=import_file, row_number=3, field="uscc", reason="position 18: check character should be 6, got 7"
    )
    client.force_login(world["operator"])

    listing = client.get(reverse("operator:imports")).content.decode()
    page = client.get(reverse("operator:import", args=[batch.pk])).content.decode()

    assert "tax.csv" in listing
    assert "position 18: check character should be 6, got 7" in page and "1 rejected row" in page
    assert client.get(reverse("operator:import", args=[batch.pk + 1])).status_code == 404


def test_the_operator_previews_weights_then_publishes_a_version(client, world):
    client.force_login(world["operator"])
    weights = {"approval": "0.4", "price": "0.4", "fit": "0.1", "response": "0.1", "top_k": "2", "note": "价格优先"}
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()

    preview = client.post(reverse("operator:weights"), weights | {"since": tomorrow, "preview": "1"})
    client.post(reverse("operator:weights"), weights | {"publish": "1"})
    refused = client.post(
        reverse("operator:weights"),
        weights | {"approval": "0", "price": "0", "fit": "0", "response": "0", "publish": "1"},
    )

    assert preview.context["preview"]["applications"] == 0
    assert MatchingSettings.objects.order_by("-number").values_list("number", "top_k", "note")[0] == (2, 2, "价格优先")
    assert "at least one weight must be above zero" in refused.content.decode()


def test_a_training_without_enough_history_fails_and_says_why_and_the_page_follows_it(
    client, world, settings, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    client.force_login(world["operator"])

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("operator:models"), {"action": "train"})
    run = TrainingRun.objects.get()
    progress = client.get(reverse("operator:training_run", args=[run.pk])).json()
    again = client.post(reverse("operator:models"), {"action": "roll_back"}, follow=True)

    assert progress["status"] == "failed" and "not enough history to train" in progress["message"]
    assert progress["steps"] == 6
    assert "no earlier champion to roll back to" in again.content.decode()


def test_a_second_training_waits_for_the_first(client, world):
    TrainingRun.objects.create(status="running", queued_at=timezone.now())
    client.force_login(world["operator"])

    page = client.post(reverse("operator:models"), {"action": "train"}, follow=True)

    assert "a training is already under way" in page.content.decode()
    assert TrainingRun.objects.count() == 1


def test_a_run_taken_up_once_is_not_run_again(world):
    run = TrainingRun.objects.create(status="done", queued_at=timezone.now(), message="v3 promoted")

    assert training_run_execute(run_id=run.pk, training_sample=training_sample).message == "v3 promoted"


PRODUCT = {
    "code": "A-2",
    "name": "科创贷",
    "active": "on",
    "guarantee_mode": "credit",
    "repayment_methods": ["equal_instalments"],
    "amount_min": "100000",
    "amount_max": "2000000",
    "term_min_months": "6",
    "term_max_months": "36",
    "rate_min": "4",
    "rate_max": "7",
    "regions": "440300, 11",
    "industries_included": "C",
    "min_tax_rating": "B",
}


def test_the_operator_creates_a_product_and_is_told_what_is_wrong_field_by_field(client, world):
    client.force_login(world["operator"])
    bank = world["products"]["A"].bank

    wrong = client.post(reverse("operator:product_new"), PRODUCT | {"bank": bank.pk, "regions": "99", "rate_max": "1"})
    right = client.post(reverse("operator:product_new"), PRODUCT | {"bank": bank.pk})

    errors = wrong.context["form"].errors
    assert "regions" in errors and "not GB/T 2260 prefixes: 99" in errors["regions"][0]
    assert "rate_max" in errors
    assert right.status_code == 302
    product = LoanProduct.objects.get(code="A-2")
    # 440300 is kept as the prefix it stands for; rates typed in percent are kept as fractions.
    assert (product.regions, product.industries_included, product.min_tax_rating) == (["4403", "11"], ["C"], "B")
    assert (product.rate_min, product.rate_max) == (Decimal("0.04"), Decimal("0.07"))


def test_the_operator_changes_a_products_rule(client, world):
    client.force_login(world["operator"])
    product = world["products"]["B"]

    page = client.get(reverse("operator:product_edit", args=[product.pk])).content.decode()
    client.post(
        reverse("operator:product_edit", args=[product.pk]),
        PRODUCT | {"bank": product.bank.pk, "code": product.code, "min_tax_rating": "A"},
    )

    product.refresh_from_db()
    assert product.code in page
    # The product's stored fractions are shown to be edited in percent.
    assert 'name="rate_min" value="4.00"' in page
    assert product.min_tax_rating == "A"


def test_an_officer_sees_only_the_records_the_firm_authorised_for_that_bank(client, world):
    TaxRecordFactory(enterprise=world["firm"], rating="B")
    url = reverse("officer:offer", args=[world["offer"].pk])
    client.force_login(world["officer_a"])
    before = client.get(url)

    grant = authorisation_grant(
        user=world["applicant"],
        enterprise=world["firm"],
        sources=["tax"],
        purpose="financing",
        bank_ids=[world["products"]["B"].bank.pk],
        expires_on=timezone.localdate() + dt.timedelta(days=30),
    )
    only_b = client.get(url)
    grant.banks.add(world["products"]["A"].bank)
    shared = client.get(url)

    assert before.context["records"] == [] and only_b.context["records"] == []
    assert [group["source"] for group in shared.context["records"]] == ["tax"]
    last_look = AccessLog.objects.order_by("-pk").first()
    # The application has no score yet: the look covered the application and the records.
    assert last_look.what == "application,records:tax"
    assert last_look.what_display() == "the application; the records: Tax"
    with translation.override("zh-hans"):
        assert last_look.what_display() == "申请信息；信用记录：纳税"
        assert last_look.reference_display() == f"推送 #{world['offer'].pk}"


def test_the_operator_adds_a_bank_and_changes_its_capacity(client, world):
    client.force_login(world["operator"])
    bank = {
        "code": "JS",
        "name": "江苏某银行",
        "contact_email": "ops@js.example",
        "response_deadline_days": "3",
        "monthly_capacity": "500",
        "active": "on",
    }

    refused = client.post(reverse("operator:bank_new"), bank | {"response_deadline_days": "0"})
    client.post(reverse("operator:bank_new"), bank)
    added = Bank.objects.get(code="JS")
    client.post(reverse("operator:bank_edit", args=[added.pk]), bank | {"monthly_capacity": "800"})

    assert "response_deadline_days" in refused.context["form"].errors
    added.refresh_from_db()
    assert added.monthly_capacity == 800


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


@pytest.mark.parametrize("page", ["accounts:login", "admin:login"])
def test_a_user_name_longer_than_any_accounts_is_refused_by_the_sign_in_form_before_it_is_tried(client, db, page):
    """Not tried, so not recorded as a failed sign-in in django-axes' 255-character column, which PostgreSQL
    would refuse with an error."""
    answer = client.post(reverse(page), {"username": "x" * 10_000, "password": "whatever"})

    assert answer.status_code == 200
    assert "username" in answer.context["form"].errors
    assert not AccessAttempt.objects.exists()


@pytest.mark.parametrize("bank", ["9" * 30, "abc", "１２", "-1"])
def test_a_bank_named_by_anything_but_its_id_is_not_one_of_the_authorisations_choices(client, world, bank):
    client.force_login(world["applicant"])
    consent_form = {
        "enterprise": world["firm"].pk,
        "sources": ["tax"],
        "purpose": "financing",
        "expires_on": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
    }

    answer = client.post(reverse("applicant:authorisations"), consent_form | {"banks": [world["offer"].bank_id, bank]})

    assert answer.status_code == 200
    assert list(answer.context["form"].errors) == ["banks"]
    assert not world["firm"].authorisations.exists()


def test_revoking_on_the_page_closes_the_offer_of_the_bank_it_covered(client, world):
    grant = consent(world["firm"], banks=[world["offer"].bank], by=world["applicant"])
    client.force_login(world["applicant"])

    answer = client.post(reverse("applicant:authorisation_revoke", args=[grant.pk]))

    assert answer.status_code == 302
    world["offer"].refresh_from_db()
    assert world["offer"].status == "closed"
    client.force_login(world["officer_a"])
    assert client.post(reverse("officer:offer", args=[world["offer"].pk]), {"action": "accept"}).status_code in (
        200,
        302,
    )
    world["offer"].refresh_from_db()
    assert world["offer"].status == "closed"
