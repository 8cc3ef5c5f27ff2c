"""Pages of the applicant, and the ones every role shares (home, sign-up). Thin: forms check the shape of the
input, services decide, and a DomainError is shown on the field it names."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from creditloan import selectors as creditloan_selectors
from creditloan.access import applicant_required
from creditloan.errors import DomainError, ErrorCode
from creditloan.flows import applications
from creditloan.forms import ApplicationForm, AuthorisationForm, DisputeForm, ReviewRequestForm, refusal_of, show_error
from creditloan.identifiers import InvalidIdentifier, validate_uscc
from creditloan.identity import selectors as identity_selectors
from creditloan.models import Bank, KnockOutReview, Role
from creditloan.services import (
    DISPUTE_DAYS,
    authorisation_grant,
    dispute_raise,
    knockout_review_request,
)
from matching.routing import application_withdraw, authorisation_withdraw
from matching.selectors import eligibility_preview
from scoring.selectors import application_latest_score, enterprise_assess


def home(request):
    """Each role's own start page."""
    user = request.user
    if not user.is_authenticated:
        return redirect("login")
    return redirect(
        {Role.APPLICANT: "applicant_home", Role.BANK_OFFICER: "officer_queue"}.get(user.role, "operator_products")
    )


@require_GET
def uscc_check(request):
    """As the code is typed: is it a valid 统一社会信用代码, and if not, what is wrong and where."""
    try:
        code = validate_uscc(request.GET.get("code", ""))
    except InvalidIdentifier as error:
        return JsonResponse({"valid": False, "message": error.message, "position": error.position})
    return JsonResponse({"valid": True, "code": code})


@applicant_required
def applicant_home(request):
    user = request.user
    return render(
        request,
        "applicant/home.html",
        {
            "next_step": identity_selectors.onboarding_step(user),
            "memberships": creditloan_selectors.memberships_of(user),
            "requests": identity_selectors.requests_of(user),
            "applications": creditloan_selectors.applications_of(user),
        },
    )


@applicant_required
@require_http_methods(["GET", "POST"])
def apply(request, enterprise_id: int):
    membership = creditloan_selectors.membership_of(request.user, enterprise_id, may="apply")
    if membership is None:
        raise Http404
    enterprise = membership.enterprise
    form = ApplicationForm(request.POST or None)
    preview = None
    if request.method == "POST" and form.is_valid():
        terms = form.cleaned_data
        try:
            if "submit" in request.POST:
                application = applications.application_submit(applicant=request.user, enterprise=enterprise, **terms)
                messages.success(request, _("Application submitted. It is being scored and matched."))
                return redirect("application_detail", application.pk)
            score, verdicts = eligibility_preview(
                enterprise=enterprise,
                amount=terms["amount"],
                term_months=terms["term_months"],
                guarantee_mode=terms["guarantee_mode"],
            )
            preview = {
                "score": score,
                "eligible": [verdict for verdict in verdicts if verdict.eligible],
                "not_eligible": [verdict for verdict in verdicts if not verdict.eligible],
            }
        except DomainError as error:
            show_error(form, error)
    return render(
        request,
        "applicant/apply.html",
        {"enterprise": enterprise, "membership": membership, "form": form, "preview": preview},
    )


@applicant_required
def application_detail(request, application_id: int):
    application = creditloan_selectors.application_of(request.user, application_id)
    if application is None:
        raise Http404
    score = application_latest_score(application)
    return render(
        request,
        "applicant/application.html",
        {
            "application": application,
            "offers": application.offers.select_related("product__bank").order_by("rank"),
            "timeline": creditloan_selectors.application_timeline(application),
            "knock_outs": score.exclusions if score is not None and application.status == "not_eligible" else [],
            "review": KnockOutReview.objects.filter(application=application).first(),
        },
    )


@applicant_required
@require_POST
def knockout_review_request_view(request, application_id: int):
    application = creditloan_selectors.application_of(request.user, application_id)
    if application is None:
        raise Http404
    form = ReviewRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, refusal_of(form))
        return redirect("application_detail", application_id=application.pk)
    try:
        knockout_review_request(user=request.user, application_id=application.pk, **form.cleaned_data)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("A person will review it; you will hear the answer."))
    return redirect("application_detail", application_id=application.pk)


