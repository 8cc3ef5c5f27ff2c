"""Submitting an application: who may, and what is checked. (That scoring is queued once it is stored is the
flow's: tests/creditloan/flows/test_applications.py.)"""

from decimal import Decimal

import pytest

from creditloan.errors import DomainError, ErrorCode
from creditloan.models import Application, Bank, Enterprise, User
from creditloan.models.accounts import Role
from creditloan.services import application_submit
from tests.factories import member_of


@pytest.fixture
def applicant(firm) -> User:
    user = User.objects.create_user(username="zhang", role=Role.APPLICANT)
    member_of(user, firm)
    return user


def submit(applicant, firm, **changes):
    values = {
        "amount": "500000",
        "term_months": 12,
        "purpose": "采购原材料",
        "guarantee_mode": "credit",
    } | changes
    return application_submit(applicant=applicant, enterprise_id=firm.pk, **values)


def test_a_submitted_application_is_stored_as_submitted(applicant, firm):
    application = submit(applicant, firm)

    assert application.status == "submitted"
    assert application.amount == Decimal("500000")
    assert (application.enterprise, application.applicant) == (firm, applicant)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"amount": "abc"}, "amount", "amount: 'abc' is not an amount in yuan"),
        ({"amount": "5000"}, "amount", "amount: 5000 yuan is outside 10,000–100,000,000"),
        ({"amount": "NaN"}, "amount", "amount: 'NaN' is not a number"),
        ({"amount": "５０００００"}, "amount", "amount: '５０００００': write digits as 0–9 (half-width)"),
        ({"amount": "10000.005"}, "amount", "more than two decimals"),
        ({"term_months": 0}, "term_months", "0 months is outside 1–360"),
        ({"term_months": "12"}, "term_months", "'12' is not a whole number of months"),
        ({"purpose": "  "}, "purpose", "say what the loan is for"),
        ({"guarantee_mode": "pawn"}, "guarantee_mode", "'pawn' is not one of credit, guarantee, collateral"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_stored(applicant, firm, changes, field, message):
    with pytest.raises(DomainError) as error:
        submit(applicant, firm, **changes)

    assert error.value.field == field
    assert message in error.value.message
    assert not Application.objects.exists()


def test_to_anyone_who_does_not_act_for_it_a_firm_is_not_found(firm, db):
    stranger = User.objects.create_user(username="li", role=Role.APPLICANT)

    with pytest.raises(DomainError) as error:
        submit(stranger, firm)

    assert error.value.code == ErrorCode.NOT_FOUND
    assert error.value.field == "enterprise"
    assert f"no firm {firm.pk} that you may apply for" in error.value.message
    assert firm.uscc not in error.value.message
    assert not Application.objects.exists()


def test_a_bank_officer_cannot_apply(firm, db):
    bank = Bank.objects.create(code="B", name="银行", contact_email="b@example.com", monthly_capacity=10)
    officer = User.objects.create_user(username="wang", role=Role.BANK_OFFICER, bank=bank)

    with pytest.raises(DomainError, match="only an applicant account"):
        submit(officer, firm)


def test_a_firm_that_is_not_active_cannot_apply(applicant, firm):
    Enterprise.objects.filter(pk=firm.pk).update(status="revoked")
    firm.refresh_from_db()

    with pytest.raises(DomainError, match="only an active firm can apply"):
        submit(applicant, firm)
