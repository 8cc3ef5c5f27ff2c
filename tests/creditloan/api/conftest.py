import io
import sys

import pytest
from django.core import signals
from django.db import close_old_connections
from rest_framework.test import APIClient

from creditloan.models import User
from creditloan.models.accounts import Role
from creditloan.services import api_token_issue
from creditloan.wsgi import application
from tests.factories import EnterpriseFactory, member_of, offer_world


def client_for(user: User) -> APIClient:
    """A client holding a bearer token of the account, as an API client would."""
    _, raw = api_token_issue(user=user, name="tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def gunicorn_request(method: str, path: str, body: bytes, *, chunked: bool, **environ) -> tuple[int, bytes]:
    """A request as gunicorn hands one to the application, through creditloan/wsgi.py (the layer that reads
    chunked bodies is there, which Django's test client would go around): with its Content-Length, or chunked
    (the chunks decoded, no Content-Length). `environ` adds to the request's WSGI environ (headers as
    HTTP_AUTHORIZATION, CONTENT_TYPE, ...). Answers the status code and the body."""
    request = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "testserver",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.url_scheme": "http",
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    request |= {"HTTP_TRANSFER_ENCODING": "chunked"} if chunked else {"CONTENT_LENGTH": str(len(body))}
    started = []
    # As Django's test client does: the request must not close the test's connection, whose transaction holds
    # the test's rows.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        answer = b"".join(application(request | environ, lambda status, _headers, _exc=None: started.append(status)))
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
    return int(started[0].split()[0]), answer


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
