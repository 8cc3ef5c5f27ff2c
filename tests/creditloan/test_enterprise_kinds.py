"""Tests for the kinds of firm a code registers (GB 32100 positions 1-2) and the words each kind's registry entry
uses for the person who answers for it and the money it registers."""

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone, translation

from creditloan.identifiers import organisation_code_check_character, uscc_check_character
from creditloan.ingestion.services import ImportSource, records_import
from creditloan.models import Enterprise, EnterpriseKind
from creditloan.models.enterprises import CAPITAL_TITLES
from scoring.ml.explain import CAPITAL_WORDS_BY_KIND, reasons
from scoring.ml.features import FEATURE_NAMES
from scoring.ml.scale import ScoreScale
from tests.factories import EnterpriseFactory

BODY = "MA5D1234"


def _uscc(prefix: str, region: str = "440305") -> str:
    first_17 = prefix + region + BODY + organisation_code_check_character(BODY)
    return first_17 + uscc_check_character(first_17)


COMPANY_USCC = _uscc("91")
SOLE_PROPRIETOR_USCC = _uscc("92")
COOPERATIVE_USCC = _uscc("93")
SOCIAL_GROUP_USCC = _uscc("51")  # 民政, 社会团体


@pytest.mark.parametrize(
    ("uscc", "kind"),
    [
        (COMPANY_USCC, EnterpriseKind.COMPANY),
        (SOLE_PROPRIETOR_USCC, EnterpriseKind.SOLE_PROPRIETOR),
        (COOPERATIVE_USCC, EnterpriseKind.COOPERATIVE),
        (SOCIAL_GROUP_USCC, EnterpriseKind.OTHER),
    ],
)
def test_the_code_says_what_kind_of_firm_it_registers(uscc, kind):
    assert EnterpriseKind.from_uscc(uscc) == kind


@pytest.mark.django_db
def test_a_93_code_is_stored_as_a_cooperative():
    EnterpriseFactory(uscc=COOPERATIVE_USCC, name="示例县绿源农民专业合作社", kind=EnterpriseKind.COOPERATIVE)

    assert Enterprise.objects.get(uscc=COOPERATIVE_USCC).kind == "cooperative"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("uscc", "kind"),
    [(COOPERATIVE_USCC, EnterpriseKind.OTHER), (SOCIAL_GROUP_USCC, EnterpriseKind.COOPERATIVE)],
)
def test_database_rejects_a_kind_the_code_does_not_register(uscc, kind):
    with pytest.raises(IntegrityError, match="enterprise_kind_matches_uscc"), transaction.atomic():
        EnterpriseFactory(uscc=uscc, kind=kind)

    assert Enterprise.objects.count() == 0


def test_enterprise_clean_says_a_93_code_registers_a_cooperative():
    enterprise = EnterpriseFactory.build(uscc=COOPERATIVE_USCC, kind=EnterpriseKind.OTHER)

    with translation.override("en"), pytest.raises(ValidationError) as caught:
        enterprise.clean()

    assert caught.value.message_dict == {
        "kind": [f"the code {COOPERATIVE_USCC} registers a Farmers' cooperative (农民专业合作社)"]
    }


@pytest.mark.django_db
def test_an_imported_93_row_without_a_kind_becomes_a_cooperative(tmp_path: Path):
    path = tmp_path / "firms.csv"
    path.write_text(
        "uscc,name,region,industry,registered_on,legal_representative_name\n"
        f"{COOPERATIVE_USCC},示例县绿源农民专业合作社,440305,01,2016-03-01,李四\n",
        encoding="utf-8",
    )

    records_import(files=[ImportSource("enterprises", path)], origin="test", fast_path=False)

    assert Enterprise.objects.get(uscc=COOPERATIVE_USCC).kind == "cooperative"


@pytest.mark.parametrize(
    ("kind", "representative", "capital"),
    [
        (EnterpriseKind.COMPANY, "法定代表人", "注册资本"),
        (EnterpriseKind.SOLE_PROPRIETOR, "经营者", "资金数额"),
        (EnterpriseKind.COOPERATIVE, "法定代表人", "成员出资总额"),
        (EnterpriseKind.OTHER, "负责人", "注册资金"),
    ],
)
def test_each_kind_names_its_representative_and_capital_in_chinese(kind, representative, capital):
    enterprise = EnterpriseFactory.build(kind=kind)

    with translation.override("zh-hans"):
        assert (str(enterprise.representative_title), str(enterprise.capital_title)) == (representative, capital)


