"""The applicant's application page through Django's test client, once banks answer: the loan granted in full
(amount, rate, term, method, monthly repayment, schedule), the offers side by side, each bank's reason for a
decline, and a timeline that keeps every step."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from matching.decisions import offer_accept, offer_approve, offer_decline, offer_disburse
from matching.models import Offer


def granted(world, *, methods=("equal_instalments",)) -> Offer:
    """Bank A approves: 400,000 yuan of the 500,000 applied for, at 4.5% for 12 months, repaid by `methods`."""
    product = world["products"]["A"]
    product.repayment_methods = list(methods)
    product.save(update_fields=["repayment_methods"])
    offer_accept(offer_id=world["offer"].pk, by=world["officer_a"])
    return offer_approve(
        offer_id=world["offer"].pk, by=world["officer_a"], amount="400000", annual_rate="0.0450", term_months=12
    )


def offered_to_b(world) -> Offer:
    """The application offered to bank B's product as well, still open."""
    product, now = world["products"]["B"], timezone.now()
    return Offer.objects.create(
        application=world["application"],
        product=product,
        bank=product.bank,
        rank=2,
        offered_at=now,
        deadline=now + dt.timedelta(days=3),
    )


def application_page(client, world, language: str) -> str:
    client.force_login(world["applicant"])
    url = reverse("applicant:application_detail", args=[world["application"].pk])
    return client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()


def within(page: str, testid: str) -> str:
    """The text of the first element marked data-testid=`testid`, tags left out and spaces collapsed."""
    found = re.search(rf'<(\w+)[^>]*data-testid="{testid}"[^>]*>(.*?)</\1>', page, re.S)
    assert found, f"no {testid} on the page"
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(2)).split())


@pytest.mark.parametrize(
    ("language", "status", "method", "term"),
    [
        ("en", "Approved", "Equal instalments (等额本息)", "12 months"),
        ("zh-hans", "已批准", "等额本息", "12个月"),
    ],
)
def test_the_application_page_shows_the_approved_loan_and_its_monthly_repayment(
    client, world, language, status, method, term
):
    granted(world)

    page = application_page(client, world, language)

    assert within(page, "offer-status") == status
    assert within(page, "terms-amount").startswith("¥400,000")
    assert "¥500,000" in within(page, "terms-amount")  # what was applied for, beside what was granted
    assert within(page, "terms-rate").startswith("4.50%")
    assert "0.375%" in within(page, "terms-rate")  # the monthly rate, the annual ÷ 12
    assert within(page, "terms-term") == term
    assert within(page, "terms-method").startswith(method)
    assert within(page, "monthly-repayment").startswith("¥34,151.41")
    assert within(page, "total-interest") == "¥9,816.91"
    schedule = within(page, "repayment-schedule")
    # Each month: the repayment, with its principal and interest beneath it (for a phone) and in their columns (for
    # a desk), and the principal still owed.
    first_month = re.search(r"1 34,151\.41 \S+ 32,651\.41 · \S+ 1,500\.00 32,651\.41 1,500\.00 367,348\.59", schedule)
    last_month = re.search(r"12 34,151\.40 \S+ 34,023\.81 · \S+ 127\.59 34,023\.81 127\.59 0\.00", schedule)
    assert first_month and last_month


def test_the_application_page_labels_a_draw_as_you_need_loans_figures_an_upper_bound(client, world):
    granted(world, methods=("flexible", "equal_principal"))

    page = application_page(client, world, "en")

    assert within(page, "monthly-repayment").startswith("At most ¥1,500 a month in interest")
    assert within(page, "total-interest") == "at most ¥18,000"
    agreed = "Draw and repay any time (随借随还) As agreed when the bank approved the loan."
    assert within(page, "terms-method") == agreed


def test_after_the_payout_the_page_shows_the_loan_paid_out_and_the_timeline_keeps_its_approval(client, world):
    offer = granted(world)
    offer_disburse(offer_id=offer.pk, by=world["officer_a"], amount="380000", disbursed_on=timezone.localdate())

    page = application_page(client, world, "en")

    assert within(page, "offer-status") == "Disbursed (放款)"
    assert within(page, "terms-amount") == "¥380,000 (¥400,000 approved) (¥500,000 applied for)"
    assert within(page, "monthly-repayment").startswith("¥32,443.84")
    assert within(page, "step-approved").endswith("银行A approved ¥400,000 at 4.50% a year")
    assert within(page, "step-disbursed") == f"{timezone.localdate():%Y-%m-%d} 银行A paid out ¥380,000"


def test_the_timeline_shows_a_decline_with_the_banks_reason_and_then_the_withdrawal(client, world):
    offered_to_b(world)
    offer_decline(offer_id=world["offer"].pk, by=world["officer_a"], reason="high_leverage", note="负债率 80%")
    client.force_login(world["applicant"])
    client.post(reverse("applicant:application_withdraw", args=[world["application"].pk]))

    page = application_page(client, world, "en")

    assert within(page, "decline-reason") == "The bank's reason: Debt too high (负债水平过高): 负债率 80%"
    assert within(page, "step-declined").endswith("银行A declined Debt too high (负债水平过高): 负债率 80%")
    steps = re.findall(r'data-testid="step-(\w+)"', page)
    assert steps == ["submitted", "offered", "offered", "declined", "withdrawn"]
    assert re.fullmatch(
        r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} Withdrawn; the offers still open were closed.", within(page, "step-withdrawn")
    )


def test_offers_open_at_once_are_shown_side_by_side_with_their_products_ranges(client, world):
    offered_to_b(world)

    page = application_page(client, world, "en")

    assert page.count('data-testid="offer"') == 2
    assert page.count('class="col-md-6 col-xl-4"') == 2  # two columns from a tablet up, stacked on a phone
    assert page.count("4.00%–8.00%") == 2
