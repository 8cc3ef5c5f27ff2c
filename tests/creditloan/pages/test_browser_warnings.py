"""A bank officer's early warnings in a real browser, in Chinese at a desk's width and in English at a phone's: the
menu's count of unseen warnings, the list, a warning opened with its record, and the loan's offer page naming
it. Each page kept as a screenshot and checked by axe-core against WCAG 2.1 AA."""

import re

import pytest
from django.utils import timezone

from creditloan.demo.services import DEMO_PASSWORD
from matching.warnings import early_warnings_raise
from tests.creditloan.pages.test_browser import (
    DESK_ZH,
    PHONE_EN,
    Screens,
    browser,  # noqa: F401 (a fixture)
    fits_the_screen,
    log_in,
    pytestmark,  # noqa: F401 (browser, slow, a live server's database)
)
from tests.factories import PublicCreditRecordFactory, consent, offer_world, paid_out

WORDS = {
    "zh-CN": {"menu": "贷后预警", "kind": "失信被执行人"},
    "en-US": {"menu": "Early warnings", "kind": "Dishonest judgment debtor"},
}


@pytest.fixture
def warned(live_server):
    """Bank A paid out its offer to the firm, which consented to post-loan use of its public credit record by
    bank A and was then listed as a dishonest debtor: one warning, unseen. The officer signs in as wang."""
    world = offer_world()
    world["officer_a"].set_password(DEMO_PASSWORD)
    world["officer_a"].save()
    paid_out(world["offer"])
    consent(world["firm"], banks=[world["products"]["A"].bank], sources=("public_credit",), purpose="post_loan")
    PublicCreditRecordFactory(
        enterprise=world["firm"],
        kind="dishonest_judgment_debtor",
        severity="",
        authority="深圳市中级人民法院",
        title="(2026)粤03执123号",
        decision_date=timezone.localdate(),
    )
    (world["warning"],) = early_warnings_raise(enterprise_ids=[world["firm"].pk])
    return world | {"url": live_server.url}


@pytest.mark.parametrize("context", [DESK_ZH, PHONE_EN], ids=["zh-1280", "en-390"])
def test_an_officer_sees_the_unseen_warning_opens_it_and_finds_it_on_the_loans_offer(browser, warned, context):  # noqa: F811
    url, locale = warned["url"], context["locale"]
    words = WORDS[locale]
    screens = Screens(f"warnings_{locale[:2]}_{context['viewport']['width']}")
    page = browser.new_context(**context).new_page()
    log_in(page, url, "wang")

    page.goto(f"{url}/bank/warnings/")
    menu = page.locator("nav a[href='/bank/warnings/']")
    assert words["menu"] in menu.inner_text() and "1" in menu.inner_text()
    listed = page.locator(f"[data-testid=warning-{warned['warning'].pk}]")
    assert words["kind"] in listed.inner_text() and warned["firm"].name in listed.inner_text()
    assert fits_the_screen(page)
    screens.keep(page, "01-list")

    listed.locator("a").click()
    page.wait_for_url(re.compile(r"/bank/warnings/\d+/$"))
    assert "(2026)粤03执123号" in page.locator("[data-testid=warning-record]").inner_text()
    assert fits_the_screen(page)
    screens.keep(page, "02-opened")

    page.goto(f"{url}/bank/offers/{warned['offer'].pk}/")
    assert words["kind"] in page.locator("[data-testid=offer-warnings]").inner_text()
    assert "1" not in page.locator("nav a[href='/bank/warnings/']").inner_text()
    assert fits_the_screen(page)
    screens.keep(page, "03-offer")
    page.context.close()
