"""The bank officer's pages through Django's test client: deciding an offer, the ranges an approval must keep,
the bank's own figures, and only the records the firm authorised for that bank."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone, translation

from creditloan.models import (
    AccessLog,
)
from creditloan.services import authorisation_grant
from tests.factories import (
    TaxRecordFactory,
)


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


def test_an_officer_sees_only_their_own_banks_figures(client, world):
    client.force_login(world["officer_b"])

    figures = client.get(reverse("officer:figures")).context["figures"]

    assert (figures.code, figures.offers) == ("B", 0)


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


def test_an_approved_offers_page_shows_the_officer_the_terms_and_repayments_the_applicant_sees(client, world):
    client.force_login(world["officer_a"])
    url = reverse("officer:offer", args=[world["offer"].pk])
    client.post(url, {"action": "accept"})
    client.post(
        url,
        {"action": "approve", "approve-amount": "400000", "approve-annual_rate": "4.5", "approve-term_months": "12"},
    )

    page = client.get(url).content.decode()
    client.force_login(world["applicant"])
    applicants = client.get(reverse("applicant:application_detail", args=[world["application"].pk])).content.decode()

    terms = page[page.index('data-testid="loan-terms"') : page.index("</details>")]
    assert "¥400,000" in terms and "4.50%" in terms and "12 months" in terms
    assert "Draw and repay any time (随借随还)" in terms  # the product's one method
    assert "At most <strong>¥1,500</strong> a month in interest" in terms
    assert "401,500.00" in terms  # the schedule's last month: the principal with the month's interest
    assert terms in applicants


def test_the_officer_approves_with_one_of_the_products_repayment_methods(client, world):
    product = world["offer"].product
    product.repayment_methods = ["equal_principal", "interest_first"]
    product.save()
    client.force_login(world["officer_a"])
    url = reverse("officer:offer", args=[world["offer"].pk])
    client.post(url, {"action": "accept"})
    approve = {
        "action": "approve",
        "approve-amount": "400000",
        "approve-annual_rate": "4.5",
        "approve-term_months": "12",
    }

    form = client.get(url).content.decode()
    refused = client.post(url, approve | {"approve-repayment_method": "flexible"})
    client.post(url, approve | {"approve-repayment_method": "interest_first"})

    assert 'value="equal_principal"' in form and 'value="interest_first"' in form and 'value="flexible"' not in form
    assert "repayment_method" in refused.context["forms"]["approve"].errors
    world["offer"].refresh_from_db()
    assert world["offer"].approved_repayment_method == "interest_first"


def test_a_one_month_loan_is_one_repayment_of_principal_and_interest(client, world):
    client.force_login(world["officer_a"])
    url = reverse("officer:offer", args=[world["offer"].pk])
    world["offer"].product.term_min_months = 1
    world["offer"].product.save()
    client.post(url, {"action": "accept"})
    client.post(
        url,
        {"action": "approve", "approve-amount": "400000", "approve-annual_rate": "4.5", "approve-term_months": "1"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "One repayment of <strong>¥401,500</strong>, principal and interest, at the end of the month" in page
    assert "a month in interest" not in page
