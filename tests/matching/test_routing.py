"""Routing: top K offers within capacity, re-routing after a decline or a lapse, and what an approval, a
disbursement or a withdrawal closes."""

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.mail.backends import locmem
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from creditloan.calendar import working_days_after
from creditloan.errors import DomainError
from creditloan.flows.applications import application_withdraw
from creditloan.flows.consent import authorisation_withdraw
from creditloan.models import Application, Authorisation, Bank, User
from creditloan.models.accounts import Role
from creditloan.models.applications import ApplicationStatus
from creditloan.services import authorisation_revoke
from matching.decisions import offer_accept, offer_approve, offer_decline, offer_disburse
from matching.models import (
    OPEN_OFFER_STATES,
    BankMonth,
    LoanProduct,
    MatchingSettings,
    Offer,
    OfferStatus,
    Ranking,
)
from matching.routing import (
    application_route,
    applications_route,
    applications_route_waiting,
    offers_lapse_sweep,
)
from matching.services import bank_months_recount
from matching.tasks import route_application, route_waiting_applications, sweep_lapsed_offers
from tests.concurrency import at_once
from tests.factories import (
    BankFactory,
    EnterpriseFactory,
    LoanProductFactory,
    acting_for,
    consent,
    member_of,
    scored_application,
)


def banks_offered(application: Application, *statuses) -> list[str]:
    offers = application.offers.order_by("rank")
    if statuses:
        offers = offers.filter(status__in=statuses)
    return [offer.product.bank.code for offer in offers]


def test_the_top_three_products_are_offered_at_once_with_deadlines_in_working_days(application):
    offers = application_route(application_id=application.pk)

    application.refresh_from_db()
    assert application.status == "matched"
    assert [offer.product.bank.code for offer in offers] == ["A", "B", "C"]
    for offer in offers:
        assert offer.deadline == working_days_after(offer.offered_at, 3)
        assert offer.deadline.weekday() < 5


def test_a_bank_at_capacity_is_passed_over(application):
    Bank.objects.filter(code="A").update(monthly_capacity=0)

    application_route(application_id=application.pk)

    assert banks_offered(application) == ["B", "C", "D"]


def another_application_like(application: Application) -> Application:
    score = application.scores.get()
    twin = Application.objects.create(
        enterprise=application.enterprise,
        amount=application.amount,
        term_months=application.term_months,
        purpose=application.purpose,
        guarantee_mode=application.guarantee_mode,
        status="scored",
        submitted_at=timezone.now(),
    )
    score.pk, score.application = None, twin
    score.save()
    return twin


def test_offers_made_earlier_in_the_month_use_up_a_banks_capacity(application):
    Bank.objects.filter(code="A").update(monthly_capacity=1)
    later = another_application_like(application)

    application_route(application_id=application.pk)
    application_route(application_id=later.pk)

    assert banks_offered(application) == ["A", "B", "C"]
    assert banks_offered(later) == ["B", "C", "D"]
    assert BankMonth.objects.get(bank__code="A").offers == 1
    assert BankMonth.objects.get(bank__code="B").offers == 2


def test_a_batch_routed_at_once_shares_a_banks_last_place_in_id_order_as_one_by_one_would(application):
    Bank.objects.filter(code="A").update(monthly_capacity=1)
    later = another_application_like(application)

    made = applications_route(application_ids=[later.pk, application.pk])

    assert banks_offered(application) == ["A", "B", "C"]
    assert banks_offered(later) == ["B", "C", "D"]
    assert {pk: len(offers) for pk, offers in made.items()} == {application.pk: 3, later.pk: 3}
    assert BankMonth.objects.get(bank__code="A").offers == 1
    assert BankMonth.objects.get(bank__code="B").offers == 2
    assert set(Application.objects.values_list("status", flat=True)) == {"matched"}
    assert Ranking.objects.filter(application__in=[application, later]).count() == 2


