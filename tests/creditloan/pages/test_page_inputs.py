"""No input gives a page a 5xx. Every page route, taken from the URL patterns as tests/test_route_isolation.py
takes them, is sent hostile query parameters (GET) and hostile form bodies (POST) by a caller the page is for,
and must answer below 500: a refusal, or the page again with the error on it.

The parameter names are the ones the pages' own forms send, read from the HTML the pages render and credited to
the route each form is sent to, and a few that any filter might read. The values are one fixed set of what a
careless or hostile client sends: each request sets every name to one of them, once in a body of the names
alone and once in each form as its page sends it (its hidden fields, its button and its choices kept, so the
view gets past `action` and the ids to the fields behind them); then each of a form's hidden fields alone takes
each value. Each request's writes are undone after it.

SQLite stores what PostgreSQL (CI's database) refuses with an error, a NUL character and text longer than its
column: the test refuses both the same way, so that it finds here what would be a 500 there."""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.db import DataError, connection, transaction
from django.db.models import CharField
from django.db.models.signals import pre_save
from django.test import Client
from django.urls import Resolver404, resolve
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

import tests.test_route_isolation as isolation
from creditloan.flows.applications import knockout_review_request
from creditloan.models import User
from creditloan.pages.accounts.views import RESET_PHONE
from tests.factories import TaxRecordFactory, score_of, scored_application

world = isolation.world

HOSTILE = [
    "abc",
    "1e5",
    "-1",
    "0",
    "１２",  # full-width digits: str.isdigit() says yes, int() reads them, a database column may not
    "\x00",
    "%00",  # literally, as a client that encoded twice sends it
    "x" * 10_000,
    "1e308",
    "9" * 30,  # past any integer column
    "NaN",
    "[]",
    "{}",
    "' OR 1=1 --",
    "<script>",
    "999999",  # a row that is not the caller's, or is nobody's
    "",
    ["1", "abc"],  # the same name twice: a view reading one value gets the last, a form's list gets both
]
# Names that a page might read although no form on it sends them: common filters, the ids and actions the views
# read, the code the USCC check reads as it is typed, and where a page sends its visitor next.
COMMON_NAMES = [
    *["page", "status", "q", "sort", "order", "since"],
    *["run", "dispute", "review", "delegation", "record_id", "number", "action", "active"],
    *["code", "next"],
]

PAGES = [(route, view) for route, view in isolation.routes() if not route.startswith("api/")]
PUBLIC = {route for route, _ in PAGES if route in isolation.NOT_A_ROLES_ROUTE}


# Pages that answer a plain GET by sending the visitor on to another page: tried all the same.
SENDS_ON = {
    "": "the home page sends each visitor to their own start page, or to sign in",
    "i18n/setlang/": "the language switch sends the visitor back where they were",
}


def owner_role(route: str, view) -> str | None:
    """Whose page it is, by its place (as tests/test_route_isolation.py tells); None for the pages open to
    anybody, which are tried without signing in."""
    if route in PUBLIC:
        return None
    roles = [role for prefix, role in isolation.PAGE_ROLES.items() if route.startswith(prefix)]
    assert len(roles) == 1, f"{route}: teach tests/test_route_isolation.py whose page this is"
    return roles[0]


@dataclass
class Form:
    method: str
    action: str
    # (name, kind, the value the page offers): a select's first option, a radio's or checkbox's own value.
    fields: list[tuple[str, str, str]] = field(default_factory=list)

    def names(self) -> set[str]:
        return {name for name, _kind, _value in self.fields}

    def as_sent(self, value) -> dict:
        """The form as a person sends it, with `value` typed into every field they type into: its hidden fields,
        its first button and its first choice of each list as the page offers them."""
        body: dict = {}
        for name, kind, offered in self.fields:
            if name not in body:
                body[name] = offered if kind in CHOSEN else value
        return body

    def hidden(self) -> list[str]:
        """The fields the page fills in itself (the id of the row a form is about, say)."""
        return [name for name, kind, _offered in self.fields if kind == "hidden" and name != "csrfmiddlewaretoken"]

    def with_only(self, name: str, value) -> dict:
        """The form as the page offers it, with `value` in the one field `name`."""
        body: dict = {}
        for field_name, _kind, offered in self.fields:
            body.setdefault(field_name, offered)
        return body | {name: value}


CHOSEN = {"hidden", "submit", "select", "radio", "checkbox"}


