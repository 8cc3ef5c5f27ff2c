"""The officer's form to report a loan's repayment status, shown on the offer page of a disbursed offer and on
the loan's own page, where it is sent (creditloan.pages.officer.loans)."""

from __future__ import annotations

from django import template
from django.utils import timezone

from creditloan.pages.officer.forms import RepaymentReportForm
from matching.outcomes import DEFAULT_DAYS_PAST_DUE

register = template.Library()


@register.inclusion_tag("officer/_repayment_form.html", takes_context=True)
def repayment_report_form(context, loan, form: RepaymentReportForm | None = None) -> dict:
    """`form`: the one just sent and refused, with its errors; otherwise a new one for today. The page's CSRF
    token goes with it: an inclusion tag's template sees only what it is given."""
    if form is None or not form.is_bound:
        form = RepaymentReportForm(prefix="report", initial={"as_of": timezone.localdate(), "status": "current"})
    return {
        "loan": loan,
        "form": form,
        "default_days": DEFAULT_DAYS_PAST_DUE,
        "csrf_token": context.get("csrf_token"),
    }
