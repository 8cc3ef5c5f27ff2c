"""The shapes the API shares: a score's reasons come in the credit report's order and lists, and a score stored
before a list was kept reads without it."""

from creditloan.api.serializers import ScoreOut
from tests.factories import offer_world, score_of

WITHHELD = {"feature": "tax_rating", "text_zh": "纳税数据未授权：授权后可用于评分", "text_en": "Tax not authorised"}
RULE = {"feature": "dishonest_debtor", "text_zh": "政策规则「失信被执行人」：……", "text_en": "Policy rule …"}


def test_a_scores_reasons_carry_the_rule_the_withheld_sources_and_the_context(db):
    world = offer_world()
    reasons = {"ruled_out": [RULE], "withheld": [WITHHELD], "raised": [], "lowered": [], "context": []}
    improvement = {"feature": "dishonest_debtor", "advice_zh": "履行", "advice_en": "Pay", "points_gained": 0}
    score = score_of(world["application"], reasons=reasons, improvements=[improvement | {"lifts_knock_out": True}])

    shown = ScoreOut(score).data

    assert shown["reasons"]["ruled_out"] == [RULE] and shown["reasons"]["withheld"] == [WITHHELD]
    assert shown["improvements"][0]["lifts_knock_out"] is True


def test_a_score_stored_before_the_lists_were_kept_reads_without_them(db):
    world = offer_world()
    score = score_of(world["application"], reasons={"raised": [], "lowered": []}, improvements=[])

    shown = ScoreOut(score).data

    assert set(shown["reasons"]) == {"raised", "lowered"}
