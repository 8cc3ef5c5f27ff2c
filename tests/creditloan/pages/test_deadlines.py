"""The pages of deadlines and 督办: the operator's escalation queue (urge again, re-route, each saying what happened),
the working calendar page, the warnings on the dashboard, each deadline on the applicant's application page and the
mark on the officer's queue; deadlines set per bank and per product from the operator's forms."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from creditloan.calendar import working_days_after
from creditloan.models import Bank, CalendarDay
from matching.decisions import offer_accept
from matching.escalations import offers_escalate_overdue
from matching.models import Escalation, EscalationResolution, EscalationUrge, LoanProduct, Offer, OfferStatus


@pytest.fixture
def escalated(world) -> Escalation:
    """Bank A accepted the world's offer and let its decision deadline pass: escalated by the sweep."""
    offer = offer_accept(offer_id=world["offer"].pk, by=world["officer_a"])
    Offer.objects.filter(pk=offer.pk).update(decision_deadline=timezone.now() - dt.timedelta(hours=2))
    offers_escalate_overdue()
    return Escalation.objects.get(offer=offer)


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_the_escalation_queue_lists_the_overdue_offer_with_its_deadlines(client, world, escalated):
    client.force_login(world["operator"])

    page = client.get(reverse("operator:escalations"), HTTP_ACCEPT_LANGUAGE="en")

    text = page.content.decode()
    assert page.status_code == 200
    assert list(page.context["escalations"]) == [escalated]
    assert f"Application {world['application'].pk}" in text and world["firm"].name in text
    assert "Urge the bank again" in text and "Yes, re-route it" in text
    assert f"{timezone.localtime(escalated.offer.decision_deadline):%Y-%m-%d %H:%M}" in text


def test_urging_from_the_queue_is_logged_and_says_what_happened(client, world, escalated):
    client.force_login(world["operator"])

    answer = client.post(
        reverse("operator:escalations"),
        {"escalation": escalated.pk, "action": "urge"},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )

    urge = EscalationUrge.objects.get()
    assert (urge.escalation_id, urge.urged_by) == (escalated.pk, world["operator"])
    assert messages_of(answer) == [
        f"{world['products']['A'].bank.name} is urged again to decide on application #{world['application'].pk}; "
        "its officers are sent a message."
    ]
    assert "once, on" in answer.content.decode()


def test_re_routing_from_the_queue_closes_the_offer_and_says_what_became_of_the_application(client, world, escalated):
    client.force_login(world["operator"])

    answer = client.post(
        reverse("operator:escalations"),
        {"escalation": escalated.pk, "action": "reroute"},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )

    offer = Offer.objects.get(pk=escalated.offer_id)
    escalated.refresh_from_db()
    assert offer.status == OfferStatus.LAPSED
    assert escalated.resolution == EscalationResolution.REROUTED
    # The world's application was ranked for no other product: nothing is left to offer it.
    assert messages_of(answer) == [
        f"Application #{world['application'].pk} is closed at {offer.product.bank.name} as not decided in time; the "
        "bank and the applicant are told. No ranked product is left: the application is declined by every bank."
    ]
    assert list(answer.context["escalations"]) == []


