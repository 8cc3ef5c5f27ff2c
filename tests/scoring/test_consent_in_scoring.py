"""Scoring uses a source of a firm's records only on days an authorisation (授权) for financing covered it:
never before the grant, after its expiry, or from the day it was revoked."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from django.utils import timezone

from creditloan.models import TaxRecord, User
from creditloan.services import authorisation_revoke, dispute_raise, dispute_resolve
from scoring import selectors
from scoring.ml.features import build_features
from tests.factories import BankFactory, EnterpriseFactory, TaxRecordFactory, acting_for, consent

TODAY = timezone.localdate()


@pytest.fixture
def firm(db):
    firm = EnterpriseFactory()
    TaxRecordFactory(enterprise=firm, rated_on=dt.date(2025, 4, 1))
    BankFactory(code="A")
    return firm


def uses(firm, *days: dt.date) -> pd.DataFrame:
    requests = pd.DataFrame({"enterprise_id": [firm.pk] * len(days), "as_of": np.array(days, dtype="datetime64[D]")})
    return pd.DataFrame(selectors.record_frames(requests=requests).requests).filter(like="uses_")


def test_without_an_authorisation_no_consented_source_is_used(firm):
    assert not uses(firm, TODAY).to_numpy().any()


def test_a_grant_covers_its_sources_from_the_day_it_was_given_through_its_expiry(firm):
    consent(
        firm,
        sources=["public_credit", "tax"],
        since=timezone.now() - dt.timedelta(days=30),
        until=TODAY + dt.timedelta(days=10),
    )

    frame = uses(firm, TODAY - dt.timedelta(days=31), TODAY, TODAY + dt.timedelta(days=10), TODAY + dt.timedelta(11))

    assert frame["uses_tax"].tolist() == [False, True, True, False]
    assert frame["uses_public_credit"].tolist() == [False, True, True, False]
    assert frame["uses_customs"].tolist() == [False, False, False, False]


def test_revoking_stops_use_the_same_day_but_not_the_days_before(firm):
    applicant = acting_for(firm)
    grant = consent(firm, since=timezone.now() - dt.timedelta(days=30), by=applicant)

    authorisation_revoke(user=applicant, authorisation_id=grant.pk)

    assert uses(firm, TODAY - dt.timedelta(days=1), TODAY)["uses_tax"].tolist() == [True, False]


def test_the_firms_tax_records_count_only_while_it_consents(firm):
    applicant = acting_for(firm)
    requests = pd.DataFrame({"enterprise_id": [firm.pk], "as_of": np.array([TODAY], dtype="datetime64[D]")})

    def tax_rating():
        return build_features(selectors.record_frames(requests=requests)).iloc[0]["tax_rating"]

    assert np.isnan(tax_rating())
    grant = consent(firm, sources=["tax"], by=applicant)
    assert tax_rating() == 2.0  # C
    authorisation_revoke(user=applicant, authorisation_id=grant.pk)
    assert np.isnan(tax_rating())


@pytest.mark.parametrize("many", [False, True])
def test_both_paths_read_consent_and_leave_out_a_record_found_wrong(firm, many, monkeypatch):
    if many:  # the batch path (frames; COPY on PostgreSQL) is taken above COPY_ABOVE firms
        monkeypatch.setattr(selectors, "COPY_ABOVE", 0)
    kept = TaxRecord.objects.get(enterprise=firm)
    wrong = TaxRecordFactory(enterprise=firm, tax_year=2024)
    applicant = acting_for(firm)
    consent(firm, sources=["tax"])
    dispute = dispute_raise(user=applicant, enterprise=firm, source="tax", record_id=wrong.pk, reason="错")
    dispute_resolve(
        by=User.objects.create_user(username="ops", role="operator"),
        dispute_id=dispute.pk,
        outcome="corrected",
        resolution="已更正",
    )
    requests = pd.DataFrame({"enterprise_id": [firm.pk], "as_of": np.array([TODAY], dtype="datetime64[D]")})

    frames = selectors.record_frames(requests=requests)

    assert list(pd.DataFrame(frames.requests)["uses_tax"]) == [True]
    assert list(pd.DataFrame(frames.requests)["uses_bank"]) == [False]
    assert list(np.asarray(frames.tax["id"])) == [kept.pk]


def test_a_request_decided_today_uses_the_consent_of_today_not_of_the_day_its_records_are_read(firm):
    applicant = acting_for(firm)
    grant = consent(firm, sources=["tax"], since=timezone.now() - dt.timedelta(days=30), by=applicant)
    authorisation_revoke(user=applicant, authorisation_id=grant.pk)
    ten_days_ago = np.array([TODAY - dt.timedelta(days=10)], dtype="datetime64[D]")
    as_it_stood = pd.DataFrame({"enterprise_id": [firm.pk], "as_of": ten_days_ago})
    decided_today = as_it_stood.assign(consent_on=np.array([TODAY], dtype="datetime64[D]"))

    assert list(pd.DataFrame(selectors.record_frames(requests=as_it_stood).requests)["uses_tax"]) == [True]
    assert list(pd.DataFrame(selectors.record_frames(requests=decided_today).requests)["uses_tax"]) == [False]
