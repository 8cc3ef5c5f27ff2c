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
from matching.models import DeclineReason, LoanStatus, OfferStatus, RepaymentMethod
from matching.outcomes import DAYS_PAST_DUE_MOST

QUEUE_STATES = [("open", _("Open (offered or accepted)")), *OfferStatus.choices, ("all", _("All"))]
QUEUE_ORDER = [("deadline", _("Open first, soonest deadline first")), ("-offered_at", _("Newest first"))]


class QueueFilter(forms.Form):
    """The queue's filters, each optional; `narrowed()` gives bank_queue's arguments from the valid ones."""

    status = forms.ChoiceField(label=_("Status"), choices=QUEUE_STATES, required=False)
    product = forms.ChoiceField(label=_("Product"), required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    q = forms.CharField(label=_("Firm name or USCC"), max_length=100, required=False, strip=True)
    order = forms.ChoiceField(label=_("Sort by"), choices=QUEUE_ORDER, required=False)

    def __init__(self, *args, products: list[tuple[str, str]], **kwargs) -> None:
        """`products`: the bank's own, as (code, name)."""
        super().__init__(*args, **kwargs)
        named = [(code, f"{name} ({code})") for code, name in products]
        self.fields["product"].choices = [("", _("All products")), *named]

    def narrowed(self) -> dict:
        """bank_queue's arguments: each valid filter's value, and the default in place of one that was not."""
        values = getattr(self, "cleaned_data", {})
        return {
            "status": values.get("status") or "open",
            "product_code": values.get("product") or "",
            "overdue_only": bool(values.get("overdue")),
            "search": values.get("q") or "",
            "order": values.get("order") or "deadline",
        }


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


class RepaymentReportForm(forms.Form):
    """A loan's repayment status as of a day (matching.outcomes reads and checks it)."""

    as_of = DateField(label=_("As of"))
    status = forms.ChoiceField(label=_("Repayment status"), choices=LoanStatus.choices)
    days_past_due = WholeNumberField(
        label=_("Days past due"),
        minimum=0,
        maximum=DAYS_PAST_DUE_MOST,
        required=False,
        help_text=_("Only for a loan past due: how many days its oldest unpaid instalment is late."),
    )


LOAN_STATES = [("", _("All")), ("none", _("Not reported yet")), *LoanStatus.choices]


class LoanFilter(forms.Form):
    status = forms.ChoiceField(label=_("Latest status"), choices=LOAN_STATES, required=False)