def test_a_batch_passes_over_an_application_no_longer_scored_and_excludes_one_eligible_for_nothing(application):
    withdrawn = another_application_like(application)
    Application.objects.filter(pk=withdrawn.pk).update(status="withdrawn")
    unfit = another_application_like(application)
    Application.objects.filter(pk=unfit.pk).update(amount=90_000_000)  # more than any product lends

    made = applications_route(application_ids=[application.pk, withdrawn.pk, unfit.pk])

    assert set(made) == {application.pk, unfit.pk}
    assert (made[application.pk] != [], made[unfit.pk]) == (True, [])
    statuses = dict(Application.objects.values_list("pk", "status"))
    assert (statuses[withdrawn.pk], statuses[unfit.pk]) == ("withdrawn", "not_eligible")
    assert not withdrawn.offers.exists()


def test_a_new_month_starts_with_the_banks_full_capacity(application):
    bank = Bank.objects.get(code="A")
    bank.monthly_capacity = 1
    bank.save()
    last_month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    BankMonth.objects.create(bank=bank, month=last_month, offers=1)

    application_route(application_id=application.pk)

    assert banks_offered(application) == ["A", "B", "C"]


def test_a_declined_offer_routes_the_application_to_the_next_product(application):
    first, *_ = application_route(application_id=application.pk)

    offer_decline(offer_id=first.pk, by=None, reason="insufficient_credit")

    assert banks_offered(application, OfferStatus.OFFERED) == ["B", "C", "D"]


def test_a_lapsed_offer_routes_on_and_a_second_sweep_changes_nothing(application):
    first, *_ = application_route(application_id=application.pk)
    now = timezone.now()
    Offer.objects.filter(pk=first.pk).update(
        offered_at=now - dt.timedelta(days=5), deadline=now - dt.timedelta(minutes=1)
    )

    assert offers_lapse_sweep() == 1
    assert offers_lapse_sweep() == 0

    first.refresh_from_db()
    assert first.status == OfferStatus.LAPSED
    assert banks_offered(application, OfferStatus.OFFERED) == ["B", "C", "D"]


def test_when_every_product_declined_the_application_is_declined_by_every_bank(application):
    application_route(application_id=application.pk)
    while offer := application.offers.filter(status=OfferStatus.OFFERED).first():
        offer_decline(offer_id=offer.pk, by=None, reason="insufficient_credit")

    application.refresh_from_db()
    assert application.status == "declined"
    assert application.offers.count() == 4


def test_a_withdrawal_closes_every_open_offer(application):
    application_route(application_id=application.pk)

    application_withdraw(application_id=application.pk)

    application.refresh_from_db()
    assert application.status == "withdrawn"
    assert set(application.offers.values_list("status", flat=True)) == {"closed"}


def test_an_application_eligible_for_nothing_is_not_eligible(application):
    LoanProduct.objects.update(min_tax_rating="A")

    assert application_route(application_id=application.pk) == []

    application.refresh_from_db()
    assert application.status == "not_eligible"


def test_working_days_skip_the_weekend(db):
    friday = dt.datetime(2026, 11, 27, 10, 0)

    assert working_days_after(friday, 1) == dt.datetime(2026, 11, 30, 10, 0)
    assert working_days_after(friday, 3) == dt.datetime(2026, 12, 2, 10, 0)


def test_the_routing_task_routes_once_and_a_second_run_changes_nothing(application):
    assert route_application.apply(args=[application.pk]).get() == 3
    assert route_application.apply(args=[application.pk]).get() == 0

    assert application.offers.count() == 3


def test_the_beat_sweep_lapses_what_is_due(application):
    first, *_ = application_route(application_id=application.pk)
    now = timezone.now()
    Offer.objects.filter(pk=first.pk).update(
        offered_at=now - dt.timedelta(days=5), deadline=now - dt.timedelta(minutes=1)
    )

    assert sweep_lapsed_offers.apply().get() == 1


def test_banks_officers_hear_of_a_new_offer_and_the_applicant_of_each_change_once_committed(
    application, django_capture_on_commit_callbacks, mailoutbox
):
    officer = User.objects.create_user(
        username="wang", email="wang@a.example", role=Role.BANK_OFFICER, bank=Bank.objects.get(code="A")
    )
    applicant = applicant_hears(application)

    with django_capture_on_commit_callbacks(execute=True):
        application_route(application_id=application.pk)

    assert [message.to for message in mailoutbox] == [[officer.email], [applicant.email]]
    assert "New application to review" in mailoutbox[0].subject
    assert "Offered to 3 bank products." in mailoutbox[1].body


