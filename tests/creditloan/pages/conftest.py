"""The world the role pages' tests share: a firm with an application offered to bank A, an officer of each bank,
an operator."""

import pytest

from tests.factories import (
    offer_world,
)


@pytest.fixture
def world(db):
    return offer_world()
