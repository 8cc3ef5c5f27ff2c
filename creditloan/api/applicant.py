"""The applicant's endpoints: their firms, consents, applications with the banks' offers, the credit report
with its records and disputes, and who has looked at their data. Every list starts from the caller's own
firms; anything else is not found."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from creditloan import selectors
from creditloan.api import serializers as s
from creditloan.api.base import CallerScoped, IsApplicant, RowIdFilter, StrictFilterSet, validated
from creditloan.api.idempotency import idempotent
from creditloan.errors import DomainError
from creditloan.flows import applications
from creditloan.flows.consent import authorisation_give, authorisation_withdraw
from creditloan.identity.selectors import Permission
from creditloan.identity.services import agent_request, enterprise_claim
from creditloan.middleware import client_address
from creditloan.models import AccessLog, Application, Authorisation, Dispute, EnterpriseMembership, MembershipRelation
from creditloan.services import (
    dispute_raise,
)
from matching.selectors import eligibility_preview
from scoring.selectors import enterprise_assess


def _membership(request, enterprise_id: int, *, may: Permission):
    membership = selectors.membership_of(request.user, enterprise_id, may=may)
    if membership is None:
        raise Http404
    return membership


def _application(request, application_id: int):
    application = selectors.application_of(request.user, application_id)
    if application is None:
        raise Http404
    return application


class Enterprises(CallerScoped, generics.ListCreateAPIView):
    """The firms you act for today, with what you may do for each. POST a firm's code to claim it as its legal
    representative (in force at once if your verified name and ID match the registry's; one answer for every
    mismatch) or, with `relation: authorised_agent`, to ask its legal representative to let you act as its
    agent (pending until they approve). Needs a confirmed mobile and a verified identity."""

    model = EnterpriseMembership
    permission_classes = [IsApplicant]
    serializer_class = s.Membership

    def visible(self):
        return selectors.memberships_of(self.request.user).order_by("enterprise__pk")

    @extend_schema(
        request=s.EnterpriseJoin,
        responses={
            201: PolymorphicProxySerializer(
                component_name="EnterpriseJoined",
                serializers=[s.Membership, s.AgentRequestOut],
                resource_type_field_name=None,
            )
        },
    )
    def post(self, request):
        given = validated(s.EnterpriseJoin, request.data)
        if given["relation"] == MembershipRelation.LEGAL_REPRESENTATIVE:
            membership = enterprise_claim(user=request.user, uscc=given["uscc"], address=client_address(request))
            return Response(s.Membership(membership).data, status=status.HTTP_201_CREATED)
        # Until the legal representative approves, the request says nothing of the firm.
        membership = agent_request(user=request.user, uscc=given["uscc"], note=given.get("note", ""))
        return Response(s.AgentRequestOut(membership).data, status=status.HTTP_201_CREATED)


class EnterpriseDetail(generics.RetrieveAPIView):
    permission_classes = [IsApplicant]
    serializer_class = s.Membership

    def get_object(self):
        membership = selectors.memberships_of(self.request.user).filter(enterprise_id=self.kwargs["enterprise_id"])
        if not membership:
            raise Http404
        return membership[0]


class Eligibility(APIView):
    """Before applying: the firm assessed today and each product's verdict, with the reasons it does not fit."""

    permission_classes = [IsApplicant]

    @extend_schema(request=s.Terms, responses={200: s.EligibilityOut})
    def post(self, request, enterprise_id: int):
        enterprise = _membership(request, enterprise_id, may="apply").enterprise
        terms = validated(s.Terms, request.data)
        score, verdicts = eligibility_preview(enterprise=enterprise, **terms)
        return Response(s.EligibilityOut({"score": score, "products": verdicts}).data)


class CreditReport(APIView):
    permission_classes = [IsApplicant]

    @extend_schema(responses={200: s.CreditReport})
    def get(self, request, enterprise_id: int):
        enterprise = _membership(request, enterprise_id, may="view_report").enterprise
        try:
            score = enterprise_assess(enterprise_id=enterprise.pk)
        except DomainError:
            score = None  # no champion model yet: the records are still the firm's to see
        report = {
            "enterprise": enterprise.pk,
            "score": score,
            "records": s.records_out(selectors.credit_records(enterprise.pk)),
        }
        return Response(s.CreditReport(report).data)


class EnterpriseExport(APIView):
    """Everything the platform holds about the firm: registry entry, every record, authorisations with their
    words, applications with scores and offers, disputes, reviews, and who looked at its data."""

    permission_classes = [IsApplicant]

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request, enterprise_id: int):
        export = selectors.enterprise_export(user=request.user, enterprise_id=enterprise_id)
        if export is None:
            raise Http404
        return Response(export)


