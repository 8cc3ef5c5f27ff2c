"""Pages of becoming someone the platform can trust with a firm: opening an account, confirming the mobile,
stating a real-name identity, claiming a firm or asking to act for it, the legal representative's answer to
agents, and recovering the account. Thin: forms check the shape, services decide."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from creditloan.access import applicant_required
from creditloan.converters import row_id
from creditloan.errors import DomainError, ErrorCode, without_field_name
from creditloan.forms import (
    DelegationForm,
    EnterpriseJoinForm,
    IdentityForm,
    PasswordResetForm,
    PasswordResetRequestForm,
    PhoneChangeForm,
    PhoneCodeForm,
    SignupForm,
    show_error,
)
from creditloan.identity import selectors
from creditloan.identity.agreements import CURRENT_VERSIONS
from creditloan.identity.services import (
    account_open,
    agent_request,
    delegation_approve,
    delegation_refuse,
    delegation_revoke,
    enterprise_claim,
    identity_verify,
    password_reset_confirm,
    password_reset_request,
    phone_change,
    phone_code_send,
    phone_confirm,
)
from creditloan.middleware import client_address
from creditloan.models import AgreementDocument, PhoneCodePurpose

# The session key that carries the number a reset code was asked for, from the first page to the second.
RESET_PHONE = "password_reset_phone"


@require_http_methods(["GET", "POST"])
def signup(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = account_open(
                username=data["username"],
                password=data["password1"],
                phone=data["phone"],
                email=data["email"],
                accepted=data["accept"],
                address=client_address(request),
            )
        except DomainError as error:
            show_error(form, error if error.field != "password" else _as_field(error, "password1"))
        else:
            # Two backends are configured (the lockout's and the model's): the one that checked nothing is named.
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Your account is open. We sent a code to your mobile: type it here."))
            return redirect("phone_confirm")
    return render(request, "registration/signup.html", {"form": form})


def _as_field(error: DomainError, field: str) -> DomainError:
    return DomainError(error.code, error.message, field=field)


@applicant_required
@require_http_methods(["GET", "POST"])
def phone_confirm_view(request):
    user = request.user
    if user.phone_confirmed:
        return redirect(selectors.onboarding_step(user) or "applicant_home")
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
                return redirect("phone_confirm")
            if action == "change" and change_form.is_valid():
                phone_change(user=user, phone=change_form.cleaned_data["phone"], address=client_address(request))
                messages.success(request, _("Number changed; a code is on its way to it."))
                return redirect("phone_confirm")
            if action == "confirm" and code_form.is_valid():
                phone_confirm(user=user, code=code_form.cleaned_data["code"])
                messages.success(request, _("Your mobile number is confirmed."))
                return redirect(selectors.onboarding_step(user) or "applicant_home")
        except DomainError as error:
            if action == "change":
                show_error(change_form, error)
            elif action == "confirm":
                show_error(code_form, _as_field(error, "code"))
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
        return redirect("applicant_home")
    if not user.phone_confirmed:
        return redirect("phone_confirm")
    form = IdentityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            identity_verify(user=user, **form.cleaned_data)
        except DomainError as error:
            show_error(form, error)
        else:
            messages.success(request, _("Your identity is recorded. Now add the firm you act for."))
            return redirect("enterprise_add")
    return render(request, "identity/identity.html", {"form": form})


@applicant_required
@require_http_methods(["GET", "POST"])
def enterprise_add(request):
    step = selectors.onboarding_step(request.user)
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
            return redirect("applicant_home")
    return render(request, "applicant/enterprise_add.html", {"form": form})


@applicant_required
@require_http_methods(["GET", "POST"])
def delegations(request, enterprise_id: int):
    """The legal representative's page of the firm's agents: requests to answer, delegations to end."""
    enterprise = selectors.firms_represented_by(request.user).filter(pk=enterprise_id).first()
    if enterprise is None:
        raise Http404
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
                    return redirect("delegations", enterprise.pk)
                messages.error(request, _("Choose what the agent may do and until when."))
            elif action == "refuse":
                delegation_refuse(by=request.user, membership_id=membership_id)
                messages.success(request, _("Request refused."))
                return redirect("delegations", enterprise.pk)
            elif action == "revoke":
                delegation_revoke(by=request.user, membership_id=membership_id)
                messages.success(request, _("The delegation is revoked: the agent can no longer act for the firm."))
                return redirect("delegations", enterprise.pk)
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
            "delegations": selectors.delegations_of(enterprise.pk),
            "form": form,
            "today": timezone.localdate(),
        },
    )


@require_http_methods(["GET", "POST"])
def password_reset_by_phone(request):
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            password_reset_request(phone=form.cleaned_data["phone"], address=client_address(request))
        except DomainError as error:
            show_error(form, error)
            return render(request, "identity/password_reset.html", {"form": form})
        request.session[RESET_PHONE] = form.cleaned_data["phone"]
        messages.info(request, _("If an account has this number, a code is on its way to it."))
        return redirect("password_reset_by_phone_confirm")
    return render(request, "identity/password_reset.html", {"form": form})


@require_http_methods(["GET", "POST"])
def password_reset_by_phone_confirm(request):
    phone = request.session.get(RESET_PHONE)
    if not phone:
        return redirect("password_reset_by_phone")
    form = PasswordResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            password_reset_confirm(phone=phone, code=form.cleaned_data["code"], password=form.cleaned_data["password1"])
        except DomainError as error:
            show_error(form, error if error.field != "password" else _as_field(error, "password1"))
        else:
            del request.session[RESET_PHONE]
            messages.success(request, _("Your password is changed: sign in with the new one."))
            return redirect("login")
    return render(request, "identity/password_reset_confirm.html", {"form": form})


@require_GET
def agreement(request, document: str):
    """The user agreement or the privacy notice, in its current version and the page's language."""
    if document not in AgreementDocument.values:
        raise Http404
    language = "zh" if (get_language() or "").startswith("zh") else "en"
    return render(
        request,
        f"legal/{document}.{language}.html",
        {"title": AgreementDocument(document).label, "version": CURRENT_VERSIONS[document]},
    )
