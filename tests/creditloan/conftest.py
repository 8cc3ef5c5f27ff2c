"""The firm and its applicant that most of the core's tests act on."""

import pytest

from tests.factories import EnterpriseFactory, acting_for


@pytest.fixture
def firm(db):
    """The factory's firm: 深圳市南山区, a manufacturer registered in 2018, active."""
    return EnterpriseFactory()


@pytest.fixture
def applicant(firm):
    """An applicant account acting for the firm as its verified legal representative."""
    return acting_for(firm)
