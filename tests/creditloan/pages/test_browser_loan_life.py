"""The officer's life of a loan in a real browser: accept an application, approve it, pay it out, then report its
repayments (a month current, then 30 days past due) on the offer page and the loan's page; in Chinese at a desk,
then the bank's loans read and a report refused in English on a phone. Screenshots in screenshots/loan_life/,
each page checked by axe-core."""

import datetime as dt
import re

from django.utils import timezone

from matching.models import Loan, Offer
from tests.creditloan.pages.test_browser import (  # noqa: F401 (fixtures)
    DESK_ZH,
    PHONE_EN,
    Screens,
    applicant_previews,
    browser,
    fits_the_screen,
    log_in,
    pytestmark,
    world,
)


def test_an_officer_accepts_approves_pays_out_and_reports_the_repayments_of_a_loan(browser, world):  # noqa: F811
    url, screens = world["url"], Screens("loan_life")
    paid_out_on = timezone.localdate() - dt.timedelta(days=61)
    a_month_later, two_months_later = paid_out_on + dt.timedelta(days=30), paid_out_on + dt.timedelta(days=60)

    # The applicant applies; the first bank's officer takes it from there.
    page = browser.new_context(**DESK_ZH).new_page()
    applicant_previews(page, url, screens, "zh-CN")
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_url(re.compile(r"/me/applications/\d+/$"))
    application_id = int(re.search(r"/applications/(\d+)/", page.url).group(1))
    offer = Offer.objects.filter(application_id=application_id).select_related("product__bank").order_by("rank")[0]
    page.get_by_role("button", name="退出").click()
    officer = f"officer-{offer.product.bank.code.lower()}"

    log_in(page, url, officer)
    page.goto(f"{url}/bank/offers/{offer.pk}/")
    page.locator("button[name=action][value=accept]").click()
    assert page.locator("[data-testid=offer-status]").inner_text() == "已接单，审核中"
    page.fill("input[name=approve-amount]", "400000")
    page.fill("input[name=approve-annual_rate]", f"{offer.product.rate_min * 100:.2f}")
    page.fill("input[name=approve-term_months]", "12")
    page.locator("button[name=action][value=approve]").click()
    assert page.locator("[data-testid=offer-status]").inner_text() == "已批准"
    assert page.locator("[data-testid=repayment-form]").count() == 0
    page.fill("input[name=disburse-disbursed_on]", paid_out_on.isoformat())
    page.locator("button[name=action][value=disburse]").click()
    assert page.locator("[data-testid=offer-status]").inner_text() == "已放款"
    loan = Loan.objects.get(offer=offer)
    assert page.locator(f"[data-testid=loan-status-{loan.pk}]").is_visible()
    screens.keep(page, "01-zh-1280-offer-paid-out-with-repayment-form")

    # A month on, the loan is current: reported from the offer page.
    form = page.locator("[data-testid=repayment-form]")
    form.locator("input[name=report-as_of]").fill(a_month_later.isoformat())
    form.locator("select[name=report-status]").select_option("current")
    form.locator("button[name=action][value=report]").click()
    page.wait_for_url(f"{url}/bank/loans/{loan.pk}/")
    assert page.locator("[data-testid=reports] tbody tr").count() == 1
    screens.keep(page, "02-zh-1280-loan-reported-current")

    # Another month on, it is 30 days past due: reported on the loan's page.
    page.fill("input[name=report-as_of]", two_months_later.isoformat())
    page.select_option("select[name=report-status]", "past_due")
    page.fill("input[name=report-days_past_due]", "30")
    page.locator("button[name=action][value=report]").click()
    assert page.locator("[data-testid=reports] tbody tr").count() == 2
    assert "30" in page.locator(f"[data-testid=loan-status-{loan.pk}]").inner_text()
    screens.keep(page, "03-zh-1280-loan-reported-past-due")
    loan.refresh_from_db()
    assert (loan.outcome, loan.reported_status, loan.reported_days_past_due) == ("performing", "past_due", 30)
    assert list(loan.status_reports.values_list("as_of", "status", "channel")) == [
        (a_month_later, "current", "page"),
        (two_months_later, "past_due", "page"),
    ]

    # The bank's loans, from the menu: this one with its latest status.
    page.locator("nav a[href='/bank/loans/']").click()
    assert page.locator(f"[data-testid=loans] [data-testid=loan-{loan.pk}]").is_visible()
    assert fits_the_screen(page)
    screens.keep(page, "04-zh-1280-our-loans")
    page.context.close()

    # In English on a phone: the list, the loan, and a report that cannot be, refused on its field.
    page = browser.new_context(**PHONE_EN).new_page()
    log_in(page, url, officer)
    page.goto(f"{url}/bank/loans/?status=past_due")
    row = page.locator(f"[data-testid=loans] [data-testid=loan-{loan.pk}]")
    assert "30 days past due" in row.inner_text()
    assert fits_the_screen(page)
    screens.keep(page, "10-en-390-our-loans")
    row.get_by_role("link", name=f"#{loan.pk}").click()
    page.fill("input[name=report-as_of]", timezone.localdate().isoformat())
    page.select_option("select[name=report-status]", "current")
    page.fill("input[name=report-days_past_due]", "12")
    page.locator("button[name=action][value=report]").click()
    assert (
        "is 0 days past due; if it is late, report it “Past due (逾期)”"
        in page.locator("#id_report-days_past_due_errors").inner_text()
    )
    assert page.locator("[data-testid=reports] tbody tr").count() == 2
    assert fits_the_screen(page)
    screens.keep(page, "11-en-390-loan-report-refused")
    page.context.close()
