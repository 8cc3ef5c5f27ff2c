"""What every endpoint shares: bearer tokens, JSON bodies of a bounded size, serializers that refuse fields
they do not know, one page size rule, and a permission per role."""

from __future__ import annotations

import copy
import json
import re
import threading
import time

import django_filters
from django.conf import settings
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import Count, Window
from django.forms import MultiWidget
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import authentication, exceptions, filters, parsers, permissions, serializers
from rest_framework.pagination import PageNumberPagination

from creditloan.api.errors import RequestTooLarge
from creditloan.credentials import credentials_cached, credentials_version, credentials_version_start
from creditloan.formfields import WholeNumberField
from creditloan.models import ApiToken, token_digest
from creditloan.models.accounts import Role


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer <token>`; the token is looked up by its hash, and a revoked or expired one is
    refused with the reason. A token verified once is remembered by the process (`_remembered_token`)."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0] != self.keyword:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("The Authorization header should read: Bearer <token>."))
        digest = token_digest(header[1])
        now = timezone.now()
        token = _remembered_token(digest, now) or _verified_token(digest, now)
        # At most once a minute: a write per request would make every GET a write.
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            _token_used(digest, now)
        return token.user, token

    def authenticate_header(self, request) -> str:
        return self.keyword


def _verified_token(digest: str, now) -> ApiToken:
    """The token read from the database and checked, or a refusal saying why; remembered when it passes and the
    credentials cache can version it."""
    version = credentials_version_start(digest) if credentials_cached() else None
    # The officer's bank comes with the user: every officer endpoint starts from it.
    token = ApiToken.objects.select_related("user__bank").filter(digest=digest).first()
    if token is None or not token.user.is_active:
        raise exceptions.AuthenticationFailed(_("Unknown API token."))
    if token.revoked_at is not None:
        raise exceptions.AuthenticationFailed(_("This API token has been revoked."))
    if token.expires_at <= now:
        raise exceptions.AuthenticationFailed(_("This API token has expired."))
    if not _password_unchanged(token):
        raise exceptions.AuthenticationFailed(
            _("This API token was issued before the account's password changed; get a new one.")
        )
    if version is not None:
        _remember(digest, token, version)
    return _copied(token)


# Tokens this process verified, by digest: the token with its user and bank as read, the credentials version they
# were read under, and when. Each request is handed copies, so nothing a view caches on a user outlives it.
_REMEMBERED_MOST = 10_000
_remembered: dict[str, tuple[ApiToken, str, float]] = {}
_remembered_lock = threading.Lock()


def _remembered_token(digest: str, now) -> ApiToken | None:
    """The token as this process verified it, if its credentials version is unchanged since, it was verified within
    API_TOKEN_REMEMBER_SECONDS and it has not expired; otherwise None (and it is forgotten)."""
    entry = _remembered.get(digest)
    if entry is None:
        return None
    token, version, verified_at = entry
    if (
        time.monotonic() - verified_at > settings.API_TOKEN_REMEMBER_SECONDS
        or token.expires_at <= now
        or credentials_version(digest) != version
    ):
        with _remembered_lock:
            _remembered.pop(digest, None)
        return None
    return _copied(token)


def _remember(digest: str, token: ApiToken, version: str) -> None:
    with _remembered_lock:
        if len(_remembered) >= _REMEMBERED_MOST:
            _remembered.clear()
        _remembered[digest] = (token, version, time.monotonic())


def _token_used(digest: str, now) -> None:
    entry = _remembered.get(digest)
    if entry is not None:
        entry[0].last_used_at = now


def remembered_tokens_forget() -> None:
    """Forget every token this process verified (tests, which roll back what the cache's versions describe)."""
    with _remembered_lock:
        _remembered.clear()


def _copied(token: ApiToken) -> ApiToken:
    user = copy.copy(token.user)
    if user.bank_id is not None:
        user.bank = copy.copy(token.user.bank)
    copied = copy.copy(token)
    copied.user = user
    return copied


def _password_unchanged(token: ApiToken) -> bool:
    """The account's session hash is the one the token was issued under, by the current secret key or one
    being rotated out (SECRET_KEY_FALLBACKS), as sessions are checked."""
    marks = [token.user.get_session_auth_hash(), *token.user.get_session_auth_fallback_hash()]
    return any(constant_time_compare(token.password_mark, mark) for mark in marks)


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = BearerTokenAuthentication
    name = "bearerToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "A token from POST /api/v1/tokens/."}


class CallerScoped:
    """A list view whose rows start from what the caller may see (`visible()`); the schema generator, which
    has no caller, gets the model's empty queryset instead."""

    model = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.model.objects.none()
        return self.visible()

    def visible(self):
        raise NotImplementedError


def status_asked(request, states) -> str:
    """A queue's ?status=: open unless given; a state that is not one of `states` is refused (400), naming them."""
    state = request.query_params.get("status", "open")
    if state not in states:
        raise serializers.ValidationError({"status": [f"one of {', '.join(states)}"]})
    return state


def _not_json(constant: str):
    # Python's json reads NaN and Infinity, which JSON does not have and no amount or weight may be.
    raise ValueError(f"{constant} is not a JSON value")


class BoundedJSONParser(parsers.JSONParser):
    """JSON, refused with 413 above API_MAX_BODY_BYTES. The body is read up to one byte past the limit, so a
    chunked upload that declares no length is bounded too."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.API_MAX_BODY_BYTES
        request = (parser_context or {}).get("request")
        declared = request.META.get("CONTENT_LENGTH") if request is not None else None
        if declared and declared.isdigit() and int(declared) > limit:
            raise RequestTooLarge(
                _("The body is %(size)s bytes; at most %(limit)s are accepted.") % {"size": declared, "limit": limit}
            )
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise RequestTooLarge(_("The body is over %(limit)s bytes.") % {"limit": limit})
        if not raw:
            return {}
        try:
            text = raw.decode((parser_context or {}).get("encoding", settings.DEFAULT_CHARSET))
        except UnicodeDecodeError as error:
            raise exceptions.ParseError(_("The body is not valid JSON: %(error)s") % {"error": error}) from None
        if json_depth(text) > JSON_MAX_DEPTH:
            raise exceptions.ParseError(
                _("The body nests arrays and objects more than %(most)d deep.") % {"most": JSON_MAX_DEPTH}
            )
        try:
            return json.loads(text, parse_constant=_not_json)
        except ValueError as error:
            raise exceptions.ParseError(_("The body is not valid JSON: %(error)s") % {"error": error}) from None


# No body of this API nests deeper than a few levels; a deeper one is refused before the parser recurses into it
# (Python's json module raises RecursionError, a 500, from about 1,000 levels).
JSON_MAX_DEPTH = 32


def json_depth(text: str) -> int:
    """How deep arrays and objects nest in the text, strings aside: one pass, counted without parsing it."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


class StrictInput:
    """Input that is what the schema says or is refused, by field: a field the serializer does not declare
    (instead of silently dropping a misspelt one the client believes it sent), text with a NUL in it, a number
    where text is expected (DRF would turn 0 into "0"), and text longer than the schema's maxLength."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            problems = dict.fromkeys(sorted(set(data) - writable), [_("Unknown field.")])
            for name in writable & set(data):
                # PostgreSQL cannot store a NUL character, and no field here has a use for one.
                values = data[name] if isinstance(data[name], list) else [data[name]]
                if any(isinstance(value, str) and "\x00" in value for value in values):
                    problems[name] = [_("Text may not contain a NUL character.")]
            for name in writable & set(data):
                if name in problems:
                    continue
                field = self.fields[name]
                if isinstance(field, serializers.CharField) and not isinstance(data[name], str | None):
                    problems[name] = [_("Give text (a JSON string).")]
                elif (
                    isinstance(field, serializers.CharField)
                    and field.max_length is not None
                    and isinstance(data[name], str)
                    and len(data[name]) > field.max_length
                ):
                    # As the schema says, before DRF trims surrounding white space: a value longer than the
                    # schema allows is refused whatever it would become.
                    problems[name] = [field.error_messages["max_length"].format(max_length=field.max_length)]
            if problems:
                raise serializers.ValidationError(problems)
        return super().to_internal_value(data)


class StrictSerializer(StrictInput, serializers.Serializer):
    pass


def validated(serializer_class: type[serializers.Serializer], data) -> dict:
    """The input checked by its serializer (a 400 naming each field at fault otherwise), as a plain dict the
    view may take apart."""
    given = serializer_class(data=data)
    given.is_valid(raise_exception=True)
    return dict(given.validated_data)


class StrictFilterSet(django_filters.FilterSet):
    """List filters that refuse an empty value (?status=) instead of ignoring it: the client named a filter
    and gave it nothing, which is a mistake to report, not a request for everything."""

    def is_valid(self) -> bool:
        valid = super().is_valid()
        for name in self.filters:
            if name in self.data and self.data.get(name) == "":
                self.form.add_error(name, _("Give a value, or leave the filter out."))
                valid = False
            elif "\x00" in (self.data.get(name) or ""):
                self.form.add_error(name, _("Text may not contain a NUL character."))
                valid = False
        return valid


@extend_schema_field(OpenApiTypes.INT)
@extend_schema_field(OpenApiTypes.INT)
class RowIdFilter(django_filters.Filter):
    """A row's id: a whole number the database can hold, in ASCII digits as every number is read
    (creditloan.values), or the filter refuses it saying why."""

    field_class = WholeNumberField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, minimum=1, maximum=2**63 - 1, **kwargs)


@extend_schema_field(OpenApiTypes.BOOL)
class TrueFalseFilter(django_filters.TypedChoiceFilter):
    """A yes/no list filter that takes true or false and refuses anything else (django-filter's own ignores a
    value it cannot read, so a typo would quietly return everything)."""

    def __init__(self, *args, **kwargs):
        super().__init__(
            *args, choices=[("true", "true"), ("false", "false")], coerce=lambda value: value == "true", **kwargs
        )


class AskedFilters(DjangoFilterBackend):
    """django-filter's backend, which leaves the list alone when the request names none of its filters (and none is
    required): a filter set built and validated from nothing filters nothing, and building one costs more than the
    rest of a short list's work."""

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None and not any(
            _asked_or_required(name, declared, request.query_params)
            for name, declared in filterset_class.base_filters.items()
        ):
            return queryset
        return super().filter_queryset(request, queryset, view)


def _asked_or_required(name: str, declared, params) -> bool:
    # A filter of several parameters (a range: name_min, name_max) is always built, not looked for by name.
    return name in params or declared.extra.get("required") or isinstance(declared.field.widget, MultiWidget)


class ExplicitOrdering(filters.OrderingFilter):
    """`?ordering=` only on the fields a view names (DRF would otherwise allow every serializer field, a method
    or a many-to-many among them), and always ending with the id, so that rows with equal keys keep their
    place from one page to the next."""

    def get_valid_fields(self, queryset, view, context=None):
        if not getattr(view, "ordering_fields", None):
            return []
        return super().get_valid_fields(queryset, view, context or {})

    def get_ordering(self, request, queryset, view):
        ordering = super().get_ordering(request, queryset, view)
        if ordering and not {"pk", "-pk", "id", "-id"} & set(ordering):
            ordering = [*ordering, "pk"]
        return ordering


# ASCII digits only: str.isdigit() also takes "²", which int() then refuses.
WHOLE_NUMBER = re.compile(r"[0-9]{1,9}")


class Pages(PageNumberPagination):
    """Pages of 50 by default; a page or page size that is not a whole number in range is refused, not
    quietly replaced by the first page or the default size."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not WHOLE_NUMBER.fullmatch(raw) or not 1 <= int(raw) <= self.max_page_size:
            raise exceptions.ValidationError(
                {self.page_size_query_param: [_("A whole number from 1 to %(most)d.") % {"most": self.max_page_size}]}
            )
        return int(raw)

    def get_page_number(self, request, paginator):
        raw = request.query_params.get(self.page_query_param)
        if raw is not None and not (WHOLE_NUMBER.fullmatch(raw) and int(raw) >= 1):
            raise exceptions.ValidationError({self.page_query_param: [_("A whole number from 1.")]})
        return super().get_page_number(request, paginator)

    def paginate_queryset(self, queryset, request, view=None):
        # A list that polls often counts its rows in the page's own query (see WindowCountedPaginator).
        if getattr(view, "counted_in_page", False):
            self.django_paginator_class = WindowCountedPaginator
        return super().paginate_queryset(queryset, request, view)


class WindowCountedPaginator(Paginator):
    """Django's paginator over rows (`values()` dicts) that come with the number of rows in all, a window count in
    the page's own query (COUNT(*) OVER ()): one query where Django's paginator makes two, and the list's filters
    and joins built once. A page past the last is empty, so it is refused as Django's own refuses it."""

    def page(self, number):
        number = self.validate_number_format(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list.annotate(rows_in_all=Window(Count("*")))[bottom : bottom + self.per_page])
        if not rows and number > 1:
            raise EmptyPage(self.error_messages["no_results"])
        self.count = rows[0]["rows_in_all"] if rows else 0
        for row in rows:
            del row["rows_in_all"]
        return self._get_page(rows, number, self)

    def validate_number_format(self, number) -> int:
        """Paginator.validate_number but for the last page, which only the page's own query tells."""
        try:
            number = int(number)
        except (TypeError, ValueError) as error:
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from error
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        return number


class StrictBooleanField(serializers.BooleanField):
    """true or false in JSON, nothing else: DRF's own also takes 0, 1, "yes" and "on", which the schema
    (a boolean) does not allow and a client sending them has probably made a mistake."""

    def to_internal_value(self, data):
        if isinstance(data, bool):
            return data
        self.fail("invalid", input=data)


class RolePermission(permissions.BasePermission):
    role: Role

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and getattr(user, "role", None) == self.role)


class IsApplicant(RolePermission):
    role = Role.APPLICANT
    message = "This endpoint is for applicants."


class IsBankOfficer(RolePermission):
    role = Role.BANK_OFFICER
    message = "This endpoint is for bank credit officers."

    def has_permission(self, request, view) -> bool:
        return super().has_permission(request, view) and request.user.bank_id is not None


class IsOperator(RolePermission):
    role = Role.OPERATOR
    message = "This endpoint is for platform operators."
