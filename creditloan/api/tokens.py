"""Tokens for API clients: exchange a username and password for a bearer token (shown once), list your
tokens, revoke one."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, generics, serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from creditloan.api.base import CallerScoped, validated
from creditloan.api.serializers import TokenIssued, TokenRequest
from creditloan.models import ApiToken
from creditloan.services import api_token_issue, api_token_revoke


class WrongCredentials(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid_credentials"
    default_detail = gettext_lazy("Wrong username or password.")


class TokenOut(serializers.ModelSerializer):
    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at"]


class Tokens(CallerScoped, generics.ListAPIView):
    """Your API tokens (never the tokens themselves: only their first characters). POST with a username and
    password to get a new one."""

    model = ApiToken
    serializer_class = TokenOut

    def get_permissions(self):
        return [AllowAny()] if self.request.method == "POST" else [IsAuthenticated()]

    def get_authenticators(self):
        # The password is the credential here; a session cookie must not make this a CSRF target.
        return [] if self.request is not None and self.request.method == "POST" else super().get_authenticators()

    def visible(self):
        return ApiToken.objects.filter(user=self.request.user).order_by("-created_at")

    @extend_schema(request=TokenRequest, responses={201: TokenIssued}, auth=[])
    def post(self, request):
        given = validated(TokenRequest, request.data)
        user = authenticate(request._request, username=given["username"], password=given["password"])
        if user is None:
            raise WrongCredentials()
        token, raw = api_token_issue(user=user, name=given["name"])
        return Response(
            TokenIssued({"token": raw, "prefix": token.prefix, "expires_at": token.expires_at}).data,
            status=status.HTTP_201_CREATED,
        )


class TokenRevoke(APIView):
    @extend_schema(request=None, responses={200: TokenOut})
    def post(self, request, token_id: int):
        return Response(TokenOut(api_token_revoke(user=request.user, token_id=token_id)).data)
