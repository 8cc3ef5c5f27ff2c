"""What a bank officer sees of the firm behind an offer: only what the firm authorised that bank to see, the
score's reasons included, and every look written to the firm's access log first."""

import pytest

from creditloan.models import AccessLog
from creditloan.services import dispute_raise, dispute_resolve
from matching.services import offer_profile_open
from scoring.models import Score
from tests.factories import TaxRecordFactory, consent, offer_world, score_of

REASONS = {
    "raised": [
        {"feature": "tax_paid_growth", "text_zh": "纳税额同比下降35%", "text_en": "tax paid fell 35%"},
        {"feature": "overdue_days_max_12m", "text_zh": "近12个月最长逾期45天", "text_en": "45 days overdue"},
    ],
    "lowered": [{"feature": "firm_age_years", "text_zh": "成立8年", "text_en": "8 years since registration"}],
}


@pytest.fixture
def world(db):
    world = offer_world()
    score_of(
        world["application"],
        reasons=REASONS,
        improvements=[{"feature": "overdue_days_max_12m", "text_zh": "按时还款", "text_en": "repay on time"}],
    )
    return world


def look(world):
    offer = world["offer"]
    return offer_profile_open(offer=offer, viewer=world["officer_a"])


def test_a_bank_the_firm_has_not_authorised_sees_neither_score_nor_records(world):
    profile = look(world)

    assert profile.score is None
    assert profile.records == []
    assert AccessLog.objects.get().what == "application"


def test_the_score_keeps_only_the_reasons_from_sources_shared_with_the_bank(world):
    consent(world["firm"], sources=["public_credit", "tax"], banks=[world["products"]["A"].bank])

    profile = look(world)

    assert [reason["feature"] for reason in profile.score.reasons["raised"]] == ["tax_paid_growth"]
    assert [reason["feature"] for reason in profile.score.reasons["lowered"]] == ["firm_age_years"]
    assert profile.score.improvements == []
    assert AccessLog.objects.get().what == "application,score,records:public_credit+tax"
    assert Score.objects.get(application=world["application"]).reasons == REASONS  # shown, not changed


def test_consent_to_another_bank_shows_this_bank_nothing(world):
    consent(world["firm"], banks=[world["products"]["B"].bank])

    assert look(world).score is None


def test_a_record_a_dispute_found_wrong_is_not_shown_to_the_bank(world):
    wrong, right = TaxRecordFactory(enterprise=world["firm"]), TaxRecordFactory(enterprise=world["firm"], tax_year=2024)
    consent(world["firm"], sources=["tax"], banks=[world["products"]["A"].bank])
    dispute = dispute_raise(
        user=world["applicant"], enterprise=world["firm"], source="tax", record_id=wrong.pk, reason="错"
    )
    dispute_resolve(by=world["operator"], dispute_id=dispute.pk, outcome="corrected", resolution="已更正")

    (tax,) = look(world).records

    assert [record.pk for record, _dispute in tax["records"]] == [right.pk]