def test_a_second_re_routing_is_refused_saying_why(client, world, escalated):
    client.force_login(world["operator"])
    client.post(reverse("operator:escalations"), {"escalation": escalated.pk, "action": "reroute"}, follow=True)

    again = client.post(
        reverse("operator:escalations"),
        {"escalation": escalated.pk, "action": "reroute"},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert messages_of(again) == [
        f"escalation #{escalated.pk} is resolved already: Re-routed by the operator to the next product"
    ]


@pytest.mark.parametrize("posted", [{"escalation": "x", "action": "urge"}, {"escalation": "1", "action": "nudge"}])
def test_a_bad_action_is_refused_not_a_500(client, world, escalated, posted):
    client.force_login(world["operator"])

    answer = client.post(reverse("operator:escalations"), posted, follow=True, HTTP_ACCEPT_LANGUAGE="en")

    assert answer.status_code == 200
    assert len(messages_of(answer)) == 1
    assert not EscalationUrge.objects.exists()


def test_only_an_operator_sees_the_escalation_queue_and_the_calendar(client, world):
    for name in ("operator:escalations", "operator:calendar"):
        client.force_login(world["officer_a"])
        assert client.get(reverse(name)).status_code == 403


def test_the_officers_queue_marks_an_escalated_offer(client, world, escalated):
    client.force_login(world["officer_a"])

    page = client.get(reverse("officer:queue"), HTTP_ACCEPT_LANGUAGE="en")

    assert 'data-testid="escalated"' in page.content.decode()


def test_the_applicant_sees_by_when_the_bank_must_accept_then_decide_and_that_it_is_urged(client, world):
    client.force_login(world["applicant"])
    page = reverse("applicant:application_detail", args=[world["application"].pk])

    offered = client.get(page, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    offer = offer_accept(offer_id=world["offer"].pk, by=world["officer_a"])
    accepted = client.get(page, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    Offer.objects.filter(pk=offer.pk).update(decision_deadline=timezone.now() - dt.timedelta(hours=2))
    offers_escalate_overdue()
    urged = client.get(page, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert 'data-testid="accept-by"' in offered and "To accept by" in offered
    assert f"{timezone.localtime(offer.decision_deadline):%Y-%m-%d %H:%M}" in accepted
    assert "To decide by" in accepted and 'data-testid="urging"' not in accepted
    assert "is late to decide: the platform is urging it to approve or decline" in urged
    assert "did not decide by its deadline: the platform is urging it" in urged


def test_the_applicants_api_carries_each_deadline_and_the_escalation(client, world, escalated):
    client.force_login(world["applicant"])

    offers = client.get(f"/api/v1/applications/{world['application'].pk}/").json()["offers"]

    offer = Offer.objects.get(pk=escalated.offer_id)
    assert offers[0]["decision_deadline"] is not None and offers[0]["deadline"] is not None
    assert offers[0]["escalated"] is True
    assert offers[0]["decision_deadline"].startswith(f"{offer.decision_deadline:%Y-%m-%d}")


def test_the_operator_enters_a_2027_holiday_replaces_and_removes_it(client, world):
    client.force_login(world["operator"])
    page = reverse("operator:calendar")

    added = client.post(page, {"date": "2027-01-01", "working": "0", "note": "元旦"}, follow=True)
    replaced = client.post(
        page, {"date": "2027-01-01", "working": "1", "note": "示例"}, follow=True, HTTP_ACCEPT_LANGUAGE="en"
    )
    day = CalendarDay.objects.get()
    removed = client.post(page, {"remove": "2027-01-01"}, follow=True, HTTP_ACCEPT_LANGUAGE="en")

    assert added.status_code == 200 and "2027-01-01" in added.content.decode()
    assert (day.working, day.note, day.recorded_by) == (True, "示例", world["operator"])
    assert messages_of(replaced) == [
        "2027-01-01 is entered as a make-up working day. It replaces the earlier entry. Deadlines set from now on "
        "count it; those set already stay."
    ]
    assert not CalendarDay.objects.exists()
    assert messages_of(removed)[0].startswith("2027-01-01 is removed")


@pytest.mark.parametrize(
    ("posted", "field"),
    [
        ({"date": "2027-13-01", "working": "0"}, "date"),
        ({"date": "1999-01-01", "working": "0"}, "date"),
        ({"date": "2027-01-01", "working": "maybe"}, "working"),
        ({"date": "2027-01-01", "working": "0", "note": "长" * 201}, "note"),
    ],
)
def test_a_bad_calendar_day_is_refused_on_its_field(client, world, posted, field):
    client.force_login(world["operator"])

    answer = client.post(reverse("operator:calendar"), posted)

    assert answer.status_code == 200
    assert list(answer.context["form"].errors) == [field]
    assert not CalendarDay.objects.exists()


def test_the_operator_is_warned_of_a_deadline_in_a_year_the_calendar_does_not_know(client, world):
    client.force_login(world["operator"])
    Offer.objects.filter(pk=world["offer"].pk).update(deadline=timezone.make_aware(dt.datetime(2027, 1, 5, 10)))

    calendar = client.get(reverse("operator:calendar"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    dashboard = client.get(reverse("operator:dashboard"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    CalendarDay.objects.create(date=dt.date(2027, 1, 1), working=False)
    known = client.get(reverse("operator:calendar"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "1 open deadline falls after 2026-12-31" in calendar
    assert 'data-testid="calendar-warning"' in dashboard and reverse("operator:calendar") in dashboard
    assert 'data-testid="calendar-warning"' not in known and "up to 2027-12-31" in known


def test_the_dashboard_points_to_the_escalation_queue_when_an_offer_is_overdue(client, world, escalated):
    client.force_login(world["operator"])

    dashboard = client.get(reverse("operator:dashboard"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "1 accepted offer is overdue for a decision." in dashboard
    assert reverse("operator:escalations") in dashboard


def test_the_operator_sets_a_banks_time_to_decide_and_a_products_own_deadlines(client, world):
    client.force_login(world["operator"])
    bank = world["products"]["A"].bank
    product = world["products"]["A"]
    form = client.get(reverse("operator:product_edit", args=[product.pk])).context["form"]
    fields = {name: form[name].value() for name in form.fields}
    fields = {name: value for name, value in fields.items() if value not in (None, False)}

    client.post(
        reverse("operator:bank_edit", args=[bank.pk]),
        {
            "code": bank.code,
            "name": bank.name,
            "contact_email": bank.contact_email,
            "response_deadline_days": "2",
            "decision_deadline_days": "15",
            "monthly_capacity": str(bank.monthly_capacity),
            "active": "on",
        },
    )
    refused = client.post(reverse("operator:product_edit", args=[product.pk]), fields | {"accept_deadline_days": "0"})
    client.post(reverse("operator:product_edit", args=[product.pk]), fields | {"decision_deadline_days": "5"})

    bank.refresh_from_db()
    product = LoanProduct.objects.get(pk=product.pk)
    assert (bank.response_deadline_days, bank.decision_deadline_days) == (2, 15)
    assert "accept_deadline_days" in refused.context["form"].errors
    assert (product.accept_deadline_days, product.decision_deadline_days) == (None, 5)
    assert (product.days_to_accept, product.days_to_decide) == (2, 5)


def test_the_operators_api_sets_a_banks_time_to_decide(client, world):
    client.force_login(world["operator"])
    bank = world["products"]["A"].bank

    changed = client.patch(
        f"/api/v1/operations/banks/{bank.pk}/", {"decision_deadline_days": 12}, content_type="application/json"
    )
    refused = client.patch(
        f"/api/v1/operations/banks/{bank.pk}/", {"decision_deadline_days": 0}, content_type="application/json"
    )

    assert changed.status_code == 200 and changed.json()["decision_deadline_days"] == 12
    assert refused.status_code == 400 and "decision_deadline_days" in refused.json()["fields"]
    assert Bank.objects.get(pk=bank.pk).decision_deadline_days == 12


def test_an_offer_made_on_the_eve_of_national_day_must_be_accepted_after_the_holiday(world):
    eve = timezone.make_aware(dt.datetime(2026, 9, 30, 10))

    assert working_days_after(eve, 3) == timezone.make_aware(dt.datetime(2026, 10, 10, 10))


def test_the_officers_api_carries_the_deadline_to_decide_and_the_escalation(client, world, escalated):
    client.force_login(world["officer_a"])

    offer = client.get(f"/api/v1/offers/{escalated.offer_id}/").json()["offer"]

    assert offer["decision_deadline"] is not None
    assert offer["escalated"] is True
