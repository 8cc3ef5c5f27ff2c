"""The bank officer's pages through Django's test client: deciding an offer, the ranges an approval must keep,
the bank's own figures, and only the records the firm authorised for that bank."""

import datetime as dt
import re
import zoneinfo
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone, translation

from creditloan.models import (
    AccessLog,
)
from creditloan.services import authorisation_grant
from creditloan.templatetags.deadlines import deadline_words
from matching.models import Loan, Offer
from tests.factories import (
    ApplicationFactory,
    EnterpriseFactory,
    LoanProductFactory,
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


def queued(world, *, hours_due: float, status: str = "offered", bank: str = "A", firm=None, product=None, **fields):
    """An offer of its own application to bank A's (or B's) product, offered a week ago (or an hour before its
    deadline, if that is earlier) and due `hours_due` hours from now (negative: past); an accepted one is due to
    decide then."""
    now = timezone.now()
    due = now + dt.timedelta(hours=hours_due)
    offered_at = min(now - dt.timedelta(days=7), due - dt.timedelta(hours=1))
    if status == "accepted":
        fields = {"accepted_at": offered_at + dt.timedelta(hours=1), "decision_deadline": due} | fields
        due = offered_at + dt.timedelta(days=1)
    product = product or world["products"][bank]
    return Offer.objects.create(
        application=ApplicationFactory(enterprise=firm or world["firm"], applicant=world["applicant"]),
        product=product,
        bank=product.bank,
        rank=1,
        status=status,
        offered_at=offered_at,
        deadline=due,
        **fields,
    )


def queue_ids(response) -> list[int]:
    return [offer.pk for offer in response.context["offers"]]


def test_the_queue_shows_open_offers_first_the_soonest_due_first(client, world):
    in_five_days = queued(world, hours_due=5 * 24)
    overdue = queued(world, hours_due=-2)
    deciding_tomorrow = queued(world, hours_due=24, status="accepted")
    declined_last_week = queued(world, hours_due=-6 * 24, status="declined", decline_reason="high_leverage")
    declined_long_ago = queued(world, hours_due=-7 * 24 + 1, status="declined", decline_reason="collateral")
    client.force_login(world["officer_a"])

    response = client.get(reverse("officer:queue"), {"status": "all"})

    assert queue_ids(response) == [
        overdue.pk,
        deciding_tomorrow.pk,
        world["offer"].pk,  # due in three days
        in_five_days.pk,
        declined_last_week.pk,
        declined_long_ago.pk,
    ]


def test_only_an_open_offer_past_its_due_time_is_flagged_overdue(client, world):
    late = queued(world, hours_due=-50)
    for status, extra in [
        ("declined", {"decline_reason": "high_leverage"}),
        ("approved", {}),
        ("lapsed", {}),
        ("closed", {}),
        ("disbursed", {}),
    ]:
        queued(world, hours_due=-24 * 30, status=status, **extra)
    client.force_login(world["officer_a"])

    page = client.get(reverse("officer:queue"), {"status": "all"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    only_late = client.get(reverse("officer:queue"), {"status": "all", "overdue": "on"})

    assert page.count("overdue by") == 1
    assert "overdue by 2 days" in page
    assert page.count("nothing due") == 5
    assert queue_ids(only_late) == [late.pk]


def test_the_queues_pages_keep_its_filters(client, world):
    for hours in range(30):
        queued(world, hours_due=10 + hours)
    client.force_login(world["officer_a"])
    filters = {"status": "offered", "q": "示例", "product": "A-1"}

    first = client.get(reverse("officer:queue"), filters)
    links = first.content.decode()
    second = client.get(reverse("officer:queue"), filters | {"page": "2"})

    assert len(first.context["offers"]) == 25 and len(second.context["offers"]) == 6
    assert "?status=offered&amp;q=%E7%A4%BA%E4%BE%8B&amp;product=A-1&amp;page=2" in links
    assert set(queue_ids(first)).isdisjoint(queue_ids(second))


def test_the_queue_finds_a_firm_by_name_or_by_the_start_of_its_code_and_narrows_by_product(client, world):
    other_firm = EnterpriseFactory(uscc="91110000100000008J", name="北京另一家有限公司", region="110105")
    theirs = queued(world, hours_due=30, firm=other_firm)
    second_product = LoanProductFactory(bank=world["products"]["A"].bank, code="A-2")
    on_the_second = queued(world, hours_due=40, product=second_product)
    client.force_login(world["officer_a"])
    queue = reverse("officer:queue")

    assert queue_ids(client.get(queue, {"q": "另一家"})) == [theirs.pk]
    assert queue_ids(client.get(queue, {"q": "91110000z"})) == []
    assert queue_ids(client.get(queue, {"q": "911100001"})) == [theirs.pk]
    assert queue_ids(client.get(queue, {"q": "914403"})) == [on_the_second.pk, world["offer"].pk]
    assert queue_ids(client.get(queue, {"product": "A-1"})) == [theirs.pk, world["offer"].pk]
    assert queue_ids(client.get(queue, {"product": "A-2", "q": "示例"})) == [on_the_second.pk]


def test_another_banks_offers_never_appear_in_the_queue(client, world):
    other_firm = EnterpriseFactory(uscc="91110000100000008J", name="北京另一家有限公司", region="110105")
    queued(world, hours_due=-5, bank="B", firm=other_firm)
    client.force_login(world["officer_a"])
    queue = reverse("officer:queue")

    every = client.get(queue, {"status": "all"})
    searched = client.get(queue, {"status": "all", "q": "另一家"})
    their_product = client.get(queue, {"status": "all", "product": "B-1"}, HTTP_ACCEPT_LANGUAGE="en")

    assert queue_ids(every) == [world["offer"].pk]
    assert queue_ids(searched) == []
    # Bank B's product is not one of this bank's: refused as any unknown value, and the queue shown unfiltered.
    assert queue_ids(their_product) == [world["offer"].pk]
    assert "B-1 is not one of the available choices" in their_product.content.decode()


def test_bad_filter_values_are_left_out_with_a_message_naming_them(client, world):
    client.force_login(world["officer_a"])

    response = client.get(
        reverse("officer:queue"),
        {"status": "everything", "order": "amount", "q": "x" * 101, "page": "two"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    beyond = client.get(reverse("officer:queue"), {"page": "9"}, HTTP_ACCEPT_LANGUAGE="en")

    said = [str(message) for message in response.context["messages"]]
    assert response.status_code == 200 and queue_ids(response) == [world["offer"].pk]
    assert [message.split(":")[0] for message in said] == ["Status", "Firm name or USCC", "Sort by", "page"]
    assert all(message.endswith(("It was left out.", "here is the first page.")) for message in said)
    # The page's links no longer carry what was refused.
    assert response.context["query"].urlencode() == "page=two"
    assert [str(message) for message in beyond.context["messages"]] == [
        "page: there is no page 9; here is the last page, 1."
    ]
    assert queue_ids(beyond) == [world["offer"].pk]


def test_a_deadline_reads_in_working_days_of_the_official_calendar(db):
    beijing = zoneinfo.ZoneInfo("Asia/Shanghai")
    before_national_day = dt.datetime(2026, 9, 29, 10, tzinfo=beijing)
    during_it = dt.datetime(2026, 10, 3, 10, tzinfo=beijing)
    due = dt.datetime(2026, 10, 12, 17, tzinfo=beijing)

    with translation.override("en"):
        # 09-30, then 10-08, 10-09, the make-up Saturday 10-10, and 10-12.
        assert deadline_words(due, now=before_national_day) == "in 5 working days"
        assert deadline_words(due, now=during_it) == "in 4 working days"
        assert deadline_words(due, now=due - dt.timedelta(hours=3)) == "today, by 17:00"
        assert deadline_words(due, now=due + dt.timedelta(minutes=20)) == "overdue by 20 minutes"
        assert deadline_words(due, now=due + dt.timedelta(days=1, hours=5)) == "overdue by 1 day"


def test_a_declined_offer_shows_its_reason_the_banks_note_and_who_declined_when(client, world):
    client.force_login(world["officer_a"])
    url = reverse("officer:offer", args=[world["offer"].pk])
    client.post(url, {"action": "accept"})
    client.post(url, {"action": "decline", "decline-reason": "high_leverage", "decline-note": "负债率 80%"})

    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    world["offer"].refresh_from_db()
    decided = timezone.localtime(world["offer"].decided_at).strftime("%Y-%m-%d %H:%M")
    assert 'data-testid="decline-reason">Debt too high (负债水平过高)</dd>' in page
    assert 'data-testid="decline-note">负债率 80%</dd>' in page
    assert f'data-testid="stage-decided">{decided} · wang</dd>' in page
    assert "overdue" not in page and "answer due" not in page


def test_the_payout_form_is_filled_with_the_approved_amount_and_today(client, world):
    client.force_login(world["officer_a"])
    url = reverse("officer:offer", args=[world["offer"].pk])
    client.post(url, {"action": "accept"})
    client.post(
        url,
        {"action": "approve", "approve-amount": "400000", "approve-annual_rate": "4.5", "approve-term_months": "12"},
    )

    page = client.get(url).content.decode()
    filled = {
        "action": "disburse",
        "disburse-amount": re.search(r'name="disburse-amount" value="([^"]*)"', page)[1],
        "disburse-disbursed_on": re.search(r'name="disburse-disbursed_on" value="([^"]*)"', page)[1],
    }
    client.post(url, filled)

    assert filled["disburse-amount"] == "400000.00"
    assert filled["disburse-disbursed_on"] == f"{timezone.localdate():%Y-%m-%d}"
    loan = Loan.objects.get(offer=world["offer"])
    assert (loan.amount, loan.disbursed_on) == (Decimal("400000"), timezone.localdate())


def test_the_banks_figures_are_its_own_funnel_answer_times_payouts_and_decline_reasons(client, world):
    offered = world["offer"].offered_at
    Offer.objects.filter(pk=world["offer"].pk).update(
        status="declined", accepted_at=offered + dt.timedelta(hours=2), decided_at=offered + dt.timedelta(hours=26),
        decline_reason="high_leverage",
    )  # fmt: skip
    product_b = world["products"]["B"]
    paid_at_b = Offer.objects.create(
        application=ApplicationFactory(enterprise=world["firm"], submitted_at=offered), product=product_b,
        bank=product_b.bank, rank=1, status="disbursed", offered_at=offered, deadline=offered + dt.timedelta(days=3),
        accepted_at=offered + dt.timedelta(hours=5), decided_at=offered + dt.timedelta(hours=53),
        disbursed_at=offered + dt.timedelta(hours=60), approved_amount=Decimal("800000"),
    )  # fmt: skip
    Loan.objects.create(
        offer=paid_at_b, amount=Decimal("800000"), annual_rate=Decimal("0.05"), term_months=12,
        disbursed_on=timezone.localdate(),
    )  # fmt: skip

    client.force_login(world["officer_a"])
    at_a = client.get(reverse("officer:figures"))
    client.force_login(world["officer_b"])
    at_b = client.get(reverse("officer:figures"))

    assert [count for _step, count in at_a.context["steps"]] == [1, 1, 0, 0]
    assert (at_a.context["times"].first_answer.median, at_a.context["times"].decision.median) == (2.0, 24.0)
    assert at_a.context["reasons"] == [("Debt too high (负债水平过高)", 1)]
    assert at_a.context["charts"]["disbursed"]["labels"] == []
    assert "¥800,000" not in at_a.content.decode()
    assert [count for _step, count in at_b.context["steps"]] == [1, 1, 1, 1]
    assert (at_b.context["times"].first_answer.median, at_b.context["times"].decision.median) == (5.0, 48.0)
    assert at_b.context["reasons"] == []
    assert at_b.context["charts"]["disbursed"]["series"][0]["values"] == [80.0]
    page_b = at_b.content.decode()
    assert "¥800,000" in page_b and "Debt too high" not in page_b
    assert 'id="chart-funnel"' in page_b and 'data-testid="answer-times"' in page_b


def test_the_banks_figures_read_in_chinese(client, world):
    client.force_login(world["officer_a"])

    with translation.override("zh-hans"):
        page = client.get(reverse("officer:figures"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert "答复用时" in page and "接单" in page
