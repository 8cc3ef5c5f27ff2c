"""Negative records older than their retention (five years after the act ended, by default) are no longer shown,
as they no longer count; a listing the firm is still on is shown however old."""

import datetime as dt

from django.utils import timezone

from creditloan.models import PublicCreditRecord
from creditloan.selectors import credit_records
from tests.factories import PublicCreditRecordFactory

TODAY = timezone.localdate()


def years_ago(years: float) -> dt.date:
    return TODAY - dt.timedelta(days=round(365.25 * years))


def record(firm, kind, decided, ended=None, severity="") -> PublicCreditRecord:
    return PublicCreditRecordFactory(
        enterprise=firm, kind=kind, severity=severity, decision_date=decided, end_date=ended
    )


def shown(firm) -> list[str]:
    (public,) = credit_records(firm.pk, sources=["public_credit"])
    return [item.source_record_id for item, _dispute in public["records"]]


def test_a_penalty_is_shown_for_five_years_after_it_was_decided(firm):
    record(firm, "administrative_penalty", years_ago(6), severity="ordinary")
    kept = record(firm, "administrative_penalty", years_ago(4), severity="ordinary")

    assert shown(firm) == [kept.source_record_id]


def test_a_listing_counts_from_when_it_ended_and_one_still_standing_is_shown_however_old(firm):
    standing = record(firm, "serious_dishonesty_list", years_ago(8))
    ended_lately = record(firm, "dishonest_judgment_debtor", years_ago(9), ended=years_ago(2))
    record(firm, "abnormal_operation_list", years_ago(9), ended=years_ago(6))

    assert sorted(shown(firm)) == sorted([standing.source_record_id, ended_lately.source_record_id])


def test_positive_records_are_kept_and_the_period_is_configuration(firm, settings):
    commendation = record(firm, "commendation", years_ago(7))
    penalty = record(firm, "administrative_penalty", years_ago(2), severity="minor")
    settings.CREDIT_NEGATIVE_RETENTION_YEARS = 1

    assert shown(firm) == [commendation.source_record_id]
    settings.CREDIT_NEGATIVE_RETENTION_YEARS = 3
    assert shown(firm) == [penalty.source_record_id, commendation.source_record_id]