class ConnectionsCounted(locmem.EmailBackend):
    """Django's test backend, counting the connections opened to it: one a session with a mail server."""

    opened = 0

    def open(self):
        type(self).opened += 1
        return super().open()


def test_a_batch_routed_tells_everyone_over_one_connection(application, django_capture_on_commit_callbacks, settings):
    settings.EMAIL_BACKEND = f"{__name__}.ConnectionsCounted"
    ConnectionsCounted.opened = 0
    User.objects.create_user(
        username="wang", email="wang@a.example", role=Role.BANK_OFFICER, bank=Bank.objects.get(code="A")
    )
    applicant_hears(application)
    later = another_application_like(application)

    with django_capture_on_commit_callbacks(execute=True):
        applications_route(application_ids=[application.pk, later.pk])

    # Bank A's officer hears of both offers; the applicant of the match (the twin was loaded with nobody to tell).
    assert [message.to for message in mail.outbox] == [["wang@a.example"]] * 2 + [["zhang@firm.example"]]
    assert ConnectionsCounted.opened == 1


def test_nothing_is_sent_for_a_change_that_is_rolled_back(application, mailoutbox):
    User.objects.create_user(
        username="wang", email="wang@a.example", role=Role.BANK_OFFICER, bank=Bank.objects.get(code="A")
    )

    application_route(application_id=application.pk)  # the test's transaction never commits

    assert mailoutbox == []


def applicant_hears(application: Application) -> User:
    """The application's applicant, acting for the firm, with an e-mail address."""
    applicant = User.objects.create_user(username="zhang", email="zhang@firm.example")
    member_of(applicant, application.enterprise)
    Application.objects.filter(pk=application.pk).update(applicant=applicant)
    return applicant


