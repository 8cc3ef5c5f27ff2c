"""Every route of the site and the API, tried as every caller that must not get through: without signing in,
as each other role, as an officer of another bank and as another applicant. The routes come from the URL
patterns themselves, so a new route is tried the day it is added, and a route whose role or path parameters
this test cannot tell fails here until it is taught them."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from rest_framework.test import APIClient

from creditloan.models import EnterpriseMembership, ImportBatch, User
from creditloan.services import api_token_issue, dispute_raise
from scoring.models import TrainingRun
from tests.factories import EnterpriseFactory, TaxRecordFactory, consent, offer_world

# Open to anybody, or guarded by something other than a person's role; each says why.
NOT_A_ROLES_ROUTE = {
    "",  # the home page sends each visitor where they belong
    "i18n/setlang/",  # the language switch
    "login/",
    "logout/",
    "signup/",
    "uscc-check/",  # checks a code's form as it is typed; reads nothing stored
    "api/v1/tokens/",  # a password buys a token; the list is the caller's own (tested below by owner)
    "api/v1/sources/<str:source>/records/",  # a source system's key, tested in tests/api/test_source_push.py
    "api/schema/",
    "api/docs/",
    "api/redoc/",
}
PAGE_ROLES = {"me/": "applicant", "bank/": "bank_officer", "operations/": "operator"}
API_ROLES = {"IsApplicant": "applicant", "IsBankOfficer": "bank_officer", "IsOperator": "operator"}
PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")


def routes() -> list[tuple[str, object]]:
    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if str(pattern.pattern) != "admin/":  # Django's admin: staff only, its own tests
                    yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                yield prefix + str(pattern.pattern), pattern.callback

    return list(walk(get_resolver().url_patterns))


def role_of(route: str, view) -> str | None:
    """Whose route it is: by its place for pages, by its permission for the API; None if it is everybody's
    signed-in own (the caller's tokens)."""
    if route.startswith("api/"):
        permissions = {cls.__name__ for cls in getattr(view.cls, "permission_classes", [])}
        if permissions == {"IsAuthenticated"}:
            return None
        (role,) = {API_ROLES[name] for name in permissions}
        return role
    (role,) = [role for prefix, role in PAGE_ROLES.items() if route.startswith(prefix)]
    return role


GUARDED = [(route, view) for route, view in routes() if route not in NOT_A_ROLES_ROUTE]


@pytest.fixture
def world(db):
    """offer_world (zhang's firm and application, offered to bank A), zhang's grant, dispute and token; another
    applicant with a firm of their own; and an operator's import batch and training run."""
    world = offer_world()
    firm = world["firm"]
    grant = consent(firm, by=world["applicant"])
    record = TaxRecordFactory(enterprise=firm)
    dispute = dispute_raise(user=world["applicant"], enterprise=firm, source="tax", record_id=record.pk, reason="错")
    stranger = User.objects.create_user(username="other-applicant", role="applicant")
    EnterpriseMembership.objects.create(
        user=stranger,
        enterprise=EnterpriseFactory(uscc="91110000100000008J", name="北京另一家有限公司", region="110105"),
        relation="legal_representative",
    )
    token, _ = api_token_issue(user=world["applicant"], name="zhang's")
    batch = ImportBatch.objects.create(origin="test")
    run = TrainingRun.objects.create(queued_at=timezone.now())
    world["ids"] = {
        "enterprise_id": firm.pk,
        "application_id": world["application"].pk,
        "authorisation_id": grant.pk,
        "offer_id": world["offer"].pk,
        "dispute_id": dispute.pk,
        "token_id": token.pk,
        "bank_id": world["products"]["A"].bank_id,
        "product_id": world["products"]["A"].pk,
        "batch_id": batch.pk,
        "run_id": run.pk,
        "number": 1,
        "review_id": 1,  # operators' alone: any id reaches the role check
    }
    world["stranger"] = stranger
    return world


def address(route: str, ids: dict[str, int]) -> str:
    unknown = set(PARAMETER.findall(route)) - set(ids)
    assert not unknown, f"{route}: teach this test what to put for {sorted(unknown)}"
    return "/" + PARAMETER.sub(lambda match: str(ids[match[1]]), route)


def as_caller(user: User | None, route: str):
    """A client as the caller would be: signed in for a page, a bearer token for the API."""
    if route.startswith("api/"):
        client = APIClient()
        if user is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token_issue(user=user, name='t')[1]}")
        return client
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def callers(world) -> dict[str, User]:
    return {
        "applicant": world["applicant"],
        "bank_officer": world["officer_a"],
        "operator": world["operator"],
    }


def test_every_route_is_known_to_this_test():
    for route, view in GUARDED:
        assert role_of(route, view) in {"applicant", "bank_officer", "operator", None}, route


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize(("route", "view"), GUARDED, ids=[route for route, _ in GUARDED])
def test_nobody_gets_through_a_route_that_is_not_theirs(world, route, view, method):
    url = address(route, world["ids"])
    owner_role = role_of(route, view)

    anonymous = getattr(as_caller(None, route), method)(url)
    if route.startswith("api/"):
        assert anonymous.status_code == 401, url
    else:
        assert anonymous.status_code == 302 and anonymous.url.startswith("/login/"), url

    for role, user in callers(world).items():
        if owner_role is not None and role != owner_role:
            assert getattr(as_caller(user, route), method)(url).status_code == 403, (url, role)


OWNED = [
    (route, view)
    for route, view in GUARDED
    if PARAMETER.search(route) and role_of(route, view) in {"applicant", "bank_officer", None}
]


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize(("route", "view"), OWNED, ids=[route for route, _ in OWNED])
def test_what_belongs_to_another_firm_or_bank_is_not_found(world, route, view, method):
    """zhang's firm, application, grant, dispute and token, and bank A's offer, as another applicant and as
    an officer of bank B: not found, so their existence is not given away."""
    officer_route = role_of(route, view) == "bank_officer"
    wrong_owner, owner = (
        (world["officer_b"], world["officer_a"]) if officer_route else (world["stranger"], world["applicant"])
    )
    url = address(route, world["ids"])

    answer = getattr(as_caller(wrong_owner, route), method)(url)

    if answer.status_code == 405:  # the method is refused for everybody, the owner included: nothing is told
        assert getattr(as_caller(owner, route), method)(url).status_code == 405, route
    else:
        assert answer.status_code == 404, route


LISTS = [(route, view) for route, view in GUARDED if not PARAMETER.search(route)]


@pytest.mark.parametrize(("route", "view"), LISTS, ids=[route for route, _ in LISTS])
def test_no_list_shows_another_firms_data_to_another_applicant_or_bank(world, route, view):
    role = role_of(route, view)
    if role == "operator":
        pytest.skip("operators see every firm: their looks are logged instead")
    wrong_owner = world["officer_b"] if role == "bank_officer" else world["stranger"]

    answer = as_caller(wrong_owner, route).get(address(route, world["ids"]))

    assert answer.status_code == 200, route
    assert world["firm"].uscc not in answer.content.decode(), route
    assert world["firm"].name not in answer.content.decode(), route


def test_the_wrong_owner_checks_cover_every_kind_of_id():
    kinds = {name for route, _ in OWNED for name in PARAMETER.findall(route)}
    assert kinds == {"enterprise_id", "application_id", "authorisation_id", "offer_id", "token_id"}
