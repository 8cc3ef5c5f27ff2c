"""Forms of the applicant's pages: the shape of the input only; the services decide what it means."""

from __future__ import annotations

import re

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, ProhibitNullCharactersValidator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from creditloan.converters import IdConverter, row_id
from creditloan.errors import DomainError, without_field_name
from creditloan.formfields import AmountField, DateField, WholeNumberField
from creditloan.models import CONSENT_SOURCES, AuthorisationPurpose
from creditloan.models.applications import GuaranteeMode
from creditloan.services import AMOUNT_MAX, AMOUNT_MIN, TERM_MAX, TERM_MIN


def show_error(form: forms.Form, error: DomainError) -> None:
    """A service's refusal, on the field it names (or on the whole form)."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, without_field_name(error.message) if field else error.message)


def refusal_of(form: forms.Form) -> str:
    """A refused form's errors as one message, each after its field's label: for a page that answers a posted
    form with a message and a redirect rather than the form again."""
    return " ".join(
        f"{form.fields[name].label}: {error}" if name in form.fields and form.fields[name].label else error
        for name, errors in form.errors.items()
        for error in errors
    )


class RowIdField(forms.CharField):
    """A row's id from a hidden field, read as the `id` path converter reads one: anything else names no row
    (0), so the service it goes to says that it is not found."""

    def to_python(self, value) -> int:
        return row_id(value)


class RowsChoiceField(forms.ModelMultipleChoiceField):
    """Rows chosen by their ids (checkboxes): a value that is not an id as the `id` path converter reads one is
    not one of the choices, said before the database is asked. Django's own field puts every value in one
    `pk IN (...)` query, where SQLite cannot bind a 30-digit number (an OverflowError, a 500)."""

    def _check_values(self, value):
        for given in value:
            if not (isinstance(given, str) and re.fullmatch(IdConverter.regex, given)):
                raise ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": given}
                )
        return super()._check_values(value)


# Django's own Chinese for the NUL refusal every text field makes says "empty strings are not allowed"
# (不允许是用空字符串). The site's catalogue, which Django reads before its own (LOCALE_PATHS), says what it means.
gettext_noop("Null characters are not allowed.")


class RequestTextField(forms.CharField):
    """Text a person writes to the platform (a dispute's reason, an operator's answer): Django's checks of text
    a form can carry, such as no NUL character, which PostgreSQL cannot store. Whether it says enough, and
    how long it may be, the service that takes it judges, with its own words."""

    def __init__(self, **kwargs) -> None:
        super().__init__(required=False, strip=False, **kwargs)
        # Django's own words for a NUL read badly in Chinese ("an empty string"); the API's say what it is.
        self.validators = [
            ProhibitNullCharactersValidator(_("Text may not contain a NUL character."))
            if isinstance(validator, ProhibitNullCharactersValidator)
            else validator
            for validator in self.validators
        ]


class DisputeForm(forms.Form):
    """A record of the firm disputed (异议) from its credit report: which one, as the page sends it, and why."""

    source = RequestTextField(label=_("Source"))
    record_id = RowIdField(required=False)
    reason = RequestTextField(label=_("What is wrong with it"))


class ReviewRequestForm(forms.Form):
    """Why a policy rule should not apply to the application: the request for a person's review (人工复核)."""

    reason = RequestTextField(label=_("Why the rule should not apply"))


class UserNameBounded:
    """A sign-in form whose user name is refused past the length an account's can have. Django sets the field's
    max_length after the field is built, which bounds the input box but checks nothing: a 10,000-character
    name went on to authenticate() and to django-axes' record of the failed sign-in, a 255-character column,
    which PostgreSQL refuses with an error (a 500)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        username = self.fields["username"]
        username.validators.append(MaxLengthValidator(username.max_length))


class SignInForm(UserNameBounded, AuthenticationForm):
    pass


class AdminSignInForm(UserNameBounded, AdminAuthenticationForm):
    pass


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
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=4096,
        help_text=_("At least 8 characters, not only digits, not a common password."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    accept = forms.BooleanField(label=_("I have read and accept the user agreement and the privacy notice"))


class PhoneCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the text message"),
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class PhoneChangeForm(forms.Form):
    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )


class IdentityForm(forms.Form):
    real_name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("As on your resident identity card."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    resident_id = forms.CharField(
        label=_("Resident ID number (公民身份号码)"),
        max_length=32,
        help_text=_("18 characters; kept only as a protected digest and a masked form, never shown whole again."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


class EnterpriseJoinForm(forms.Form):
    CLAIM, AGENT = "claim", "agent"
    uscc = forms.CharField(
        label=_("Unified social credit code (统一社会信用代码)"),
        max_length=32,
        help_text=_("18 characters, as on the business licence."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "data-uscc-check": ""}),
    )
    role = forms.ChoiceField(
        label=_("You act for the firm as"),
        choices=[
            (CLAIM, _("Its legal representative (法定代表人), operator (经营者) or person in charge (负责人)")),
            (AGENT, _("Its agent (经办人): ask its legal representative to approve me")),
        ],
        widget=forms.RadioSelect,
        initial=CLAIM,
    )
    note = forms.CharField(
        label=_("Note to the legal representative (for an agent)"),
        max_length=200,
        required=False,
        help_text=_("Who you are to the firm, so the legal representative recognises your request."),
    )


class DelegationForm(forms.Form):
    may_apply = forms.BooleanField(label=_("Apply for loans"), required=False)
    may_consent = forms.BooleanField(label=_("Grant and revoke authorisations"), required=False)
    may_view_report = forms.BooleanField(label=_("See the credit report and records"), required=False)
    valid_until = DateField(label=_("Until"))


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
    password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("New password again"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class ApplicationForm(forms.Form):
    # The bounds submitting checks, so that a preview refuses what submitting would, in the same words.
    amount = AmountField(label=_("Amount (yuan)"), minimum=AMOUNT_MIN, maximum=AMOUNT_MAX)
    term_months = WholeNumberField(label=_("Term (months)"), minimum=TERM_MIN, maximum=TERM_MAX)
    purpose = forms.CharField(label=_("Purpose"), max_length=200)
    guarantee_mode = forms.ChoiceField(label=_("Guarantee you can offer"), choices=GuaranteeMode.choices)


class AuthorisationForm(forms.Form):
    enterprise = forms.ModelChoiceField(label=_("Firm"), queryset=None)
    sources = forms.MultipleChoiceField(
        label=_("Data the platform may use"),
        choices=CONSENT_SOURCES,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Tax data and bank-shared data are each authorised on their own."),
    )
    purpose = forms.ChoiceField(label=_("For"), choices=AuthorisationPurpose.choices)
    banks = RowsChoiceField(
        label=_("Banks that may receive your application"), queryset=None, widget=forms.CheckboxSelectMultiple
    )
    expires_on = DateField(
        label=_("Valid until"),
        help_text=_("At most a year from today; you can revoke it at any time."),
    )

    def __init__(self, *args, enterprises, banks, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].queryset = enterprises
        self.fields["banks"].queryset = banks
