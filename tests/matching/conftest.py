"""What the matching tests share: a scored application of a firm that consents, with one product at each of four
banks (A to D), cheapest first so the ranking is A, B, C, D."""

from decimal import Decimal

import pytest

from creditloan.models import Application, Bank
from tests.factories import (
    BankFactory,
    EnterpriseFactory,
    LoanProductFactory,
    consent,
    scored_application,
)

BANKS = {"A": 10, "B": 10, "C": 10, "D": 10}


@pytest.fixture
def application(db) -> Application:
    for position, (code, capacity) in enumerate(BANKS.items()):
        # Cheaper products first, so the ranking is A, B, C, D.
        LoanProductFactory(
            bank=BankFactory(code=code, monthly_capacity=capacity),
            rate_min=Decimal("0.040") + Decimal("0.005") * position,
            rate_max=Decimal("0.080") + Decimal("0.005") * position,
        )
    firm = EnterpriseFactory()
    consent(firm)
    return scored_application(firm)


@pytest.fixture
def bank(db) -> Bank:
    return Bank.objects.create(code="HX", name="华信银行", contact_email="credit@example.com", monthly_capacity=100)
