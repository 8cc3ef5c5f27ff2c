"""The applicant's pages through Django's test client: adding a firm, consent and what revoking it closes."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from creditloan.models import (
    BankRecord,
    EnterpriseMembership,
)
from tests.factories import (
    EnterpriseFactory,
    consent,
    member_of,
    verified_applicant,
)


def test_adding_a_firm_says_what_is_wrong_with_the_code_and_where(client, world):
    other_firm = EnterpriseFactory(uscc="91110108551385082Q", name="北京某公司")
    member_of(verified_applicant("zhao"), other_firm)
    applicant = verified_applicant("sun")
    client.force_login(applicant)

    wrong = client.post(reverse("applicant:enterprise_add"), {"uscc": "914403001922038217", "role": "agent"})
    typed = client.get(reverse("accounts:uscc_check"), {"code": "914403001922038217"}).json()
    right = client.post(reverse("applicant:enterprise_add"), {"uscc": other_firm.uscc.lower(), "role": "agent"})

    assert "position 18: check character should be 6, got 7" in wrong.content.decode()
    assert typed == {"valid": False, "message": "position 18: check character should be 6, got 7", "position": 18}
    assert right.status_code == 302
    assert EnterpriseMembership.objects.get(user=applicant, enterprise=other_firm).status == "pending"


@pytest.mark.parametrize("bank", ["9" * 30, "abc", "１２", "-1"])
def test_a_bank_named_by_anything_but_its_id_is_not_one_of_the_authorisations_choices(client, world, bank):
    client.force_login(world["applicant"])
    consent_form = {
        "enterprise": world["firm"].pk,
        "sources": ["tax"],
        "purpose": "financing",
        "expires_on": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
    }

    answer = client.post(reverse("applicant:authorisations"), consent_form | {"banks": [world["offer"].bank_id, bank]})

    assert answer.status_code == 200
    assert list(answer.context["form"].errors) == ["banks"]
    assert not world["firm"].authorisations.exists()


def test_revoking_on_the_page_closes_the_offer_of_the_bank_it_covered(client, world):
    grant = consent(world["firm"], banks=[world["offer"].bank], by=world["applicant"])
    client.force_login(world["applicant"])

    answer = client.post(reverse("applicant:authorisation_revoke", args=[grant.pk]))

    assert answer.status_code == 302
    world["offer"].refresh_from_db()
    assert world["offer"].status == "closed"
    client.force_login(world["officer_a"])
    assert client.post(reverse("officer:offer", args=[world["offer"].pk]), {"action": "accept"}).status_code in (
        200,
        302,
    )
    world["offer"].refresh_from_db()
    assert world["offer"].status == "closed"


def test_a_grant_that_ended_yesterday_reads_expired_in_the_small_hours_of_beijing_time(client, world, monkeypatch):
    """At 01:00 in Beijing it is still the day before in UTC: the page must read the day where the firm is."""
    small_hours = dt.datetime(2026, 12, 7, 1, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    grant = consent(world["firm"], since=small_hours - dt.timedelta(days=200), until=dt.date(2026, 12, 6))
    monkeypatch.setattr(timezone, "now", lambda: small_hours.astimezone(dt.UTC))
    client.force_login(world["applicant"])

    page = client.get(reverse("applicant:authorisations")).content.decode()

    revoke = reverse("applicant:authorisation_revoke", args=[grant.pk])
    assert revoke not in page
    assert "Expired" in page


def test_a_bank_shared_record_names_the_bank_that_reported_it_and_an_unknown_code_as_given(client, world):
    for code in ("A", "ICBC-SZ"):
        BankRecord.objects.create(
            enterprise=world["firm"],
            source="bank-feed",
            source_record_id=f"shared-{code}",
            ingested_at=timezone.now(),
            updated_at=timezone.now(),
            reporting_bank=code,
            as_of=dt.date(2025, 12, 31),
            outstanding_balance=Decimal("100000"),
            credit_limit=Decimal("200000"),
            deposit_turnover=Decimal("3000000"),
        )
    client.force_login(world["applicant"])

    page = client.get(reverse("applicant:credit_report", args=[world["firm"].pk])).content.decode()

    assert "<strong>银行A</strong>" in page
    assert "<strong>ICBC-SZ</strong>" in page
