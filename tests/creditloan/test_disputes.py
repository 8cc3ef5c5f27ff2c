"""Disputes (异议): a firm contests one of its records, the operator answers within 20 days, the applicant
sees the answer."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from django.urls import reverse
from django.utils import timezone

from creditloan.errors import DomainError
from creditloan.flows.records import dispute_resolve
from creditloan.models import Dispute, User
from creditloan.models.accounts import Role
from creditloan.services import dispute_raise
from scoring.selectors import record_frames
from tests.factories import TaxRecordFactory, consent


@pytest.fixture
def operator(db):
    return User.objects.create_user(username="ops", role=Role.OPERATOR)


@pytest.fixture
def record(firm):
    return TaxRecordFactory(enterprise=firm)


def test_a_dispute_is_due_twenty_days_after_it_is_raised(applicant, firm, record):
    dispute = dispute_raise(user=applicant, enterprise=firm, source="tax", record_id=record.pk, reason="评级应为B")

    assert dispute.status == "open"
    assert dispute.due_on == timezone.localdate() + dt.timedelta(days=20)
    assert dispute.record_summary == str(record)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"source": "weather"}, "source: 'weather' is not one of public_credit, tax, customs, bank"),
        ({"record_id": 999_999}, "no tax record #999999 of this firm"),
        ({"reason": "   "}, "reason: say what is wrong with the record"),
    ],
)
def test_a_dispute_that_makes_no_sense_is_refused(applicant, firm, record, changes, message):
    values = {"source": "tax", "record_id": record.pk, "reason": "评级应为B"} | changes

    with pytest.raises(DomainError, match=message):
        dispute_raise(user=applicant, enterprise=firm, **values)

    assert not Dispute.objects.exists()


def test_a_record_has_one_open_dispute_and_only_its_firm_can_raise_one(applicant, firm, record):
    stranger = User.objects.create_user(username="zhao", role=Role.APPLICANT)
    dispute_raise(user=applicant, enterprise=firm, source="tax", record_id=record.pk, reason="评级应为B")

    with pytest.raises(DomainError, match="already open"):
        dispute_raise(user=applicant, enterprise=firm, source="tax", record_id=record.pk, reason="again")
    with pytest.raises(DomainError, match="you may not see or dispute the records of"):
        dispute_raise(user=stranger, enterprise=firm, source="tax", record_id=record.pk, reason="not mine")


def test_only_an_operator_answers_once_with_a_finding(applicant, operator, firm, record):
    dispute = dispute_raise(user=applicant, enterprise=firm, source="tax", record_id=record.pk, reason="评级应为B")

    with pytest.raises(DomainError, match="only an operator"):
        dispute_resolve(by=applicant, dispute_id=dispute.pk, outcome="corrected", resolution="x")
    with pytest.raises(DomainError, match="resolution: say what was found"):
        dispute_resolve(by=operator, dispute_id=dispute.pk, outcome="corrected", resolution="")
    dispute_resolve(by=operator, dispute_id=dispute.pk, outcome="upheld", resolution="税务机关确认评级为C")
    with pytest.raises(DomainError, match="has already been answered: Upheld"):
        dispute_resolve(by=operator, dispute_id=dispute.pk, outcome="corrected", resolution="x")


def test_the_applicant_disputes_on_the_report_and_reads_the_operators_answer(client, applicant, operator, firm, record):
    client.force_login(applicant)
    report = reverse("applicant:credit_report", args=[firm.pk])

    client.post(report, {"source": "tax", "record_id": record.pk, "reason": "评级应为B"})
    client.force_login(operator)
    queue = client.get(reverse("operator:disputes")).content.decode()
    dispute = Dispute.objects.get()
    client.post(
        reverse("operator:disputes"), {"dispute": dispute.pk, "outcome": "corrected", "resolution": "已更正为B"}
    )
    client.force_login(applicant)
    page = client.get(report).content.decode()

    assert "评级应为B" in queue
    assert "已更正为B" in page


def test_a_record_found_wrong_stops_counting_and_the_firm_is_weighed_again(
    applicant, firm, record, operator, django_capture_on_commit_callbacks
):
    consent(firm, sources=["tax"])
    requests = pd.DataFrame({"enterprise_id": [firm.pk], "as_of": np.array([timezone.localdate()], "datetime64[D]")})
    assert list(record_frames(requests=requests).tax["id"]) == [record.pk]
    dispute = dispute_raise(user=applicant, enterprise=firm, source="tax", record_id=record.pk, reason="评级应为B")

    with django_capture_on_commit_callbacks() as callbacks:
        dispute_resolve(by=operator, dispute_id=dispute.pk, outcome="corrected", resolution="税务局已更正")

    assert list(record_frames(requests=requests).tax["id"]) == []
    assert len(callbacks) == 1  # the firm's reassessment, once committed (enterprise_reassess is tested with a model)


def test_an_upheld_dispute_leaves_the_record_counting(
    applicant, firm, record, operator, django_capture_on_commit_callbacks
):
    consent(firm, sources=["tax"])
    dispute = dispute_raise(user=applicant, enterprise=firm, source="tax", record_id=record.pk, reason="评级应为B")

    with django_capture_on_commit_callbacks() as callbacks:
        dispute_resolve(by=operator, dispute_id=dispute.pk, outcome="upheld", resolution="记录无误")

    assert callbacks == []

    requests = pd.DataFrame({"enterprise_id": [firm.pk], "as_of": np.array([timezone.localdate()], "datetime64[D]")})
    assert list(record_frames(requests=requests).tax["id"]) == [record.pk]