class AccessLogList(CallerScoped, generics.ListAPIView):
    """Who has looked at the firm's data: which bank or the platform, what, when and why."""

    model = AccessLog
    permission_classes = [IsApplicant]
    serializer_class = s.AccessOut

    def visible(self):
        enterprise = _membership(self.request, self.kwargs["enterprise_id"], may="view_report").enterprise
        return selectors.access_log_of(enterprise.pk).select_related("viewer", "bank")


class Authorisations(CallerScoped, generics.ListCreateAPIView):
    model = Authorisation
    permission_classes = [IsApplicant]
    serializer_class = s.AuthorisationOut

    def visible(self):
        return selectors.authorisations_of(self.request.user).prefetch_related("banks")

    @extend_schema(request=s.AuthorisationCreate, responses={201: s.AuthorisationOut})
    def post(self, request):
        data = validated(s.AuthorisationCreate, request.data)
        enterprise = _membership(request, data.pop("enterprise"), may="consent").enterprise
        authorisation = authorisation_give(user=request.user, enterprise=enterprise, bank_ids=data.pop("banks"), **data)
        return Response(s.AuthorisationOut(authorisation).data, status=status.HTTP_201_CREATED)


class AuthorisationRevoke(APIView):
    permission_classes = [IsApplicant]

    @extend_schema(request=None, responses={200: s.AuthorisationOut})
    def post(self, request, authorisation_id: int):
        if not selectors.authorisations_of(request.user).filter(pk=authorisation_id).exists():
            raise Http404
        authorisation = authorisation_withdraw(user=request.user, authorisation_id=authorisation_id)
        return Response(s.AuthorisationOut(authorisation).data)


class ApplicationFilter(StrictFilterSet):
    # By id, not a choice among all firms: a firm that is not yours simply has no applications here.
    enterprise = RowIdFilter(field_name="enterprise_id")

    class Meta:
        model = Application
        fields = ["status", "enterprise"]


class Applications(CallerScoped, generics.ListCreateAPIView):
    """Your firms' applications, newest first, each with the banks' offers. Submitting one takes an
    `Idempotency-Key`: sent again with the same key, it returns the first answer and applies once."""

    model = Application
    permission_classes = [IsApplicant]
    serializer_class = s.ApplicationOut
    filterset_class = ApplicationFilter
    ordering_fields = ["submitted_at", "amount"]

    def visible(self):
        return selectors.applications_of(self.request.user).prefetch_related(
            "offers__product__bank", "offers__escalation"
        )

    @extend_schema(request=s.ApplicationCreate, responses={201: s.ApplicationOut})
    def post(self, request):
        def submit() -> Response:
            data = validated(s.ApplicationCreate, request.data)
            application = applications.application_submit(
                applicant=request.user, enterprise_id=data.pop("enterprise"), **data
            )
            return Response(s.ApplicationSubmitted(application).data, status=status.HTTP_201_CREATED)

        return idempotent(request, "POST /api/v1/applications/", submit)


class ApplicationDetail(generics.RetrieveAPIView):
    permission_classes = [IsApplicant]
    serializer_class = s.ApplicationOut

    def get_object(self):
        return _application(self.request, self.kwargs["application_id"])


class ApplicationWithdraw(APIView):
    permission_classes = [IsApplicant]

    @extend_schema(request=None, responses={200: s.ApplicationOut, 409: OpenApiResponse(description="Not open.")})
    def post(self, request, application_id: int):
        application = _application(request, application_id)
        applications.application_withdraw(application_id=application.pk)
        application.refresh_from_db()
        return Response(s.ApplicationOut(application).data)


class KnockOutReviewRequest(APIView):
    """Ask a person to review the policy rule that ruled the application out (人工复核): only an application
    that is not eligible because of a rule, and once."""

    permission_classes = [IsApplicant]

    @extend_schema(request=s.KnockOutReviewCreate, responses={201: s.KnockOutReviewOut})
    def post(self, request, application_id: int):
        application = _application(request, application_id)
        given = validated(s.KnockOutReviewCreate, request.data)
        review = applications.knockout_review_request(user=request.user, application_id=application.pk, **given)
        return Response(s.KnockOutReviewOut(review).data, status=status.HTTP_201_CREATED)


class Disputes(CallerScoped, generics.ListCreateAPIView):
    """Your disputes of your firms' records (异议), each with its deadline and, once answered, the outcome."""

    model = Dispute
    permission_classes = [IsApplicant]
    serializer_class = s.DisputeOut

    def visible(self):
        return selectors.disputes_of(self.request.user)

    @extend_schema(request=s.DisputeCreate, responses={201: s.DisputeOut})
    def post(self, request):
        data = validated(s.DisputeCreate, request.data)
        enterprise = _membership(request, data.pop("enterprise"), may="view_report").enterprise
        dispute = dispute_raise(user=request.user, enterprise=enterprise, **data)
        return Response(s.DisputeOut(dispute).data, status=status.HTTP_201_CREATED)
