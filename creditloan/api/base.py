"""What every endpoint shares: bearer tokens, JSON bodies of a bounded size, serializers that refuse fields
they do not know, one page size rule, and a permission per role."""

from __future__ import annotations

import json

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, parsers, permissions, serializers
from rest_framework.pagination import PageNumberPagination

from creditloan.api.errors import RequestTooLarge
from creditloan.models import ApiToken, token_digest
from creditloan.models.accounts import Role


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer <token>`; the token is looked up by its hash, and a revoked or expired one is
    refused with the reason."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0] != self.keyword:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("The Authorization header should read: Bearer <token>."))
        token = ApiToken.objects.select_related("user").filter(digest=token_digest(header[1])).first()
        now = timezone.now()
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Unknown API token."))
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("This API token has been revoked."))
        if token.expires_at <= now:
            raise exceptions.AuthenticationFailed(_("This API token has expired."))
        # At most once a minute: a write per request would make every GET a write.
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request) -> str:
        return self.keyword


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
            return json.loads(raw.decode((parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)))
        except (ValueError, UnicodeDecodeError) as error:
            raise exceptions.ParseError(_("The body is not valid JSON: %(error)s") % {"error": error}) from None


class StrictSerializer(serializers.Serializer):
    """Input serializer that refuses fields it does not declare, naming them, instead of silently dropping a
    misspelt one the client believes it sent."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(dict.fromkeys(unknown, [_("Unknown field.")]))
        return super().to_internal_value(data)


class Pages(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


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