def test_the_applicant_hears_of_every_change_to_the_application(
    application, django_capture_on_commit_callbacks, mailoutbox
):
    applicant_hears(application)
    with django_capture_on_commit_callbacks(execute=True):
        first, second, third = application_route(application_id=application.pk)
    with django_capture_on_commit_callbacks(execute=True):
        offer_decline(offer_id=first.pk, by=None, reason="high_leverage")
    now = timezone.now()
    Offer.objects.filter(pk=second.pk).update(
        offered_at=now - dt.timedelta(days=5), deadline=now - dt.timedelta(minutes=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        offers_lapse_sweep()
    with django_capture_on_commit_callbacks(execute=True):
        offer_accept(offer_id=third.pk, by=None)
    with django_capture_on_commit_callbacks(execute=True):
        offer_approve(offer_id=third.pk, by=None, amount="450000", annual_rate="0.05", term_months=12)
    with django_capture_on_commit_callbacks(execute=True):
        offer_disburse(offer_id=third.pk, by=None, amount="450000", disbursed_on=dt.date(2026, 11, 25))

    bodies = [message.body for message in mailoutbox if message.to == ["zhang@firm.example"]]
    assert bodies == [
        "已推送给3家银行的产品。\nOffered to 3 bank products.",
        "银行A未批准您的申请：负债水平过高。已为您推送下一家银行的产品。\n"
        "银行A declined: debt is too high. It has gone on to the next bank's product.",
        "银行B未在期限内答复。其他银行仍在处理您的申请。\n"
        "银行B did not answer in time. Other banks are still considering it.",
        "银行C已受理您的申请（接单），正在审核。\n银行C has taken up your application for review.",
        # Amounts grouped in thousands and the rate in percent, as people write them.
        "银行C已批准：450,000 元，年利率 5.00%，12 个月。\n银行C approved 450,000 yuan at 5.00% a year for 12 months.",
        "银行C已于2026-11-25放款 450,000 元。\n银行C paid out 450,000 yuan on 2026-11-25.",
    ]


def test_someone_who_no_longer_acts_for_the_firm_hears_nothing_more_of_its_applications(
    application, django_capture_on_commit_callbacks, mailoutbox
):
    applicant = applicant_hears(application)
    application.enterprise.memberships.filter(user=applicant).update(status="revoked")

    with django_capture_on_commit_callbacks(execute=True):
        application_route(application_id=application.pk)

    assert [mail for mail in mailoutbox if mail.to == ["zhang@firm.example"]] == []


def test_a_withdrawal_is_confirmed_to_the_applicant(application, django_capture_on_commit_callbacks, mailoutbox):
    applicant_hears(application)
    application_route(application_id=application.pk)

    with django_capture_on_commit_callbacks(execute=True):
        application_withdraw(application_id=application.pk)

    assert "You withdrew the application" in mailoutbox[-1].body


def test_an_application_every_bank_is_full_for_waits_and_is_offered_when_one_has_room(application):
    Bank.objects.update(monthly_capacity=0)

    assert application_route(application_id=application.pk) == []
    application.refresh_from_db()
    assert application.status == "scored"
    assert applications_route_waiting(now=timezone.now() + dt.timedelta(minutes=5)) == 0

    Bank.objects.filter(code="C").update(monthly_capacity=5)
    assert applications_route_waiting(now=timezone.now() + dt.timedelta(minutes=5)) == 1

    application.refresh_from_db()
    assert application.status == "matched"
    assert banks_offered(application) == ["C"]
    # Offered from the ranking it already had, not ranked again on every try.
    assert Ranking.objects.filter(application=application).count() == 1


def test_a_declined_application_whose_next_banks_are_full_waits_rather_than_being_declined(application):
    Bank.objects.exclude(code="A").update(monthly_capacity=0)
    (first,) = application_route(application_id=application.pk)

    offer_decline(offer_id=first.pk, by=None, reason="insufficient_credit")

    application.refresh_from_db()
    assert application.status == "matched"
    Bank.objects.filter(code="B").update(monthly_capacity=1)
    assert route_waiting_applications.apply().get() == 1
    assert route_waiting_applications.apply().get() == 0
    assert banks_offered(application, OfferStatus.OFFERED) == ["B"]


def test_the_sweep_leaves_a_just_scored_application_to_its_routing_task(application):
    assert applications_route_waiting() == 0

    application.refresh_from_db()
    assert application.status == "scored"


def test_a_held_back_application_is_not_offered_a_product_paused_since_it_was_ranked(application):
    Bank.objects.update(monthly_capacity=0)
    application_route(application_id=application.pk)
    LoanProduct.objects.filter(code="A-1").update(active=False)
    Bank.objects.filter(code="B").update(active=False)
    Bank.objects.update(monthly_capacity=5)

    applications_route_waiting(now=timezone.now() + dt.timedelta(minutes=5))

    assert banks_offered(application) == ["C", "D"]


def test_offers_loaded_in_bulk_count_against_capacity_once_recounted(application):
    Bank.objects.filter(code="A").update(monthly_capacity=1)
    other = another_application_like(application)
    now = timezone.now()
    Offer.objects.bulk_create(
        [
            Offer(
                application=other,
                product=LoanProduct.objects.get(code="A-1"),
                bank=Bank.objects.get(code="A"),
                rank=1,
                offered_at=now,
                deadline=now + dt.timedelta(days=3),
            )
        ]
    )

    assert bank_months_recount() == 1
    application_route(application_id=application.pk)

    assert banks_offered(application) == ["B", "C", "D"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_offer_a_stalled_application_one_product(application):
    # An earlier test of this kind empties every table, the settings the migrations seed among them.
    MatchingSettings.objects.get_or_create(number=1, defaults={"created_at": timezone.now()})
    Bank.objects.exclude(code="A").update(monthly_capacity=0)
    (first,) = application_route(application_id=application.pk)
    offer_decline(offer_id=first.pk, by=None, reason="insufficient_credit")
    Bank.objects.update(monthly_capacity=10)

    at_once([applications_route_waiting, applications_route_waiting])

    assert banks_offered(application, OfferStatus.OFFERED) == ["B"]


def test_each_offer_is_kept_with_the_bank_of_its_product(application):
    application_route(application_id=application.pk)

    offers = Offer.objects.filter(application=application).select_related("product")
    assert offers.count() == 3
    assert all(offer.bank_id == offer.product.bank_id for offer in offers)


def test_an_offer_for_another_banks_product_does_not_validate(application):
    application_route(application_id=application.pk)
    offer = Offer.objects.filter(application=application).first()
    offer.bank = Bank.objects.exclude(pk=offer.bank_id).first()

    with pytest.raises(ValidationError) as error:
        offer.full_clean()

    assert list(error.value.message_dict) == ["bank"]


@pytest.mark.postgres
def test_the_database_refuses_an_offer_whose_bank_is_not_its_products(application):
    application_route(application_id=application.pk)
    offer = Offer.objects.filter(application=application).first()
    other_bank = Bank.objects.exclude(pk=offer.bank_id).first()

    with pytest.raises(IntegrityError), transaction.atomic():
        Offer.objects.filter(pk=offer.pk).update(bank=other_bank)
        connection.check_constraints()


def test_a_product_that_has_offers_cannot_move_to_another_bank(application):
    application_route(application_id=application.pk)
    product = Offer.objects.filter(application=application).first().product
    product.bank = Bank.objects.exclude(pk=product.bank_id).first()

    with pytest.raises(ValidationError) as error:
        product.full_clean()

    assert list(error.value.message_dict) == ["bank"]


def test_a_bank_the_firm_stopped_sharing_with_since_the_ranking_is_not_offered_the_application(application):
    first, *_ = application_route(application_id=application.pk)
    applicant = acting_for(application.enterprise)
    for grant in Authorisation.objects.filter(enterprise=application.enterprise):
        authorisation_revoke(user=applicant, authorisation_id=grant.pk)
    consent(application.enterprise, banks=Bank.objects.filter(code__in=["A", "B", "C"]), by=applicant)

    offer_decline(offer_id=first.pk, by=None, reason="insufficient_credit")

    assert banks_offered(application, OfferStatus.OFFERED) == ["B", "C"]
    assert not Offer.objects.filter(application=application, bank__code="D").exists()


def test_an_application_of_a_firm_that_shares_nothing_with_any_bank_is_offered_nowhere(db):
    LoanProductFactory(bank=BankFactory(code="A"))
    application = scored_application(EnterpriseFactory())

    assert application_route(application_id=application.pk) == []
    application.refresh_from_db()
    assert application.status == ApplicationStatus.NOT_ELIGIBLE


def separate_grants_per_bank(application: Application) -> dict[str, Authorisation]:
    """The firm's consent as one grant per bank (every source), so one bank's can be revoked alone."""
    Authorisation.objects.filter(enterprise=application.enterprise).delete()
    return {bank.code: consent(application.enterprise, banks=[bank]) for bank in Bank.objects.order_by("code")}


def test_revoking_a_banks_consent_closes_its_open_offers_and_routes_on(
    application, django_capture_on_commit_callbacks, mailoutbox
):
    grants = separate_grants_per_bank(application)
    first, second, _ = application_route(application_id=application.pk)
    offer_accept(offer_id=second.pk, by=None)
    applicant = acting_for(application.enterprise, "revoker")
    User.objects.filter(role=Role.BANK_OFFICER).delete()
    User.objects.create_user(username="officer-a", role=Role.BANK_OFFICER, bank=first.bank, email="a@bank.example")
    Application.objects.filter(pk=application.pk).update(applicant=applicant)
    User.objects.filter(pk=applicant.pk).update(email="revoker@firm.example")

    with django_capture_on_commit_callbacks(execute=True):
        authorisation_withdraw(user=applicant, authorisation_id=grants["A"].pk)

    assert banks_offered(application, OfferStatus.CLOSED) == ["A"]
    assert banks_offered(application, *OPEN_OFFER_STATES) == ["B", "C", "D"]  # B's accepted offer stays open
    (to_bank,) = [mail for mail in mailoutbox if mail.to == ["a@bank.example"]]
    assert f"application #{application.pk} is closed" in to_bank.body
    (to_applicant,) = [mail for mail in mailoutbox if mail.to == ["revoker@firm.example"]]
    assert "您撤回了对银行A的授权，银行A不再处理您的申请。已为您推送下一家银行的产品。" in to_applicant.body
    with pytest.raises(DomainError):
        offer_accept(offer_id=first.pk, by=None)


def test_revoking_one_of_two_grants_that_cover_a_bank_leaves_its_offer_open(application):
    grants = separate_grants_per_bank(application)
    also_a = consent(application.enterprise, banks=[Bank.objects.get(code="A")])
    first, *_ = application_route(application_id=application.pk)
    applicant = acting_for(application.enterprise, "revoker")

    authorisation_withdraw(user=applicant, authorisation_id=grants["A"].pk)

    first.refresh_from_db()
    assert first.status == OfferStatus.OFFERED
    assert also_a.revoked_at is None
