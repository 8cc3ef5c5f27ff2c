"""The pages before and around an account: the front door that sends each role to its start page, signing up,
signing in, recovering the password, the legal texts, the live check of a 统一社会信用代码 as it is typed, and the
product supermarket anyone may browse.
Thin: forms check the shape of the input, the identity services decide."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from creditloan.converters import row_id
from creditloan.errors import DomainError
from creditloan.forms import show_error
from creditloan.identifiers import InvalidIdentifier, validate_uscc
from creditloan.identity.agreements import CURRENT_VERSIONS
from creditloan.identity.services import (
    account_open,
    password_reset_confirm,
    password_reset_request,
)
from creditloan.middleware import client_address
from creditloan.models import AgreementDocument, Role
from creditloan.pages.accounts.forms import CatalogueForm, PasswordResetForm, PasswordResetRequestForm, SignupForm
from matching import catalogue
from matching.pricing import prime_rate_in_force

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
            show_error(form, error, field="password1" if error.field == "password" else None)
        else:
            # Two backends are configured (the lockout's and the model's): the one that checked nothing is named.
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Your account is open. We sent a code to your mobile: type it here."))
            return redirect("applicant:phone_confirm")
    return render(request, "registration/signup.html", {"form": form})


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
        return redirect("accounts:password_reset_by_phone_confirm")
    return render(request, "identity/password_reset.html", {"form": form})


@require_http_methods(["GET", "POST"])
def password_reset_by_phone_confirm(request):
    phone = request.session.get(RESET_PHONE)
    if not phone:
        return redirect("accounts:password_reset_by_phone")
    form = PasswordResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            password_reset_confirm(phone=phone, code=form.cleaned_data["code"], password=form.cleaned_data["password1"])
        except DomainError as error:
            show_error(form, error, field="password1" if error.field == "password" else None)
        else:
            del request.session[RESET_PHONE]
            messages.success(request, _("Your password is changed: sign in with the new one."))
            return redirect("accounts:login")
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


def home(request):
    """Each role's own start page."""
    user = request.user
    if not user.is_authenticated:
        return redirect("accounts:login")
    return redirect(
        {Role.APPLICANT: "applicant:home", Role.BANK_OFFICER: "officer:queue"}.get(user.role, "operator:dashboard")
    )


@require_GET
def products(request):
    """The product supermarket, open to anyone: every product's price and terms, in the order asked for, and the
    ones ticked side by side."""
    form = CatalogueForm(request.GET or None)
    listed = catalogue.catalogue(sort=form.choice("sort") or "rate", guarantee_mode=form.choice("guarantee"))
    chosen = catalogue.compared([row_id(raw) for raw in request.GET.getlist("compare")])
    return render(
        request,
        "catalogue/products.html",
        {
            "form": form,
            "products": [_shown(product) for product in listed],
            "compared": [_shown(product) for product in chosen],
            "chosen_ids": {product.pk for product in chosen},
            "compare_most": catalogue.COMPARE_MOST,
            "prime_rate": prime_rate_in_force(),
        },
    )


def _shown(product) -> dict:
    return {
        "product": product,
        "repayment": catalogue.repayment_methods_text(product),
        "requirements": catalogue.requirements(product),
    }


@require_GET
def uscc_check(request):
    """As the code is typed: is it a valid 统一社会信用代码, and if not, what is wrong and where."""
    try:
        code = validate_uscc(request.GET.get("code", ""))
    except InvalidIdentifier as error:
        return JsonResponse({"valid": False, "message": error.message, "position": error.position})
    return JsonResponse({"valid": True, "code": code})
