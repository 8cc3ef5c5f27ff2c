"""The consent flows: a post-loan consent given warns the banks it names of the firm's serious records once
committed; a consent for financing sets nothing going."""

import datetime as dt

import pytest
from django.utils import timezone

from creditloan.flows import steps
from creditloan.flows.consent import authorisation_give
from creditloan.models import OutboxMessage
from tests.factories import BankFactory, EnterpriseFactory, acting_for


@pytest.mark.parametrize(("purpose", "queued"), [("post_loan", 1), ("financing", 0)])
def test_a_post_loan_consent_queues_the_warnings_of_the_firms_lenders(db, purpose, queued):
    firm = EnterpriseFactory()
    bank = BankFactory(code="A")

    authorisation_give(
        user=acting_for(firm),
        enterprise=firm,
        sources=["public_credit"],
        purpose=purpose,
        bank_ids=[bank.pk],
        expires_on=timezone.localdate() + dt.timedelta(days=90),
    )

    assert list(OutboxMessage.objects.values_list("task", "args")) == [(steps.WARN_LENDERS_OF_FIRM, [firm.pk])] * queued
