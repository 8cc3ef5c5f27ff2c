"""Forms of the bank officer's decisions: shape only; routing's services check ranges and states."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from matching.models import DeclineReason, OfferStatus

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
