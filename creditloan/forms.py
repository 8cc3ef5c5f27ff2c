"""Forms of the applicant's pages: the shape of the input only; the services decide what it means."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.utils.translation import gettext_lazy as _

from creditloan.errors import DomainError, without_field_name
from creditloan.models import CONSENT_SOURCES, AuthorisationPurpose, User
from creditloan.models.accounts import MembershipRelation, Role
from creditloan.models.applications import GuaranteeMode


def show_error(form: forms.Form, error: DomainError) -> None:
    """A service's refusal, on the field it names (or on the whole form)."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, without_field_name(error.message) if field else error.message)


class SignupForm(UserCreationForm):
    email = forms.EmailField(label=_("E-mail"), help_text=_("We tell you here of every change to your applications."))

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email")

    def save(self, commit: bool = True) -> User:
        user = super().save(commit=False)
        user.role = Role.APPLICANT
        if commit:
            user.save()
        return user


class EnterpriseJoinForm(forms.Form):
    uscc = forms.CharField(
        label=_("Unified social credit code (统一社会信用代码)"),
        max_length=32,
        help_text=_("18 characters, as on the business licence."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "data-uscc-check": ""}),
    )
    relation = forms.ChoiceField(label=_("You act for the firm as"), choices=MembershipRelation.choices)


class ApplicationForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount (yuan)"), min_value=1, max_digits=14, decimal_places=2)
    term_months = forms.IntegerField(label=_("Term (months)"), min_value=1, max_value=360)
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
    banks = forms.ModelMultipleChoiceField(
        label=_("Banks that may receive your application"), queryset=None, widget=forms.CheckboxSelectMultiple
    )
    expires_on = forms.DateField(
        label=_("Valid until"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("At most a year from today; you can revoke it at any time."),
    )

    def __init__(self, *args, enterprises, banks, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].queryset = enterprises
        self.fields["banks"].queryset = banks
