import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from creditloan.models import Application, EnterpriseMembership, User
from creditloan.models.accounts import Role
from creditloan.services import api_token_issue
from matching.models import Offer
from tests.factories import BankFactory, EnterpriseFactory, LoanProductFactory


def client_for(user: User) -> APIClient:
    """A client holding a bearer token of the account, as an API client would."""
    _, raw = api_token_issue(user=user, name="tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@pytest.fixture
def world(db):
    """A firm with its applicant, an application routed to bank A, the officers of banks A and B, an
    operator, and a second applicant with a firm of their own."""
    firm = EnterpriseFactory()
    other_firm = EnterpriseFactory(uscc="91110000100000008J", name="北京另一家有限公司", region="110105")
    products = {code: LoanProductFactory(bank=BankFactory(code=code, monthly_capacity=9)) for code in ("A", "B")}
    applicant = User.objects.create_user(username="zhang", password="pw-zhang-123", role=Role.APPLICANT)
    EnterpriseMembership.objects.create(user=applicant, enterprise=firm, relation="legal_representative")
    other = User.objects.create_user(username="li-applicant", role=Role.APPLICANT)
    EnterpriseMembership.objects.create(user=other, enterprise=other_firm, relation="legal_representative")
    now = timezone.now()
    application = Application.objects.create(
        enterprise=firm,
        applicant=applicant,
        amount=Decimal("500000"),
        term_months=12,
        purpose="备货",
        guarantee_mode="credit",
        status="matched",
        submitted_at=now,
    )
    offer = Offer.objects.create(
        application=application, product=products["A"], rank=1, offered_at=now, deadline=now + dt.timedelta(days=3)
    )
    officer_a = User.objects.create_user(username="wang", role=Role.BANK_OFFICER, bank=products["A"].bank)
    officer_b = User.objects.create_user(username="zhao", role=Role.BANK_OFFICER, bank=products["B"].bank)
    operator = User.objects.create_user(username="ops", role=Role.OPERATOR)
    return {
        "firm": firm,
        "other_firm": other_firm,
        "products": products,
        "application": application,
        "offer": offer,
        "applicant": applicant,
        "as_applicant": client_for(applicant),
        "as_other_applicant": client_for(other),
        "officer_a": officer_a,
        "as_officer_a": client_for(officer_a),
        "as_officer_b": client_for(officer_b),
        "as_operator": client_for(operator),
    }
