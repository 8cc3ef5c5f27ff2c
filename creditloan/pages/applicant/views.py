"""The applicant's pages: the firm owner's start page, confirming the mobile and the identity, joining a firm and
naming its agents, consent, the credit report and who looked at it, applying, the application and its offers,
disputes and reviews. Thin: forms check the shape of the input, services decide, and a DomainError is shown on
the field it names."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from creditloan import selectors as creditloan_selectors
from creditloan.access import applicant_required, found_or_404
from creditloan.converters import row_id
from creditloan.errors import DomainError, ErrorCode, without_field_name
from creditloan.flows import applications
from creditloan.flows.consent import authorisation_give, authorisation_withdraw
from creditloan.forms import refusal_of, show_error
from creditloan.identity import selectors as identity_selectors
from creditloan.identity.services import (
    agent_request,
    delegation_approve,
    delegation_refuse,
    delegation_revoke,
    enterprise_claim,
    identity_verify,
    phone_change,
    phone_code_send,
    phone_confirm,
)
from creditloan.middleware import client_address
from creditloan.models import ApplicationStatus, Bank, KnockOutReview, PhoneCodePurpose
from creditloan.pages.applicant.forms import (
    ApplicationForm,
    AuthorisationForm,
    DelegationForm,
    DisputeForm,
    EnterpriseJoinForm,
    IdentityForm,
    PhoneChangeForm,
    PhoneCodeForm,
    ReviewRequestForm,
)
from creditloan.services import (
    DISPUTE_DAYS,
    dispute_raise,
)
from matching import catalogue
from matching.offers import application_timeline, offer_terms
from matching.selectors import eligibility_preview
from scoring.selectors import application_latest_score, enterprise_assess, grade_scale


def _onboarding_page(user) -> str | None:
    """The page of the account's next step before it may act for a firm, if one is left."""
    step = identity_selectors.onboarding_step(user)
    return step and f"applicant:{step}"


@applicant_required
def applicant_home(request):
    user = request.user
    return render(
        request,
        "applicant/home.html",
        {
            "next_step": identity_selectors.onboarding_step(user),
            "next_page": _onboarding_page(user),
            "memberships": creditloan_selectors.memberships_of(user),
            "requests": identity_selectors.requests_of(user),
            "applications": creditloan_selectors.applications_of(user),
        },
    )


@applicant_required
@require_http_methods(["GET", "POST"])
def apply(request, enterprise_id: int):
    membership = found_or_404(creditloan_selectors.membership_of(request.user, enterprise_id, may="apply"))
    enterprise = membership.enterprise
    form = ApplicationForm(request.POST or None)
    preview = None
    if request.method == "POST" and form.is_valid():
        terms = form.cleaned_data
        try:
            if "submit" in request.POST:
                application = applications.application_submit(
                    applicant=request.user, enterprise_id=enterprise.pk, **terms
                )
                messages.success(request, _submitted_message(application))
                return redirect("applicant:application_detail", application.pk)
            score, verdicts = eligibility_preview(
                enterprise=enterprise,
                amount=terms["amount"],
                term_months=terms["term_months"],
                guarantee_mode=terms["guarantee_mode"],
            )
            preview = {
                "score": score,
                "eligible": [_priced(verdict) for verdict in verdicts if verdict.eligible],
                "not_eligible": [_priced(verdict) for verdict in verdicts if not verdict.eligible],
            }
        except DomainError as error:
            show_error(form, error)
    return render(
        request,
        "applicant/apply.html",
        {"enterprise": enterprise, "membership": membership, "form": form, "preview": preview},
    )


def _submitted_message(application) -> str:
    """What submitting did by the time the page answers: scoring may already have run (or run later, queued)."""
    application.refresh_from_db(fields=["status"])
    if application.status == ApplicationStatus.NOT_ELIGIBLE:
        # Ruled out by a policy rule, which the page names with what to do; or fitting no bank's product, which is
        # all the page can say: the message promises no more than the page shows (both ask _knock_outs).
        if _knock_outs(application, application_latest_score(application)):
            return _(
                "Application submitted, but it cannot go to any bank: the page says which rule and what you can do."
            )
        return _("Application submitted, but no bank's product fits it, so it cannot go to any bank.")
    if application.status == ApplicationStatus.MATCHED:
        return _("Application submitted and offered to banks: their answers appear here.")
    return _("Application submitted. It is being scored and matched.")


def _knock_outs(application, score) -> list:
    """The policy rules that ruled the application out: its latest score's exclusions, when it is not eligible."""
    if score is None or application.status != ApplicationStatus.NOT_ELIGIBLE:
        return []
    return score.exclusions