@applicant_required
@require_POST
def application_withdraw_view(request, application_id: int):
    application = creditloan_selectors.application_of(request.user, application_id)
    if application is None:
        raise Http404
    try:
        application_withdraw(application_id=application.pk)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The application is withdrawn."))
    return redirect("application_detail", application.pk)


@applicant_required
@require_http_methods(["GET", "POST"])
def authorisations(request):
    """The firm's consents: grant one, see them all (active, expired, revoked) with their words, revoke."""

    firms = identity_selectors.firms_acted_for(request.user, may="consent").order_by("name")
    form = AuthorisationForm(
        request.POST or None,
        enterprises=firms,
        banks=Bank.objects.filter(active=True).order_by("name"),
        initial={
            "enterprise": firms.first() if firms.count() == 1 else None,
            "purpose": "financing",
            "expires_on": timezone.localdate() + dt.timedelta(days=180),
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            authorisation_grant(
                user=request.user,
                enterprise=data["enterprise"],
                sources=data["sources"],
                purpose=data["purpose"],
                bank_ids=[bank.pk for bank in data["banks"]],
                expires_on=data["expires_on"],
            )
        except DomainError as error:
            show_error(form, error)
        else:
            messages.success(request, _("Authorisation granted."))
            return redirect("authorisations")
    return render(
        request,
        "applicant/authorisations.html",
        {"form": form, "grants": creditloan_selectors.authorisations_of(request.user), "now": timezone.now()},
    )


@applicant_required
@require_POST
def authorisation_revoke_view(request, authorisation_id: int):
    try:
        authorisation_withdraw(user=request.user, authorisation_id=authorisation_id)
    except DomainError as error:
        if error.code == ErrorCode.NOT_FOUND:
            raise Http404 from None
        messages.error(request, error.message)
    else:
        messages.success(request, _("Authorisation revoked: from now on the data it covered is not used."))
    return redirect("authorisations")


@applicant_required
@require_http_methods(["GET", "POST"])
def credit_report(request, enterprise_id: int):
    """The firm as the model sees it today: score, grade, the reasons in plain words, what would improve it,
    and the records behind it, each of which can be disputed."""
    membership = creditloan_selectors.membership_of(request.user, enterprise_id, may="view_report")
    if membership is None:
        raise Http404
    enterprise = membership.enterprise
    if request.method == "POST":
        form = DisputeForm(request.POST)
        if not form.is_valid():
            messages.error(request, refusal_of(form))
            return redirect("credit_report", enterprise.pk)
        try:
            dispute_raise(user=request.user, enterprise=enterprise, **form.cleaned_data)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("Your dispute is registered; the platform answers within %(days)d days.") % {"days": DISPUTE_DAYS},
            )
        return redirect("credit_report", enterprise.pk)
    try:
        score = enterprise_assess(enterprise_id=enterprise.pk)
    except DomainError as error:
        score = None
        messages.info(request, error.message)
    return render(
        request,
        "applicant/credit_report.html",
        {
            "enterprise": enterprise,
            "score": score,
            "sources": creditloan_selectors.credit_records(enterprise.pk),
            "disputes": creditloan_selectors.disputes_of(request.user).filter(enterprise=enterprise),
        },
    )


@applicant_required
@require_GET
def enterprise_export_view(request, enterprise_id: int):
    """What the platform holds about the firm, as a JSON file to keep."""
    export = creditloan_selectors.enterprise_export(user=request.user, enterprise_id=enterprise_id)
    if export is None:
        raise Http404
    response = JsonResponse(export, json_dumps_params={"ensure_ascii": False, "indent": 2})
    name = f"xinyidai-{export['enterprise']['uscc']}-{timezone.localdate():%Y%m%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@applicant_required
def access_log(request, enterprise_id: int):
    """Who has looked at the firm's data: which bank or the platform, what, when and why; and, for its legal
    representative, who tried to claim the firm and did not match the registry."""
    membership = creditloan_selectors.membership_of(request.user, enterprise_id, may="view_report")
    if membership is None:
        raise Http404
    return render(
        request,
        "applicant/access_log.html",
        {
            "enterprise": membership.enterprise,
            "entries": creditloan_selectors.access_log_of(enterprise_id)[:500],
            "failed_claims": (
                identity_selectors.failed_claims_of(enterprise_id)[:100] if membership.is_legal_representative else None
            ),
        },
    )
