"""Every route of the site and the API, tried as every caller that must not get through: without signing in,
as each other role, as an officer of another bank, and as each applicant who is not verified for the firm
(another firm's legal representative, an account whose claim was never verified, an agent still waiting for
approval, another firm's agent, an agent whose delegation expired or was revoked). The routes come from the URL
patterns themselves, so a new route is tried the day it is added, and a route whose role or path parameters
this test cannot tell fails here until it is taught them."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from rest_framework.test import APIClient

from creditloan.models import EnterpriseMembership, ImportBatch, User
from creditloan.services import api_token_issue, dispute_raise
from matching.models import Offer
from matching.warnings import early_warnings_raise
from scoring.models import TrainingRun
from tests.factories import (
    ApplicationFactory,
    EnterpriseFactory,
    PublicCreditRecordFactory,
    TaxRecordFactory,
    consent,
    member_of,
    offer_world,
    paid_out,
)

# Open to anybody, or guarded by something other than a person's role; each says why.
NOT_A_ROLES_ROUTE = {
    "",  # the home page sends each visitor where they belong
    "i18n/setlang/",  # the language switch
    "login/",
    "logout/",
    "signup/",
    "password-reset/",  # recovering an account: a code to its confirmed mobile (tests/creditloan/identity)
    "password-reset/confirm/",
    "password-reset/email/",  # Django's signed reset links
    "password-reset/email/sent/",
    "password-reset/email/<uidb64>/<token>/",
    "password-reset/email/done/",
    "legal/<str:document>/",  # the user agreement and the privacy notice
    "uscc-check/",  # checks a code's form as it is typed; reads nothing stored
    "products/",  # the product supermarket: what banks publish, nothing of any firm
    "api/v1/tokens/",  # a password buys a token; the list is the caller's own (tested below by owner)
    "api/v1/accounts/",  # opening an account, before anybody is signed in
    "api/v1/password-reset/",
    "api/v1/password-reset/confirm/",
    "api/v1/sources/<str:source>/records/",  # a source system's key, tested in tests/creditloan/api/test_source_push.py
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
    other_firm = EnterpriseFactory(uscc="91110000100000008J", name="北京另一家有限公司", region="110105")
    member_of(stranger, other_firm)
    pending_agent = User.objects.create_user(username="pending-agent", role="applicant")
    request = EnterpriseMembership.objects.create(
        user=pending_agent, enterprise=firm, relation="authorised_agent", status="pending"
    )
    unverified = User.objects.create_user(username="unverified", role="applicant")
    # A membership declared before verification existed: the data migration left it pending.
    EnterpriseMembership.objects.create(user=unverified, enterprise=firm, relation="legal_representative")
    other_firms_agent = User.objects.create_user(username="other-firms-agent", role="applicant")
    member_of(other_firms_agent, other_firm, relation="authorised_agent", may_apply=True, may_view_report=True)
    everything = {"may_apply": True, "may_consent": True, "may_view_report": True}
    expired_agent = User.objects.create_user(username="expired-agent", role="applicant")
    member_of(expired_agent, firm, relation="authorised_agent", valid_until=timezone.localdate(), **everything)
    EnterpriseMembership.objects.filter(user=expired_agent).update(
        valid_until=timezone.localdate() - dt.timedelta(days=1)
    )
    revoked_agent = User.objects.create_user(username="revoked-agent", role="applicant")
    member_of(revoked_agent, firm, relation="authorised_agent", **everything)
    EnterpriseMembership.objects.filter(user=revoked_agent).update(status="revoked")
    token, _ = api_token_issue(user=world["applicant"], name="zhang's")
    batch = ImportBatch.objects.create(origin="test")
    run = TrainingRun.objects.create(queued_at=timezone.now())
    # A later application of the firm, paid out by bank A, whose lender was warned of a listing.
    lent = Offer.objects.create(
        application=ApplicationFactory(enterprise=firm, applicant=world["applicant"], status="matched"),
        product=world["products"]["A"], bank=world["products"]["A"].bank, rank=1,
        offered_at=timezone.now(), deadline=timezone.now() + dt.timedelta(days=3),
    )  # fmt: skip
    loan = paid_out(lent)
    consent(firm, banks=[world["products"]["A"].bank], sources=("public_credit",), purpose="post_loan")
    PublicCreditRecordFactory(
        enterprise=firm, kind="dishonest_judgment_debtor", severity="", decision_date=timezone.localdate()
    )
    (warning,) = early_warnings_raise(enterprise_ids=[firm.pk])
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
        "delegation_id": request.pk,
        "warning_id": warning.pk,
        "loan_id": loan.pk,
    }
    world["not_verified_for_the_firm"] = {
        "another firm's legal representative": stranger,
        "signed up, not verified": unverified,
        "pending agent": pending_agent,
        "agent of another firm": other_firms_agent,
        "agent whose delegation expired": expired_agent,
        "agent whose delegation was revoked": revoked_agent,
    }
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


NOT_VERIFIED = [
    "another firm's legal representative",
    "signed up, not verified",
    "pending agent",
    "agent of another firm",
    "agent whose delegation expired",
    "agent whose delegation was revoked",
]


def wrong_owners(routes) -> list[tuple[str, object, str]]:
    """Each route with each caller who must not see what it names: an officer route the other bank's officer,
    every other route each applicant not verified for the firm."""
    return [
        (route, view, caller)
        for route, view in routes
        for caller in (["officer of another bank"] if role_of(route, view) == "bank_officer" else NOT_VERIFIED)
    ]


def wrong_owner_of(world, caller: str) -> User:
    return world["officer_b"] if caller == "officer of another bank" else world["not_verified_for_the_firm"][caller]


OWNED_BY_OTHERS = wrong_owners(OWNED)


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize(
    ("route", "view", "caller"), OWNED_BY_OTHERS, ids=[f"{caller}-{route}" for route, _, caller in OWNED_BY_OTHERS]
)
def test_what_belongs_to_another_firm_or_bank_is_not_found(world, route, view, method, caller):
    """zhang's firm, application, grant, dispute, agents and token, and bank A's offer, as each applicant who
    is not verified for the firm and as an officer of bank B: not found, so their existence is not given away."""
    wrong_owner = wrong_owner_of(world, caller)
    owner = world["officer_a"] if caller == "officer of another bank" else world["applicant"]
    url = address(route, world["ids"])

    answer = getattr(as_caller(wrong_owner, route), method)(url)

    if answer.status_code == 405:  # the method is refused for everybody, the owner included: nothing is told
        assert getattr(as_caller(owner, route), method)(url).status_code == 405, route
    else:
        assert answer.status_code == 404, route


LISTS = [(route, view) for route, view in GUARDED if not PARAMETER.search(route)]


# Operators see every firm: their looks are logged instead.
LISTED_FOR_OTHERS = wrong_owners([(route, view) for route, view in LISTS if role_of(route, view) != "operator"])


@pytest.mark.parametrize(
    ("route", "view", "caller"), LISTED_FOR_OTHERS, ids=[f"{caller}-{route}" for route, _, caller in LISTED_FOR_OTHERS]
)
def test_no_list_shows_another_firms_data_to_another_applicant_or_bank(world, route, view, caller):
    wrong_owner = wrong_owner_of(world, caller)

    # A page may send a person to the step they have not done yet (confirming the mobile, say): followed.
    url = address(route, world["ids"])
    client = as_caller(wrong_owner, route)
    answer = client.get(url) if route.startswith("api/") else client.get(url, follow=True)
    if answer.status_code == 405:  # a POST-only route: refused for everybody, the owner included
        assert as_caller(world["applicant"], route).get(url).status_code == 405, route
        return

    assert answer.status_code == 200, route
    assert world["firm"].uscc not in answer.content.decode(), route
    assert world["firm"].name not in answer.content.decode(), route


def test_the_wrong_owner_checks_cover_every_kind_of_id():
    kinds = {name for route, _ in OWNED for name in PARAMETER.findall(route)}
    assert kinds == {
        "enterprise_id",
        "application_id",
        "authorisation_id",
        "offer_id",
        "token_id",
        "delegation_id",
        "warning_id",
        "loan_id",
    }
