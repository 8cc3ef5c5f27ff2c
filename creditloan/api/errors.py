"""One shape for every error the API returns: {"code", "message", "fields"}. `code` is for programs, `message`
for people (in the request's language), `fields` names each field at fault with what is wrong with it."""

from __future__ import annotations

import logging
import sys

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views.defaults import page_not_found, server_error
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings

from creditloan.errors import DomainError, ErrorCode, without_field_name

logger = logging.getLogger(__name__)

STATUS_OF_CODE = {
    ErrorCode.INVALID_INPUT: status.HTTP_400_BAD_REQUEST,
    ErrorCode.IMPORT_FORMAT: status.HTTP_400_BAD_REQUEST,
    ErrorCode.IMPORT_SOURCE: status.HTTP_400_BAD_REQUEST,
    ErrorCode.FORBIDDEN: status.HTTP_403_FORBIDDEN,
    ErrorCode.NOT_FOUND: status.HTTP_404_NOT_FOUND,
    ErrorCode.CONFLICT: status.HTTP_409_CONFLICT,
    ErrorCode.INVALID_TRANSITION: status.HTTP_409_CONFLICT,
    ErrorCode.NOT_ENOUGH_HISTORY: status.HTTP_409_CONFLICT,
    ErrorCode.NO_CHAMPION: status.HTTP_409_CONFLICT,
    ErrorCode.MODEL_INTEGRITY: status.HTTP_500_INTERNAL_SERVER_ERROR,
    ErrorCode.THROTTLED: status.HTTP_429_TOO_MANY_REQUESTS,
}


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"
    default_detail = "The request body is too large."


class IdempotencyKeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "idempotency_key_reused"
    default_detail = "This Idempotency-Key was already used for a different request."


# The database could not be reached (restarting, failing over, out of connections): the request changed nothing,
# and the client may send it again shortly. What a load balancer and a client's retry logic expect is a 503.
DATABASE_UNREACHABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 5


def error_body(code: str, message: str, fields: dict[str, list[str]] | None = None) -> dict:
    return {"code": code, "message": message, "fields": fields or {}}


def _flatten(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested validation errors as {"field" or "field.0.sub": [messages]}."""
    if isinstance(detail, dict):
        flat: dict[str, list[str]] = {}
        for name, inner in detail.items():
            key = f"{prefix}.{name}" if prefix else str(name)
            flat.update(_flatten(inner, key if name != api_settings.NON_FIELD_ERRORS_KEY else prefix))
        return flat
    if isinstance(detail, list) and detail and all(isinstance(item, str) for item in detail):
        return {prefix or "non_field_errors": [str(item) for item in detail]}
    if isinstance(detail, list):
        flat = {}
        for index, inner in enumerate(detail):
            flat.update(_flatten(inner, f"{prefix}.{index}" if prefix else str(index)))
        return flat
    return {prefix or "non_field_errors": [str(detail)]}


def api_exception_handler(exc, context) -> Response:
    headers = {}
    if isinstance(exc, DomainError):
        fields = {exc.field: [without_field_name(exc.message)]} if exc.field else {}
        body, code = error_body(exc.code, exc.message, fields), STATUS_OF_CODE.get(exc.code, 400)
        if code >= 500:
            logger.error("domain error %s in %s", exc.code, context["view"].__class__.__name__)
        return Response(body, status=code)
    if isinstance(exc, DATABASE_UNREACHABLE):
        return _unavailable_response(exc)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        summary = "; ".join(f"{name}: {messages[0]}" for name, messages in fields.items())
        return Response(error_body("invalid_input", summary or _("Invalid input"), fields), status=400)
    if isinstance(exc, exceptions.APIException):
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(int(exc.wait))
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else exc.default_code
        return Response(error_body(code, str(exc.detail)), status=exc.status_code, headers=headers)
    if isinstance(exc, SuspiciousOperation):
        # What Django itself answers with 400 (too many fields, a malformed header): the client's doing.
        logger.warning("suspicious request refused: %s", exc.__class__.__name__)
        return Response(error_body("bad_request", _("The request is malformed.")), status=400)
    logger.exception("unhandled error in %s", context["view"].__class__.__name__)
    return Response(error_body("server_error", _("Something went wrong on our side.")), status=500)


def not_found_or_page(request, exception=None):
    """Django's 404 for an address no route matches: the error shape under /api/, the page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("not_found", _("There is nothing at this address.")), status=404)
    return page_not_found(request, exception)


def _unavailable_body() -> dict:
    return error_body("service_unavailable", _("The service is briefly unavailable; please try again in a moment."))


def _unavailable_response(exc) -> Response:
    logger.warning("database unreachable, answered 503: %s", str(exc).strip().splitlines()[0] if str(exc) else exc)
    return Response(_unavailable_body(), status=503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


def server_error_or_page(request):
    """Django's 500, except where the cause is a database that cannot be reached (a middleware's query failed,
    say, before any view ran): a 503 with Retry-After, as the API's handler answers it."""
    if isinstance(sys.exc_info()[1], DATABASE_UNREACHABLE):
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        if request.path.startswith("/api/"):
            return JsonResponse(_unavailable_body(), status=503, headers=headers)
        page = loader.render_to_string("503.html", {"retry_after": RETRY_AFTER_SECONDS})
        return HttpResponse(page, status=503, headers=headers)
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("server_error", _("Something went wrong on our side.")), status=500)
    return server_error(request)
