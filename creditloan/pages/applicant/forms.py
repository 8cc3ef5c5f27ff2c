"""The applicant's forms: the mobile and identity steps, joining a firm, agents, consent, applying, disputes
and reviews. The shape of the input only; the services decide what it means."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from creditloan.formfields import AmountField, DateField, WholeNumberField
from creditloan.forms import RequestTextField, RowIdField, RowsChoiceField
from creditloan.models import CONSENT_SOURCES, AuthorisationPurpose
from creditloan.models.applications import GuaranteeMode
from creditloan.services import AMOUNT_MAX, AMOUNT_MIN, TERM_MAX, TERM_MIN


class DisputeForm(forms.Form):
    """A record of the firm disputed (异议) from its credit report: which one, as the page sends it, and why."""

    source = RequestTextField(label=_("Source"))
    record_id = RowIdField(required=False)
    reason = RequestTextField(label=_("What is wrong with it"))


class ReviewRequestForm(forms.Form):
    """Why a policy rule should not apply to the application: the request for a person's review (人工复核)."""

    reason = RequestTextField(label=_("Why the rule should not apply"))


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
