import pytest
from rest_framework.test import APIClient

from creditloan.models import User
from creditloan.models.accounts import Role
from creditloan.services import api_token_issue
from tests.factories import EnterpriseFactory, member_of, offer_world


def client_for(user: User) -> APIClient:
    """A client holding a bearer token of the account, as an API client would."""
    _, raw = api_token_issue(user=user, name="tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@pytest.fixture
def world(db):
    """offer_world, a second applicant with a firm of their own, and an API client holding a token for each
    account."""
    world = offer_world()
    other_firm = EnterpriseFactory(uscc="91110000100000008J", name="北京另一家有限公司", region="110105")
    other = User.objects.create_user(username="li-applicant", role=Role.APPLICANT)
    member_of(other, other_firm)
    return world | {
        "other_firm": other_firm,
        "as_applicant": client_for(world["applicant"]),
        "as_other_applicant": client_for(other),
        "as_officer_a": client_for(world["officer_a"]),
        "as_officer_b": client_for(world["officer_b"]),
        "as_operator": client_for(world["operator"]),
    }
