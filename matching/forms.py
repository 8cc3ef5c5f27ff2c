"""Forms of the bank officer's decisions: shape only; routing's services check ranges and states."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from creditloan.models import CustomsCreditClass, EnterpriseKind
from matching.models import Bank, DeclineReason, LoanProduct, OfferStatus, PolicyTag, RepaymentMethod

QUEUE_STATES = [("open", _("Open (offered or accepted)")), *OfferStatus.choices, ("all", _("All"))]
QUEUE_ORDER = [("deadline", _("Deadline, soonest first")), ("-offered_at", _("Newest first"))]


class QueueFilter(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=QUEUE_STATES, required=False)
    order = forms.ChoiceField(label=_("Sort by"), choices=QUEUE_ORDER, required=False)


class DeclineForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=DeclineReason.choices)
    note = forms.CharField(
        label=_("Note to the applicant"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ApproveForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount (yuan)"), min_value=1, max_digits=14, decimal_places=2)
    annual_rate = forms.DecimalField(label=_("Annual rate (e.g. 0.0450)"), max_digits=6, decimal_places=4)
    term_months = forms.IntegerField(label=_("Term (months)"), min_value=1)


class DisburseForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount paid out (yuan)"), min_value=1, max_digits=14, decimal_places=2)
    disbursed_on = forms.DateField(label=_("Paid out on"), widget=forms.DateInput(attrs={"type": "date"}))


class WeightsForm(forms.Form):
    approval = forms.FloatField(label=_("Chance the bank approves"), min_value=0)
    price = forms.FloatField(label=_("Price to the applicant"), min_value=0)
    fit = forms.FloatField(label=_("Fit of amount and term"), min_value=0)
    response = forms.FloatField(label=_("The bank's response record"), min_value=0)
    top_k = forms.IntegerField(label=_("Products offered at once"), min_value=1, max_value=10)
    note = forms.CharField(label=_("Why this version"), max_length=300, required=False)
    since = forms.DateField(
        label=_("Preview on applications since"), widget=forms.DateInput(attrs={"type": "date"}), required=False
    )


class CodeListField(forms.CharField):
    """Codes separated by commas, spaces or 、 (44, 4403, 440305), kept as a list."""

    def to_python(self, value):
        text = super().to_python(value) or ""
        return [code for code in re.split(r"[\s,，、;]+", text.strip()) if code]

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list) else value


class ProductForm(forms.ModelForm):
    """A product's terms and rules; the model's own clean() checks them (ranges, codes that exist)."""

    regions = CodeListField(label=_("Regions (GB/T 2260 prefixes)"), required=False, help_text=_("e.g. 44, 4403"))
    industries_included = CodeListField(
        label=_("Industries included (GB/T 4754)"), required=False, help_text=_("sections (C) or divisions (39)")
    )
    industries_excluded = CodeListField(label=_("Industries excluded (GB/T 4754)"), required=False)
    repayment_methods = forms.MultipleChoiceField(
        label=_("Repayment methods"), choices=RepaymentMethod.choices, widget=forms.CheckboxSelectMultiple
    )
    enterprise_kinds = forms.MultipleChoiceField(
        label=_("Kinds of firm (none: all)"),
        choices=EnterpriseKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    customs_classes = forms.MultipleChoiceField(
        label=_("Customs classes accepted (none: all)"),
        choices=CustomsCreditClass.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    policy_tags = forms.MultipleChoiceField(
        label=_("Policy tags"), choices=PolicyTag.choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = LoanProduct
        fields = [
            "bank",
            "code",
            "name",
            "active",
            "guarantee_mode",
            "repayment_methods",
            "amount_min",
            "amount_max",
            "term_min_months",
            "term_max_months",
            "rate_min",
            "rate_max",
            "regions",
            "industries_included",
            "industries_excluded",
            "enterprise_kinds",
            "min_firm_age_years",
            "min_tax_rating",
            "customs_classes",
            "max_risk_grade",
            "max_probability_of_default",
            "min_annual_tax_paid",
            "min_annual_revenue",
            "policy_tags",
        ]


class BankForm(forms.ModelForm):
    class Meta:
        model = Bank
        fields = [
            "code",
            "name",
            "contact_email",
            "contact_phone",
            "response_deadline_days",
            "monthly_capacity",
            "active",
        ]
