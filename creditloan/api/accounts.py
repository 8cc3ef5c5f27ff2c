"""Accounts through the API, on the same services as the pages: open one (anonymous), confirm its mobile by the
code texted to it, state a real-name identity, recover the password by mobile; and the legal representative's
answers to agents who asked to act for the firm."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from creditloan.api import fields
from creditloan.api.base import CallerScoped, IsApplicant, StrictSerializer, validated
from creditloan.identity import selectors
from creditloan.identity.services import (
    account_open,
    delegation_approve,
    delegation_refuse,
    delegation_revoke,
    identity_verify,
    password_reset_confirm,
    password_reset_request,
    phone_code_send,
    phone_confirm,
)
from creditloan.middleware import client_address
from creditloan.models import EnterpriseMembership, PhoneCodePurpose, User


class AccountCreate(StrictSerializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})
    phone = serializers.CharField(max_length=20, help_text="A mainland mobile number; a code is texted to it.")
    email = serializers.CharField(max_length=254, required=False, allow_blank=True, default="")
    accept_agreements = serializers.BooleanField(
        help_text="true: you accept the current user agreement and privacy notice (/legal/user_agreement/, "
        "/legal/privacy_notice/)."
    )


class AccountOut(serializers.ModelSerializer):
    phone = serializers.CharField(source="masked_phone")
    phone_confirmed = serializers.BooleanField()
    identity_verified = serializers.BooleanField()
    resident_id = serializers.CharField(source="resident_id_masked")

    class Meta:
        model = User
        fields = ["id", "username", "phone", "phone_confirmed", "identity_verified", "real_name", "resident_id"]


class CodeIn(StrictSerializer):
    code = serializers.CharField(max_length=12)


class IdentityIn(StrictSerializer):
    real_name = serializers.CharField(max_length=100)
    resident_id = serializers.CharField(max_length=32)


class PhoneIn(StrictSerializer):
    phone = serializers.CharField(max_length=20)


class PasswordResetIn(StrictSerializer):
    phone = serializers.CharField(max_length=20)
    code = serializers.CharField(max_length=12)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})


class DelegationIn(StrictSerializer):
    may_apply = serializers.BooleanField(default=False)
    may_consent = serializers.BooleanField(default=False)
    may_view_report = serializers.BooleanField(default=False)
    valid_until = fields.DateField()


class DelegationOut(serializers.ModelSerializer):
    agent = serializers.CharField(source="user.real_name")
    agent_resident_id = serializers.CharField(source="user.resident_id_masked")
    agent_phone = serializers.CharField(source="user.masked_phone")

    class Meta:
        model = EnterpriseMembership
        fields = [
            "id",
            "enterprise",
            "agent",
            "agent_resident_id",
            "agent_phone",
            "status",
            "note",
            "may_apply",
            "may_consent",
            "may_view_report",
            "valid_until",
            "created_at",
            "decided_at",
        ]


class Accounts(APIView):
    """Open an applicant's account. A code is texted to the mobile: confirm it at /api/v1/accounts/me/phone/,
    after getting a token at /api/v1/tokens/."""

    permission_classes = [AllowAny]
    authentication_classes = []  # nobody is signed in yet, so no session cookie can make this a CSRF target

    @extend_schema(request=AccountCreate, responses={201: AccountOut}, auth=[])
    def post(self, request):
        given = validated(AccountCreate, request.data)
        user = account_open(
            username=given["username"],
            password=given["password"],
            phone=given["phone"],
            email=given["email"],
            accepted=given["accept_agreements"],
            address=client_address(request),
        )
        return Response(AccountOut(user).data, status=status.HTTP_201_CREATED)


class Me(APIView):
    """Your account: whether the mobile is confirmed and the identity verified."""

    permission_classes = [IsApplicant]

    @extend_schema(responses={200: AccountOut})
    def get(self, request):
        return Response(AccountOut(request.user).data)


class PhoneCodeResend(APIView):
    permission_classes = [IsApplicant]

    @extend_schema(request=None, responses={202: None})
    def post(self, request):
        phone_code_send(
            phone=request.user.phone,
            purpose=PhoneCodePurpose.CONFIRM,
            user=request.user,
            address=client_address(request),
        )
        return Response(status=status.HTTP_202_ACCEPTED)


class PhoneConfirm(APIView):
    permission_classes = [IsApplicant]

    @extend_schema(request=CodeIn, responses={200: AccountOut})
    def post(self, request):
        user = phone_confirm(user=request.user, **validated(CodeIn, request.data))
        return Response(AccountOut(user).data)


class Identity(APIView):
    """State your name and resident ID number (实名认证); the number is never shown whole again."""

    permission_classes = [IsApplicant]

    @extend_schema(request=IdentityIn, responses={200: AccountOut})
    def post(self, request):
        user = identity_verify(user=request.user, **validated(IdentityIn, request.data))
        return Response(AccountOut(user).data)


class PasswordReset(APIView):
    """A code to the account's confirmed mobile. The answer is the same whether or not an account has it."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(request=PhoneIn, responses={202: None}, auth=[])
    def post(self, request):
        password_reset_request(**validated(PhoneIn, request.data), address=client_address(request))
        return Response(status=status.HTTP_202_ACCEPTED)


class PasswordResetConfirm(APIView):
    """The code and a new password: tokens and sessions issued under the old one stop working."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(request=PasswordResetIn, responses={204: None}, auth=[])
    def post(self, request):
        password_reset_confirm(**validated(PasswordResetIn, request.data))
        return Response(status=status.HTTP_204_NO_CONTENT)


class Agents(CallerScoped, generics.ListAPIView):
    """For the firm's legal representative: every agent's request, waiting ones first, and its answer."""

    model = EnterpriseMembership
    permission_classes = [IsApplicant]
    serializer_class = DelegationOut

    def visible(self):
        enterprise = selectors.firms_represented_by(self.request.user).filter(pk=self.kwargs["enterprise_id"])
        if not enterprise.exists():
            raise Http404
        return selectors.delegations_of(self.kwargs["enterprise_id"])


class DelegationApprove(APIView):
    permission_classes = [IsApplicant]

    @extend_schema(request=DelegationIn, responses={200: DelegationOut})
    def post(self, request, delegation_id: int):
        if not selectors.delegations_answerable_by(request.user).filter(pk=delegation_id).exists():
            raise Http404
        given = validated(DelegationIn, request.data)
        return Response(DelegationOut(delegation_approve(by=request.user, membership_id=delegation_id, **given)).data)


class DelegationRefuse(APIView):
    permission_classes = [IsApplicant]

    @extend_schema(request=None, responses={200: DelegationOut})
    def post(self, request, delegation_id: int):
        return Response(DelegationOut(delegation_refuse(by=request.user, membership_id=delegation_id)).data)


class DelegationRevoke(APIView):
    permission_classes = [IsApplicant]

    @extend_schema(request=None, responses={200: DelegationOut})
    def post(self, request, delegation_id: int):
        return Response(DelegationOut(delegation_revoke(by=request.user, membership_id=delegation_id)).data)
