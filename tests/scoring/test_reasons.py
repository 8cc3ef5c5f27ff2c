"""What a firm is told about its score on the demo world's records: reasons that agree with the records on the
same page, the knock-out first, and a step to take or why there is none (scoring.ml.explain's sentences, as
scoring.selectors.enterprise_assess puts them together)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import translation

from creditloan import selectors as creditloan_selectors
from creditloan.demo.services import demo_world_generate
from creditloan.flows.champion import model_promote, model_train
from creditloan.models import Enterprise, PublicCreditRecord
from scoring.ml.explain import BACKGROUND_WORDS, IMPROVEMENTS
from scoring.ml.features import CONSENTED_SOURCES, FEATURES_BY_NAME
from scoring.models import Score
from scoring.selectors import enterprise_assess
from tests.factories import acting_for, consent

AS_OF = dt.date(2026, 10, 31)


@pytest.fixture(scope="module")
def champion(django_db_setup, django_db_blocker):
    """A demo world and the champion trained on its loan history, shared by this module's tests and rolled back
    after them."""
    with django_db_blocker.unblock(), transaction.atomic():
        demo_world_generate(enterprises=7000, seed=7, as_of=AS_OF)
        yield model_promote(number=model_train().version.number)
        transaction.set_rollback(True)


@pytest.fixture
def world(champion, db):
    return champion


# The sample, consenting the way owners do on the credit report today: some authorise nothing (as the demo
# world leaves most firms, their old applications' consent long expired), some only public credit and customs,
# some every source.
SAMPLE_CONSENTS = ((), ("customs", "public_credit"), ("bank", "customs", "public_credit", "tax"))
# Records with nothing good about having some: a sentence that says some "lowered the risk", or none "raised"
# it, reads as nonsense whatever the model made of it.
NONE_IS_GOOD = ("tax_arrears", "overdue_days_max_12m", "penalties_serious_36m", "dishonest_debtor")


@pytest.fixture
def sample(world) -> list[Enterprise]:
    """40 active firms spread over the registry, each with one of SAMPLE_CONSENTS in turn."""
    ids = list(Enterprise.objects.filter(status="active").order_by("pk").values_list("pk", flat=True))
    firms = [Enterprise.objects.get(pk=ids[i]) for i in np.linspace(0, len(ids) - 1, 40).astype(int)]
    for index, firm in enumerate(firms):
        if SAMPLE_CONSENTS[index % 3]:
            consent(firm, sources=SAMPLE_CONSENTS[index % 3])
    return firms


def withheld_from(firm: Enterprise) -> set[str]:
    """The sources no authorisation of the firm covers today, as the authorisations page shows them."""
    return set(CONSENTED_SOURCES) - creditloan_selectors.authorised_sources(firm.pk)


def said(score: Score) -> list[str]:
    items = [item for items in score.reasons.values() for item in items]
    return [item[key] for item in items for key in ("text_zh", "text_en")] + [
        offer[key] for offer in score.improvements for key in ("advice_zh", "advice_en")
    ]


def test_every_firm_in_a_sample_is_told_only_what_its_records_bear_out(sample):
    for firm in sample:
        score = enterprise_assess(enterprise_id=firm.pk)
        withheld = withheld_from(firm)

        # A withheld source is one line saying so, agreeing with the firm's authorisations; nothing says
        # "no record".
        assert [line["source"] for line in score.reasons["withheld"]] == [
            source for source in CONSENTED_SOURCES if source in withheld
        ]
        assert not any("无记录" in text or "no record" in text for text in said(score))
        for reason in score.reasons["raised"] + score.reasons["lowered"]:
            name, value = reason["feature"], score.features[reason["feature"]]
            assert name not in BACKGROUND_WORDS  # province, industry, kind, age: background, never a risk
            assert FEATURES_BY_NAME[name].source not in withheld
            assert value is not None  # a missing value neither raises nor lowers anything
            if name in NONE_IS_GOOD:
                assert (value > 0) == (reason in score.reasons["raised"]), reason["text_zh"]
        for line in score.reasons["context"]:
            assert "风险" not in line["text_zh"] and "risk" not in line["text_en"]


def test_every_firm_in_a_sample_gets_a_step_or_is_rightly_told_nothing_is_left(sample):
    advised = 0
    for firm in sample:
        score = enterprise_assess(enterprise_id=firm.pk)
        withheld = withheld_from(firm)
        row = pd.Series({name: np.nan if value is None else value for name, value in score.features.items()})
        fixable = [
            change.feature
            for change in IMPROVEMENTS
            if FEATURES_BY_NAME[change.feature].source not in withheld and change.applies(row)
        ]

        # Either a concrete step, or the page's "nothing on the records can be fixed directly", which is then
        # true: no step applies and every source is authorised.
        assert bool(score.improvements) == bool(fixable or withheld), (firm.pk, fixable, withheld)
        assert {offer["source"] for offer in score.improvements if "source" in offer} == withheld
        advised += bool(score.improvements)
    assert advised >= 30  # two thirds of the sample withhold a source; some of the rest have a record to mend


def listed_firm() -> Enterprise:
    """A firm listed as a dishonest judgment debtor today, consenting to every source: knocked out."""
    listed = PublicCreditRecord.objects.filter(
        kind="dishonest_judgment_debtor",
        repaired_on__isnull=True,
        end_date__isnull=True,
        enterprise__memberships__isnull=True,  # nobody acts for it yet: the test's owner will
    ).first()
    consent(listed.enterprise)
    return listed.enterprise


def test_a_knocked_out_firm_is_told_the_rule_first_and_the_step_that_lifts_it(world):
    score = enterprise_assess(enterprise_id=listed_firm().pk)

    first = score.reasons["ruled_out"][0]
    assert first["rule"] == "dishonest-judgment-debtor"
    assert first["text_zh"].startswith("政策规则「失信被执行人」：企业当前被列为失信被执行人")
    assert (score.improvements[0]["feature"], score.improvements[0]["lifts_knock_out"]) == ("dishonest_debtor", True)


def credit_report(client, firm: Enterprise, language: str) -> str:
    """The "Why" part of the firm's credit report, up to its improvements, as its owner (logged in) reads it."""
    # The page switches this thread's language; override puts the suite's back afterwards.
    with translation.override(language):
        text = client.get(
            reverse("applicant:credit_report", args=[firm.pk]), HTTP_ACCEPT_LANGUAGE=language
        ).content.decode()
    return text[text.index('aria-labelledby="why"') : text.index('data-testid="improvements"')]


def test_the_credit_report_names_withheld_tax_data_beside_the_firms_own_tax_records(world, client):
    firm = next(
        firm
        for firm in Enterprise.objects.filter(status="active", taxrecords__isnull=False, memberships__isnull=True)
        .distinct()
        .order_by("pk")
        if not creditloan_selectors.authorised_sources(firm.pk)
    )
    consent(firm, sources=("public_credit", "customs", "bank"))
    client.force_login(acting_for(firm, "owner"))

    zh = credit_report(client, firm, "zh-hans")
    en = credit_report(client, firm, "en")

    assert "纳税数据未授权：授权后可用于评分" in zh and "无记录" not in zh
    assert "Tax data not authorised: authorise it to have it count" in en and "no record" not in en
    assert zh.count("未授权") == 1  # one line for the source, not one per tax feature


def test_the_credit_report_of_a_knocked_out_firm_says_the_rule_before_anything_else(world, client):
    firm = listed_firm()
    client.force_login(acting_for(firm, "owner"))

    why = credit_report(client, firm, "zh-hans")

    assert why[why.index("<li>") + len("<li>") :].startswith("政策规则「失信被执行人」")