def test_a_sole_proprietor_has_an_operator_and_a_capital_amount_in_english():
    enterprise = EnterpriseFactory.build(uscc=SOLE_PROPRIETOR_USCC, kind=EnterpriseKind.SOLE_PROPRIETOR)

    with translation.override("en"):
        assert (str(enterprise.representative_title), str(enterprise.capital_title)) == ("operator", "capital amount")


@pytest.mark.django_db
def test_a_sole_proprietors_admin_page_names_its_operator_and_capital_amount(admin_client):
    firm = EnterpriseFactory(
        uscc=SOLE_PROPRIETOR_USCC,
        name="南山区示例便利店",
        kind=EnterpriseKind.SOLE_PROPRIETOR,
        legal_representative_name="王五",
    )

    # Inside override: a request activates its language in the thread, and leaving it active would turn the
    # next tests' messages Chinese.
    with translation.override("zh-hans"):
        change = admin_client.get(
            reverse("admin:creditloan_enterprise_change", args=[firm.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans"
        )
        listing = admin_client.get(reverse("admin:creditloan_enterprise_changelist"), HTTP_ACCEPT_LANGUAGE="zh-hans")
        fields = change.context["adminform"].form.fields
        labels = (str(fields["legal_representative_name"].label), str(fields["registered_capital"].label))

    assert labels == ("经营者", "资金数额（元）")
    assert "王五（经营者）" in listing.content.decode()


@pytest.mark.parametrize(
    ("kind", "zh", "en"),
    [
        ("company", "注册资本为5.0万元，降低了风险", "Registered capital: ¥50,000, lowered the risk"),
        ("sole_proprietor", "资金数额为5.0万元，降低了风险", "Capital amount: ¥50,000, lowered the risk"),
        ("cooperative", "成员出资总额为5.0万元，降低了风险", "Members' total contributions: ¥50,000, lowered the risk"),
    ],
)
def test_a_score_reason_names_the_capital_in_the_words_of_the_firms_kind(kind, zh, en):
    features = pd.Series(dict.fromkeys(FEATURE_NAMES, np.nan) | {"kind": kind, "registered_capital": 50_000.0})
    contributions = pd.Series(0.0, index=FEATURE_NAMES)
    contributions["registered_capital"] = -0.5

    _, (lowered,) = reasons(features, contributions, scale=ScoreScale())

    assert (lowered.text_zh, lowered.text_en) == (zh, en)


def test_score_reasons_and_pages_use_the_same_capital_words():
    with translation.override("zh-hans"):
        pages = {str(kind): str(title) for kind, title in CAPITAL_TITLES.items()}
    with translation.override("en"):
        pages_en = {str(kind): str(title) for kind, title in CAPITAL_TITLES.items()}

    assert {kind: (pages[kind], pages_en[kind]) for kind in pages} == CAPITAL_WORDS_BY_KIND


@pytest.mark.django_db(transaction=True)
def test_migration_turns_stored_93_firms_into_cooperatives_and_back():
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    executor.migrate([("creditloan", "0015_outbox")])
    try:
        old_apps = executor.loader.project_state([("creditloan", "0015_outbox")]).apps
        OldEnterprise = old_apps.get_model("creditloan", "Enterprise")
        common = {"region": "440305", "industry": "01", "registered_on": dt.date(2016, 3, 1), "status": "active"}
        common |= {"legal_representative_name": "李四", "source": "registry"}
        common |= {"ingested_at": timezone.now(), "updated_at": timezone.now()}
        OldEnterprise.objects.create(uscc=COOPERATIVE_USCC, name="合作社", kind="other", **common)
        OldEnterprise.objects.create(uscc=SOCIAL_GROUP_USCC, name="协会", kind="other", **common)

        executor = MigrationExecutor(connection)
        executor.migrate([("creditloan", "0016_enterprise_kinds")])
        new_apps = executor.loader.project_state([("creditloan", "0016_enterprise_kinds")]).apps
        forward = dict(new_apps.get_model("creditloan", "Enterprise").objects.values_list("uscc", "kind"))

        executor = MigrationExecutor(connection)
        executor.migrate([("creditloan", "0015_outbox")])
        backward = dict(OldEnterprise.objects.values_list("uscc", "kind"))
    finally:
        # Leave the schema as every other test expects it.
        MigrationExecutor(connection).migrate(leaves)

    assert forward == {COOPERATIVE_USCC: "cooperative", SOCIAL_GROUP_USCC: "other"}
    assert backward == {COOPERATIVE_USCC: "other", SOCIAL_GROUP_USCC: "other"}