class FormReader(HTMLParser):
    """The forms of a page and their fields, as a browser would send them."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self._open: Form | None = None
        self._select: int | None = None  # the open select's place among the form's fields

    def handle_starttag(self, tag, attrs):
        attributes = {key: value or "" for key, value in attrs}
        name = attributes.get("name", "")
        if tag == "form":
            self._open = Form(method=attributes.get("method", "get").lower(), action=attributes.get("action", ""))
            self.forms.append(self._open)
        elif self._open is None:
            return
        elif tag == "option" and self._select is not None:
            select, kind, offered = self._open.fields[self._select]
            if not offered:
                self._open.fields[self._select] = (select, kind, attributes.get("value", ""))
        elif not name:
            return
        elif tag == "input":
            kind = attributes.get("type", "text").lower()
            kind = "submit" if kind in {"submit", "image"} else kind
            self._open.fields.append((name, kind, attributes.get("value", "")))
        elif tag == "button" and attributes.get("type", "submit").lower() == "submit":
            self._open.fields.append((name, "submit", attributes.get("value", "")))
        elif tag == "textarea":
            self._open.fields.append((name, "textarea", ""))
        elif tag == "select":
            self._select = len(self._open.fields)
            self._open.fields.append((name, "select", ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self._open = None
        elif tag == "select":
            self._select = None


def forms_of(html: str) -> list[Form]:
    reader = FormReader()
    reader.feed(html)
    return reader.forms


def route_of(path: str) -> str | None:
    try:
        return resolve(path).route
    except Resolver404:
        return None


def refuse_nul(execute, sql, params, many, context):
    """PostgreSQL (CI's database) refuses any query with a NUL character in a parameter, where SQLite stores it:
    the same refusal here, so a NUL that reaches the database fails this test on either."""
    rows = params if many else [params]
    for row in rows or []:
        values = row.values() if isinstance(row, dict) else row or []
        if any(isinstance(value, str) and "\x00" in value for value in values):
            raise DataError("PostgreSQL text fields cannot contain NUL (0x00) bytes")
    return execute(sql, params, many, context)


def refuse_too_long(sender, instance, **kwargs):
    """PostgreSQL refuses text longer than its column's max_length, where SQLite stores it: the same refusal here
    for every row saved, so a long value that reaches a column fails this test on either."""
    for column in instance._meta.concrete_fields:
        value = getattr(instance, column.attname)
        if isinstance(column, CharField) and isinstance(value, str) and len(value) > (column.max_length or len(value)):
            raise DataError(f"value too long for type character varying({column.max_length}): {column}")


@pytest.fixture
def site(world):
    """The world of the isolation test with what makes every form show: a record of zhang's firm with no
    dispute yet, an application of it ruled out by a policy rule (the page of which asks for a review),
    another whose review an operator has to answer; the ids the page routes need; and every role's callers:
    for an applicant, first the verified legal representative, then people at the earlier steps (mobile not
    yet confirmed, identity not yet stated), so each step's page is tried by someone it opens for."""
    applicant, firm = world["applicant"], world["firm"]
    TaxRecordFactory(enterprise=firm)
    ruled_out, reviewed = (scored_application(firm, status="not_eligible", applicant=applicant) for _ in range(2))
    for application in (ruled_out, reviewed):
        score_of(application, exclusions=[{"rule": "dishonest-judgment-debtor", "reason_zh": "失信被执行人"}])
    knockout_review_request(user=applicant, application_id=reviewed.pk, reason="已履行完毕")
    newcomer = User.objects.create_user(username="newcomer", role="applicant", phone="13800138001")
    confirmed = User.objects.create_user(username="confirmed-only", role="applicant", phone="13800138002")
    User.objects.filter(pk=confirmed.pk).update(phone_confirmed_at=applicant.phone_confirmed_at)
    world["ids"] |= {
        "application_id": ruled_out.pk,
        "document": "privacy_notice",
        "uidb64": urlsafe_base64_encode(force_bytes(applicant.pk)),
        "token": default_token_generator.make_token(applicant),
    }
    world["callers"] = {
        None: [None],
        "applicant": [applicant, newcomer, User.objects.get(pk=confirmed.pk)],
        "bank_officer": [world["officer_a"]],
        "operator": [world["operator"]],
    }
    pre_save.connect(refuse_too_long, dispatch_uid="refuse_too_long")
    try:
        with connection.execute_wrapper(refuse_nul):
            yield world
    finally:
        pre_save.disconnect(dispatch_uid="refuse_too_long")


def client_for(user: User | None, world) -> Client:
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    # The second step of recovering an account by mobile opens only after the first.
    session = client.session
    session[RESET_PHONE] = world["applicant"].phone
    session.save()
    return client


def opened(route: str, view, world) -> tuple[Client, str, object]:
    """A client of the first caller the page opens for, the page's address (where the page sends its visitor
    on along the same route, as a reset link does, that address), and its answer to a plain GET."""
    url = isolation.address(route, world["ids"])
    first = None
    for user in world["callers"][owner_role(route, view)]:
        client = client_for(user, world)
        answer = client.get(url, follow=True)
        landed = answer.request["PATH_INFO"]
        if route_of(landed) == route:
            url = landed
        if answer.status_code == 200 and route_of(landed) == route:
            return client, url, answer
        first = first or (client, url, answer)
    return first


def target_of(form: Form, answer) -> str:
    """The address a form is sent to, from the address of the page it is on."""
    return urllib.parse.urlsplit(urllib.parse.urljoin(answer.request["PATH_INFO"], form.action)).path


def signature(form: Form) -> tuple:
    return form.method, tuple((name, kind) for name, kind, _offered in form.fields)


# For each route, the page that shows each kind of form sent to it: found once, by opening every page. A page is
# opened again in each test for the form's values (its ids), which are this test's world's.
_SHOWN_ON: dict[str, dict[tuple, str]] = {}


def forms_sent_to(route: str, world) -> list[tuple[str, Form]]:
    """The forms sent to `route`, one of each kind (the language switch is on every page), with their
    addresses, as their pages render them for this world."""
    if not _SHOWN_ON:
        for source, view in PAGES:
            _client, _url, answer = opened(source, view, world)
            if answer.status_code == 200 and "html" in answer.get("Content-Type", ""):
                for form in forms_of(answer.content.decode()):
                    _SHOWN_ON.setdefault(route_of(target_of(form, answer)) or "", {}).setdefault(
                        signature(form), source
                    )
    found = []
    for kind, source in _SHOWN_ON.get(route, {}).items():
        _client, _url, answer = opened(source, dict(PAGES)[source], world)
        found += [
            (target_of(form, answer), form)
            for form in forms_of(answer.content.decode())
            if signature(form) == kind and route_of(target_of(form, answer)) == route
        ][:1]
    return found


def shown(value) -> str:
    text = repr(value)
    return text if len(text) < 40 else f"{text[:20]}...({len(text)} chars)"


def ask(client: Client, method: str, url: str, body: dict):
    """One request, its writes undone after it, so that each value meets the world as it was: a dispute that the
    first value raised would otherwise keep every later one from the code that stores it."""
    with transaction.atomic():
        if method == "get":
            answer = client.get(url, body)
        else:
            encoded = urllib.parse.urlencode(body, doseq=True)
            answer = client.post(url, encoded, content_type="application/x-www-form-urlencoded")
        transaction.set_rollback(True)
    return answer


def test_every_page_route_is_known_to_this_test(site):
    """Each page has an owner, its path can be filled, and a caller of this test gets the page itself (or is
    told the method is not allowed, for a page that only takes a POST): a page none of them can open would be
    fuzzed through a refusal and prove nothing."""
    for route, view in PAGES:
        assert owner_role(route, view) in {None, "applicant", "bank_officer", "operator"}, route
        isolation.address(route, site["ids"])  # fails naming the parameter this test cannot fill
        if route not in SENDS_ON:
            _client, _url, answer = opened(route, view, site)
            landed = answer.request["PATH_INFO"]
            assert answer.status_code in (200, 405) and route_of(landed) == route, (
                f"{route}: no caller of this test gets the page ({answer.status_code} at {landed}); teach it one"
            )
    assert PUBLIC, "the pages open to anybody are tried too"


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize(("route", "view"), PAGES, ids=[route or "home" for route, _ in PAGES])
def test_no_input_gives_a_page_a_server_error(site, route, view, method):
    """Each hostile value in every name at once; in every field a person types into of each form sent to the
    route, as its page sends it; and in each field the page fills in itself, alone (an id with the rest of the
    form as the page offers it, which is how a tampered id reaches the code past the other fields' checks)."""
    client, url, _answer = opened(route, view, site)
    forms = [(address, form) for address, form in forms_sent_to(route, site) if form.method == method]
    names = set(COMMON_NAMES).union(*(form.names() for _address, form in forms))
    asks = [(url, value, "in every name", dict.fromkeys(sorted(names), value)) for value in HOSTILE]
    asks += [
        (address, value, "typed into its form", form.as_sent(value)) for address, form in forms for value in HOSTILE
    ]
    asks += [
        (address, value, f"in {name} alone", form.with_only(name, value))
        for address, form in forms
        for name in form.hidden()
        for value in HOSTILE
    ]

    failures = []
    for address, value, where, body in asks:
        answer = ask(client, method, address, body)
        if answer.status_code >= 500:
            error = answer.exc_info[1] if answer.exc_info else None
            failures.append(f"{method.upper()} {address} {shown(value)} {where}: {answer.status_code} {error!r}")

    assert not failures, f"{len(failures)} of {len(asks)} answered 5xx:\n" + "\n".join(failures[:10])
