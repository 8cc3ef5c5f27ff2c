"""Authorisations (授权): granted by a person acting for the firm, kept with their words, revoked at once; an
expired or revoked one counts as none, and a product that needs a source opens only while one covers it."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from creditloan.errors import DomainError
from creditloan.models import Authorisation, User
from creditloan.models.accounts import Role
from creditloan.selectors import authorised_sources
from creditloan.services import authorisation_grant, authorisation_revoke
from matching.selectors import application_eligibility
from tests.factories import BankFactory, LoanProductFactory, scored_application

IN_90_DAYS = dt.date.today() + dt.timedelta(days=90)


@pytest.fixture
def bank(db):
    return BankFactory(code="A")


def grant(applicant, firm, bank, **changes):
    values = {"sources": ["tax"], "purpose": "financing", "bank_ids": [bank.pk], "expires_on": IN_90_DAYS} | changes
    return authorisation_grant(user=applicant, enterprise=firm, **values)


def test_a_grant_keeps_the_words_agreed_to(applicant, firm, bank):
    authorisation = grant(applicant, firm, bank, sources=["customs", "public_credit"])

    assert authorisation.sources == ["customs", "public_credit"]
    assert list(authorisation.banks.all()) == [bank]
    assert firm.name in authorisation.text and "银行A" in authorisation.text and "until" in authorisation.text
    assert authorised_sources(firm.pk) == {"customs", "public_credit"}


@pytest.mark.parametrize("page_language", ["zh-hans", "en"])
def test_the_words_name_sources_and_banks_in_each_half_s_own_language_whatever_the_pages(
    applicant, firm, bank, page_language
):
    with translation.override(page_language):
        text = grant(applicant, firm, bank, sources=["public_credit", "customs"]).text

    chinese, english = text.split("\n")
    assert "海关、公共信用数据" in chinese and f"向{bank.name}提供" in chinese
    assert "customs, public credit data" in english and f"share it with {bank.name}," in english
    assert "public_credit" not in text and f" {bank.code}," not in text


@pytest.mark.parametrize("alone", ["tax", "bank"])
def test_tax_and_bank_data_are_each_authorised_on_their_own(applicant, firm, bank, alone):
    with pytest.raises(DomainError) as error:
        grant(applicant, firm, bank, sources=[alone, "public_credit"])
    assert error.value.field == "sources"
    assert "needs an authorisation of its own" in error.value.message

    authorisation = grant(applicant, firm, bank, sources=[alone])

    assert authorisation.sources == [alone]
    assert "public credit" not in authorisation.text.lower() and "公共信用" not in authorisation.text


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"sources": []}, "sources: choose one or more of public_credit, tax, customs, bank"),
        ({"sources": ["enterprises"]}, "sources: choose one or more"),
        ({"purpose": "marketing"}, "purpose: 'marketing' is not one of financing, post_loan"),
        ({"bank_ids": []}, "banks: choose one or more participating banks"),
        ({"bank_ids": [999_999]}, "banks: choose one or more participating banks"),
        ({"expires_on": dt.date(2020, 1, 1)}, "expires_on: 2020-01-01 is not after today and within a year"),
        ({"expires_on": dt.date.today() + dt.timedelta(days=800)}, "is not after today and within a year"),
    ],
)
def test_a_grant_that_makes_no_sense_is_refused_naming_the_field(applicant, firm, bank, changes, message):
    with pytest.raises(DomainError, match=message):
        grant(applicant, firm, bank, **changes)

    assert not Authorisation.objects.exists()


def test_only_a_person_acting_for_the_firm_can_grant_or_revoke(applicant, firm, bank):
    stranger = User.objects.create_user(username="zhao", role=Role.APPLICANT)
    authorisation = grant(applicant, firm, bank)

    with pytest.raises(DomainError, match="you may not grant authorisations for"):
        grant(stranger, firm, bank)
    with pytest.raises(DomainError, match=f"no authorisation #{authorisation.pk} of yours"):
        authorisation_revoke(user=stranger, authorisation_id=authorisation.pk)


def test_revoked_or_expired_authorisations_count_as_none(applicant, firm, bank):
    revoked = grant(applicant, firm, bank, sources=["tax"])
    expired = grant(applicant, firm, bank, sources=["customs"])
    Authorisation.objects.filter(pk=expired.pk).update(expires_on=timezone.localdate() - dt.timedelta(days=1))

    authorisation_revoke(user=applicant, authorisation_id=revoked.pk)

    assert authorised_sources(firm.pk) == frozenset()
    with pytest.raises(DomainError, match="was revoked on"):
        authorisation_revoke(user=applicant, authorisation_id=revoked.pk)


def test_a_product_that_needs_tax_data_opens_only_while_tax_data_is_authorised(applicant, firm, bank):
    LoanProductFactory(bank=bank, code="A-TAX", name="税易贷", policy_tags=["tax_data"])
    application = scored_application(firm)

    def eligible() -> bool:
        return application_eligibility(application=application)[0].eligible

    assert not eligible()
    grant(applicant, firm, bank, sources=["public_credit"])
    assert not eligible()
    authorisation = grant(applicant, firm, bank, sources=["tax"])
    assert eligible()
    authorisation_revoke(user=applicant, authorisation_id=authorisation.pk)
    assert not eligible()


def test_a_product_is_open_only_to_a_firm_that_lets_its_bank_see_its_public_credit_record(applicant, firm, bank):
    other_bank = BankFactory(code="B")
    LoanProductFactory(bank=bank, code="A-1")
    LoanProductFactory(bank=other_bank, code="B-1")
    application = scored_application(firm)

    grant(applicant, firm, other_bank, sources=["public_credit"])
    verdicts = {verdict.product.code: verdict for verdict in application_eligibility(application=application)}

    assert verdicts["B-1"].eligible
    assert not verdicts["A-1"].eligible
    assert [reason["rule"] for reason in verdicts["A-1"].reasons] == ["consent"]
    assert verdicts["A-1"].reasons[0]["reason_zh"] == "需授权平台向该产品所属银行提供本企业的公共信用信息"


def test_tax_data_shared_with_one_bank_does_not_open_another_banks_tax_product(applicant, firm, bank):
    other_bank = BankFactory(code="B")
    LoanProductFactory(bank=other_bank, code="B-TAX", policy_tags=["tax_data"])
    application = scored_application(firm)

    grant(applicant, firm, bank, sources=["tax"])
    grant(applicant, firm, bank, sources=["public_credit"])
    grant(applicant, firm, other_bank, sources=["public_credit"])
    (verdict,) = application_eligibility(application=application)

    assert not verdict.eligible
    assert [reason["rule"] for reason in verdict.reasons] == ["policy_tag"]


def test_the_page_grants_and_revokes(client, applicant, firm, bank):
    client.force_login(applicant)

    client.post(
        reverse("applicant:authorisations"),
        {
            "enterprise": firm.pk,
            "sources": ["public_credit", "customs"],
            "purpose": "financing",
            "banks": [bank.pk],
            "expires_on": IN_90_DAYS.isoformat(),
        },
    )
    authorisation = Authorisation.objects.get()
    client.post(reverse("applicant:authorisation_revoke", args=[authorisation.pk]))

    authorisation.refresh_from_db()
    assert authorisation.sources == ["customs", "public_credit"] and authorisation.revoked_by == applicant
    assert "Revoked" in client.get(reverse("applicant:authorisations")).content.decode()