def _priced(verdict) -> dict:
    return {
        "product": verdict.product,
        "reasons": verdict.reasons,
        "repayment": catalogue.repayment_methods_text(verdict.product),
        "estimate": verdict.estimate,
    }


@applicant_required
def application_detail(request, application_id: int):
    application = found_or_404(creditloan_selectors.application_of(request.user, application_id))
    score = application_latest_score(application)
    return render(
        request,
        "applicant/application.html",
        {
            "application": application,
            "offers": [
                (offer, offer_terms(offer))
                for offer in application.offers.select_related("product__bank", "loan", "escalation").order_by("rank")
            ],
            "timeline": application_timeline(application),
            "knock_outs": _knock_outs(application, score),
            "review": KnockOutReview.objects.filter(application=application).first(),
        },
    )


@applicant_required
@require_POST
def knockout_review_request_view(request, application_id: int):
    application = found_or_404(creditloan_selectors.application_of(request.user, application_id))
    form = ReviewRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, refusal_of(form))
        return redirect("applicant:application_detail", application_id=application.pk)
    try:
        applications.knockout_review_request(user=request.user, application_id=application.pk, **form.cleaned_data)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("A person will review it; you will hear the answer."))
    return redirect("applicant:application_detail", application_id=application.pk)


@applicant_required
@require_POST
def application_withdraw_view(request, application_id: int):
    application = found_or_404(creditloan_selectors.application_of(request.user, application_id))
    try:
        applications.application_withdraw(application_id=application.pk)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The application is withdrawn."))
    return redirect("applicant:application_detail", application.pk)


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
            authorisation_give(
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
            return redirect("applicant:authorisations")
    return render(
        request,
        "applicant/authorisations.html",
        {"form": form, "grants": creditloan_selectors.authorisations_of(request.user)},
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
    return redirect("applicant:authorisations")


@applicant_required
@require_http_methods(["GET", "POST"])
def credit_report(request, enterprise_id: int):
    """The firm as the model sees it today: score, grade, the reasons in plain words, what would improve it,
    and the records behind it, each of which can be disputed."""
    membership = found_or_404(creditloan_selectors.membership_of(request.user, enterprise_id, may="view_report"))
    enterprise = membership.enterprise
    if request.method == "POST":
        form = DisputeForm(request.POST)
        if not form.is_valid():
            messages.error(request, refusal_of(form))
            return redirect("applicant:credit_report", enterprise.pk)
        try:
            dispute_raise(user=request.user, enterprise=enterprise, **form.cleaned_data)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("Your dispute is registered; the platform answers within %(days)d days.") % {"days": DISPUTE_DAYS},
            )
        return redirect("applicant:credit_report", enterprise.pk)
    try:
        score = enterprise_assess(enterprise_id=enterprise.pk)
    except DomainError as error:
        score = None
        messages.info(request, error.message)
    # The grade line says what the letter means under the bands of the model that gave it.
    scale = grade_scale(score.model_version) if score else None
    return render(
        request,
        "applicant/credit_report.html",
        {
            "enterprise": enterprise,
            "score": score,
            "grade_scale": scale,
            "grade_band": scale.band_of(score.grade) if scale else None,
            "sources": creditloan_selectors.credit_records(enterprise.pk),
            "disputes": creditloan_selectors.disputes_of(request.user).filter(enterprise=enterprise),
        },
    )


@applicant_required
@require_GET
def enterprise_export_view(request, enterprise_id: int):
    """What the platform holds about the firm, as a JSON file to keep."""
    export = found_or_404(creditloan_selectors.enterprise_export(user=request.user, enterprise_id=enterprise_id))
    response = JsonResponse(export, json_dumps_params={"ensure_ascii": False, "indent": 2})
    name = f"xinyidai-{export['enterprise']['uscc']}-{timezone.localdate():%Y%m%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@applicant_required
def access_log(request, enterprise_id: int):
    """Who has looked at the firm's data: which bank or the platform, what, when and why; and, for its legal
    representative, who tried to claim the firm and did not match the registry."""
    membership = found_or_404(creditloan_selectors.membership_of(request.user, enterprise_id, may="view_report"))
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


@applicant_required
@require_http_methods(["GET", "POST"])
def phone_confirm_view(request):
    user = request.user
    if user.phone_confirmed:
        return redirect(_onboarding_page(user) or "applicant:home")
    action = request.POST.get("action", "confirm") if request.method == "POST" else None
    code_form = PhoneCodeForm(request.POST if action == "confirm" else None)
    change_form = PhoneChangeForm(request.POST if action == "change" else None)
    if request.method == "POST":
        try:
            if action == "resend":
                phone_code_send(
                    phone=user.phone, purpose=PhoneCodePurpose.CONFIRM, user=user, address=client_address(request)
                )
                messages.success(request, _("A new code is on its way."))
                return redirect("applicant:phone_confirm")
            if action == "change" and change_form.is_valid():
                phone_change(user=user, phone=change_form.cleaned_data["phone"], address=client_address(request))
                messages.success(request, _("Number changed; a code is on its way to it."))
                return redirect("applicant:phone_confirm")
            if action == "confirm" and code_form.is_valid():
                phone_confirm(user=user, code=code_form.cleaned_data["code"])
                messages.success(request, _("Your mobile number is confirmed."))
                return redirect(_onboarding_page(user) or "applicant:home")
        except DomainError as error:
            if action == "change":
                show_error(change_form, error)
            elif action == "confirm":
                show_error(code_form, error, field="code")
            else:  # a new code asked for too soon: no form was sent, so the page says it
                messages.error(request, without_field_name(error.message))
    return render(
        request,
        "identity/phone_confirm.html",
        {"code_form": code_form, "change_form": change_form, "minutes": settings.PHONE_CODE_MINUTES},
    )


@applicant_required
@require_http_methods(["GET", "POST"])
def identity_verify_view(request):
    user = request.user
    if user.identity_verified:
        return redirect("applicant:home")
    if not user.phone_confirmed:
        return redirect("applicant:phone_confirm")
    form = IdentityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            identity_verify(user=user, **form.cleaned_data)
        except DomainError as error:
            show_error(form, error)
        else:
            messages.success(request, _("Your identity is recorded. Now add the firm you act for."))
            return redirect("applicant:enterprise_add")
    return render(request, "identity/identity.html", {"form": form})


@applicant_required
@require_http_methods(["GET", "POST"])
def enterprise_add(request):
    step = _onboarding_page(request.user)
    if step is not None:
        messages.info(request, _("First confirm your mobile number and state your identity."))
        return redirect(step)
    form = EnterpriseJoinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["role"] == EnterpriseJoinForm.CLAIM:
                membership = enterprise_claim(user=request.user, uscc=data["uscc"], address=client_address(request))
                messages.success(
                    request,
                    _(
                        "You are recorded as the %(title)s of %(name)s. Next, choose under Authorisations which data "
                        "the banks may see; then read the credit report or apply."
                    )
                    % {"title": membership.enterprise.representative_title, "name": membership.enterprise.name},
                )
            else:
                agent_request(user=request.user, uscc=data["uscc"], note=data["note"])
                messages.success(
                    request,
                    _("Your request is sent to the firm's legal representative; you can act once they approve."),
                )
        except DomainError as error:
            show_error(form, error)
        else:
            return redirect("applicant:home")
    return render(request, "applicant/enterprise_add.html", {"form": form})


@applicant_required
@require_http_methods(["GET", "POST"])
def delegations(request, enterprise_id: int):
    """The legal representative's page of the firm's agents: requests to answer, delegations to end."""
    enterprise = found_or_404(identity_selectors.firms_represented_by(request.user).filter(pk=enterprise_id).first())
    default_until = timezone.localdate() + dt.timedelta(days=180)
    form = DelegationForm(initial={"may_apply": True, "may_view_report": True, "valid_until": default_until})
    if request.method == "POST":
        action, membership_id = request.POST.get("action"), row_id(request.POST.get("delegation"))
        try:
            if action == "approve":
                form = DelegationForm(request.POST)
                if form.is_valid():
                    delegation_approve(by=request.user, membership_id=membership_id, **form.cleaned_data)
                    messages.success(request, _("The agent may now act for the firm as you chose."))
                    return redirect("applicant:delegations", enterprise.pk)
                messages.error(request, _("Choose what the agent may do and until when."))
            elif action == "refuse":
                delegation_refuse(by=request.user, membership_id=membership_id)
                messages.success(request, _("Request refused."))
                return redirect("applicant:delegations", enterprise.pk)
            elif action == "revoke":
                delegation_revoke(by=request.user, membership_id=membership_id)
                messages.success(request, _("The delegation is revoked: the agent can no longer act for the firm."))
                return redirect("applicant:delegations", enterprise.pk)
            else:
                messages.error(request, _("Unknown action."))
        except DomainError as error:
            if error.code == ErrorCode.NOT_FOUND:
                raise Http404 from None
            messages.error(request, without_field_name(error.message))
    return render(
        request,
        "identity/delegations.html",
        {
            "enterprise": enterprise,
            "delegations": identity_selectors.delegations_of(enterprise.pk),
            "form": form,
            "today": timezone.localdate(),
        },
    )
