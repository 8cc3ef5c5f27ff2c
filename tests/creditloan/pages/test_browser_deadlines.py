"""The operator's 督办 queue in a real browser: an accepted offer its bank did not decide in time is urged, then
re-routed, each after a confirmation and each saying what happened; in Chinese at 1280 and in English at 390, and
the applicant's page says by when the bank must decide and that the platform is urging it."""

import datetime as dt

import pytest
from django.utils import timezone

from creditloan.flows.applications import application_submit
from creditloan.models import User
from matching.decisions import offer_accept
from matching.escalations import offers_escalate_overdue
from matching.models import Escalation, EscalationResolution, EscalationUrge, Offer, OfferStatus
from tests.creditloan.pages.test_browser import (  # noqa: F401 (fixtures)
    CHROMIUM,
    DESK_ZH,
    PHONE_EN,
    REQUEST,
    Screens,
    browser,
    fits_the_screen,
    log_in,
    world,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's Chromium: apt-get install chromium"),
]


def escalated_offer(firm) -> Escalation:
    """A new application of the firm, its first offer accepted (接单) by its bank's officer, then left past its
    decision deadline and escalated by the sweep."""
    applicant = User.objects.get(username="applicant")
    application = application_submit(
        applicant=applicant,
        enterprise_id=firm.pk,
        amount=REQUEST["amount"],
        term_months=int(REQUEST["term_months"]),
        purpose="采购原材料",
        guarantee_mode=REQUEST["guarantee_mode"],
    )
    offer = Offer.objects.filter(application=application).order_by("rank").first()
    assert offer is not None, "the demo firm's application was offered to no bank"
    officer = User.objects.filter(role="bank_officer", bank=offer.bank_id).first()
    offer_accept(offer_id=offer.pk, by=officer)
    Offer.objects.filter(pk=offer.pk).update(decision_deadline=timezone.now() - dt.timedelta(hours=3))
    assert offers_escalate_overdue() == 1
    return Escalation.objects.select_related("offer__product__bank").get(offer=offer)


def nav_on_one_line(page) -> bool:
    """Whether every item of the main menu sits on the same line (the menu does not spill onto a second)."""
    return page.evaluate(
        """() => new Set([...document.querySelectorAll('#nav .nav-link')]
            .map(link => Math.round(link.getBoundingClientRect().top))).size === 1"""
    )


@pytest.mark.parametrize(
    ("context", "says"),
    [
        pytest.param(DESK_ZH, {"queue": "督办"}, id="zh-1280"),
        pytest.param(PHONE_EN, {"queue": "Escalations"}, id="en-390"),
    ],
)
def test_an_overdue_accepted_offer_is_urged_then_re_routed_from_the_queue(browser, world, context, says):  # noqa: F811
    url, locale = world["url"], context["locale"]
    screens = Screens(f"escalation_{locale[:2]}_{context['viewport']['width']}")
    escalation = escalated_offer(world["firm"])
    offer = escalation.offer
    page = browser.new_context(**context).new_page()

    # The applicant reads by when the bank had to decide, and that the platform is urging it.
    log_in(page, url, "applicant")
    page.goto(f"{url}/me/applications/{offer.application_id}/")
    card = page.locator("[data-testid=offer]", has=page.locator("[data-testid=urging]"))
    assert card.count() == 1
    assert f"{timezone.localtime(offer.decision_deadline):%Y-%m-%d %H:%M}" in card.inner_text()
    assert page.locator("[data-testid=step-escalated]").count() == 1
    assert fits_the_screen(page)
    screens.keep(page, "01-applicant-sees-the-bank-urged")
    page.context.clear_cookies()

    log_in(page, url, "operator")
    if context["viewport"]["width"] >= 1280:
        # The queue is in the operator's menu, which still fits on one line at a desk's width.
        assert nav_on_one_line(page)
        page.locator("#nav a[href='/operations/escalations/']").click()
    else:
        page.goto(f"{url}/operations/escalations/")
    assert says["queue"] in page.get_by_role("heading", level=1).inner_text()
    item = page.locator("[data-testid=escalation]").filter(has_text=f"{offer.application_id}")
    assert item.count() == 1
    assert fits_the_screen(page)
    screens.keep(page, "02-queue")

    # Urging asks first: the summary only opens what it would do, with the real button.
    confirm_urge = item.locator("[data-testid=urge] button[value=urge]")
    assert not confirm_urge.is_visible()
    item.locator("[data-testid=urge] summary").click()
    assert confirm_urge.is_visible()
    screens.keep(page, "03-urge-asks-first")
    confirm_urge.click()
    page.wait_for_load_state()
    assert offer.product.bank.name in page.locator(".alert-success").inner_text()
    assert EscalationUrge.objects.filter(escalation=escalation).count() == 1
    item = page.locator("[data-testid=escalation]").filter(has_text=f"{offer.application_id}")
    assert item.locator("[data-testid=urges]").inner_text() != ""
    assert fits_the_screen(page)
    screens.keep(page, "04-urged")

    item.locator("[data-testid=reroute] summary").click()
    item.locator("[data-testid=reroute] button[value=reroute]").click()
    page.wait_for_load_state()
    said = page.locator(".alert-success").inner_text()
    assert f"#{offer.application_id}" in said and offer.product.bank.name in said
    escalation.refresh_from_db()
    assert escalation.resolution == EscalationResolution.REROUTED
    assert Offer.objects.get(pk=offer.pk).status == OfferStatus.LAPSED
    assert page.locator("[data-testid=escalation]").filter(has_text=f"{offer.application_id}").count() == 0
    assert fits_the_screen(page)
    screens.keep(page, "05-re-routed")
    page.context.close()
