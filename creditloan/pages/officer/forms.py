"""The bank officer's forms: the queue's filter and the three decisions that take input."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from creditloan.formfields import (
    AmountField,
    DateField,
    PercentRateField,
    WholeNumberField,
)
from creditloan.services import TERM_MAX, TERM_MIN
from creditloan.values import LOAN_AMOUNT_LARGEST
from matching.models import DeclineReason, OfferStatus, RepaymentMethod

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
    amount = AmountField(label=_("Amount (yuan)"), minimum=1, maximum=LOAN_AMOUNT_LARGEST)
    annual_rate = PercentRateField(label=_("Annual rate (%)"))
    term_months = WholeNumberField(label=_("Term (months)"), minimum=TERM_MIN, maximum=TERM_MAX)
    repayment_method = forms.ChoiceField(label=_("Repayment method"), choices=RepaymentMethod.choices, required=False)

    def __init__(self, *args, methods: list[str] | None = None, **kwargs) -> None:
        """`methods`: the product's own, the only ones offered (all of them when it lists none)."""
        super().__init__(*args, **kwargs)
        if methods:
            labels = dict(RepaymentMethod.choices)
            self.fields["repayment_method"].choices = [(method, labels[method]) for method in methods]


class DisburseForm(forms.Form):
    amount = AmountField(label=_("Amount paid out (yuan)"), minimum=1, maximum=LOAN_AMOUNT_LARGEST)
    disbursed_on = DateField(label=_("Paid out on"))
