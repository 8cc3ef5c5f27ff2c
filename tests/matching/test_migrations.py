"""matching 0012 gives each stage of an offer its own time, from what the single stamp had kept: run here on a
database migrated back to 0011, with offers stamped as they were then."""

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
from django.conf import settings

from creditloan.models import User
from tests.creditloan.test_migrations import back_to_the_latest_afterwards, migrate  # noqa: F401 (a fixture)
from tests.factories import ApplicationFactory, EnterpriseFactory, LoanProductFactory

ONE_STAMP = [("matching", "0011_offer_accepted_at_and_repayment_method")]
STAGE_TIMES = [("matching", "0012_offer_stage_times")]
ZONE = zoneinfo.ZoneInfo(settings.TIME_ZONE)
OFFERED = dt.datetime(2026, 11, 2, 9, 0, tzinfo=ZONE)


def at(days: float) -> dt.datetime:
    return OFFERED + dt.timedelta(days=days)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("back_to_the_latest_afterwards")
def test_each_stage_gets_the_time_its_history_kept_and_going_back_restores_the_one_stamp():
    firm = EnterpriseFactory()
    products = [LoanProductFactory() for _ in range(7)]
    wang = User.objects.create_user(username="wang", role="bank_officer", bank=products[0].bank)
    applications = [ApplicationFactory(enterprise=firm, submitted_at=OFFERED) for _ in products]
    before = migrate(ONE_STAMP)
    Offer, Loan = before.get_model("matching", "Offer"), before.get_model("matching", "Loan")

    def offer(index: int, status: str, **stamped):
        product = products[index]
        return Offer.objects.create(
            application_id=applications[index].pk, product_id=product.pk, bank_id=product.bank_id, rank=1,
            status=status, offered_at=OFFERED, deadline=at(3), **stamped,
        ).pk  # fmt: skip

    under_review = offer(0, "accepted", decided_at=at(1), decided_by_id=wang.pk, accepted_at=at(1))
    under_review_before_0011 = offer(1, "accepted", decided_at=at(1.5), decided_by_id=wang.pk)
    closed_in_review = offer(2, "closed", decided_at=at(0.5), decided_by_id=wang.pk)
    closed_unanswered = offer(3, "closed")
    approved = offer(4, "approved", decided_at=at(2), decided_by_id=wang.pk, accepted_at=at(1))
    paid_next_day = offer(5, "disbursed", decided_at=at(2), decided_by_id=wang.pk)
    # Paid out before payouts stopped restamping: its stamp is the payout's, later than the loan day's start.
    paid_restamped = offer(6, "disbursed", decided_at=at(4.25), decided_by_id=wang.pk)
    for paid, day in ((paid_next_day, at(3).date()), (paid_restamped, at(4).date())):
        Loan.objects.create(
            offer_id=paid, amount=Decimal("300000"), annual_rate=Decimal("0.05"), term_months=12, disbursed_on=day
        )

    after = migrate(STAGE_TIMES)
    stages = {
        row["pk"]: row
        for row in after.get_model("matching", "Offer").objects.values(
            "pk", "accepted_at", "accepted_by", "decided_at", "decided_by", "disbursed_at"
        )
    }

    def stage(pk):
        row = stages[pk]
        return (row["accepted_at"], row["accepted_by"], row["decided_at"], row["decided_by"], row["disbursed_at"])

    assert stage(under_review) == (at(1), wang.pk, None, None, None)
    assert stage(under_review_before_0011) == (at(1.5), wang.pk, None, None, None)
    assert stage(closed_in_review) == (at(0.5), wang.pk, None, None, None)
    assert stage(closed_unanswered) == (None, None, None, None, None)
    # Who took up a decided offer was overwritten by who decided it: not guessed.
    assert stage(approved) == (at(1), None, at(2), wang.pk, None)
    assert stage(paid_next_day) == (None, None, at(2), wang.pk, dt.datetime(2026, 11, 5, tzinfo=ZONE))
    assert stage(paid_restamped) == (None, None, at(4.25), wang.pk, at(4.25))

    back = migrate(ONE_STAMP)
    restored = dict(back.get_model("matching", "Offer").objects.values_list("pk", "decided_at"))
    assert (restored[under_review], restored[closed_in_review], restored[approved]) == (at(1), at(0.5), at(2))
