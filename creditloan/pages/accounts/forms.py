"""Forms of signing up, signing in and recovering an account: the shape of the input; the identity services
decide."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from creditloan.forms import UserNameBounded
from creditloan.models import GuaranteeMode


class SignInForm(UserNameBounded, AuthenticationForm):
    pass


def _new_password(label, **options) -> forms.CharField:
    """A box for a new password: kept as typed (a space is part of it), no longer than the hasher is given, and the
    browser may offer to make one up."""
    return forms.CharField(
        label=label,
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        **options,
    )


class PasswordTwice:
    """A new password typed twice: the form says so when the two differ."""

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password2") and data["password1"] != data["password2"]:
            self.add_error("password2", _("The two passwords differ."))
        return data


class SignupForm(PasswordTwice, forms.Form):
    username = forms.CharField(
        label=_("User name"),
        max_length=150,
        help_text=_("What you sign in with: letters, digits and @ . + - _"),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        help_text=_("We send a code to confirm it; it is how you recover the account."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    email = forms.EmailField(
        label=_("E-mail (optional)"),
        required=False,
        help_text=_("We tell you here of every change to your applications."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password1 = _new_password(
        _("Password"), help_text=_("At least 8 characters, not only digits, not a common password.")
    )
    password2 = _new_password(_("Password again"))
    accept = forms.BooleanField(label=_("I have read and accept the user agreement and the privacy notice"))


class PasswordResetRequestForm(forms.Form):
    phone = forms.CharField(
        label=_("Mobile number of the account"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )


class PasswordResetForm(PasswordTwice, forms.Form):
    code = forms.CharField(
        label=_("Code from the text message"),
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
    password1 = _new_password(_("New password"))
    password2 = _new_password(_("New password again"))


class CatalogueForm(forms.Form):
    """The products page's order and filter; anything it does not know falls back to the cheapest first, all
    guarantees."""

    sort = forms.ChoiceField(
        label=_("Order"),
        required=False,
        choices=[
            ("rate", _("Lowest rate first")),
            ("amount", _("Largest amount first")),
            ("term", _("Longest term first")),
            ("bank", _("By bank")),
        ],
    )
    guarantee = forms.ChoiceField(
        label=_("Guarantee"), required=False, choices=[("", _("Any guarantee")), *GuaranteeMode.choices]
    )

    def choice(self, name: str) -> str:
        return self.cleaned_data.get(name, "") if self.is_valid() else ""
