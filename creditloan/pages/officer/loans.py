"""The bank's loans after the payout (贷后): the list with each loan's latest reported status, and a loan with
its repayment reports and the form to report another. Thin: the form checks the input's shape,
matching.outcomes decides, and its refusal is shown on the field it names."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from creditloan.access import found_or_404, officer_required
from creditloan.errors import DomainError
from creditloan.forms import show_error
from creditloan.pages.officer.forms import LoanFilter, RepaymentReportForm
from matching import selectors
from matching.models import LoanStatus, ReportChannel
from matching.outcomes import DEFAULT_DAYS_PAST_DUE, loan_status_report

LOANS_PER_PAGE = 25


@officer_required
def officer_loans(request):
    asked = LoanFilter(request.GET)
    status = asked.cleaned_data["status"] if asked.is_valid() else ""
    if not asked.is_valid():
        messages.warning(request, _("status: not a status of a loan; all loans are shown."))
    loans = selectors.bank_loans(bank=request.user.bank, reported_status={"": None, "none": ""}.get(status, status))
    page = Paginator(loans, LOANS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "officer/loans.html",
        {"form": LoanFilter(initial={"status": status}), "page": page, "status": status},
    )


@officer_required
@require_http_methods(["GET", "POST"])
def officer_loan(request, loan_id: int):
    loan = found_or_404(selectors.bank_loan(bank=request.user.bank, loan_id=loan_id))
    form = RepaymentReportForm(prefix="report")
    if request.method == "POST":
        form = RepaymentReportForm(request.POST, prefix="report")
        if form.is_valid():
            try:
                reported = loan_status_report(
                    loan_id=loan.pk, by=request.user, channel=ReportChannel.PAGE, **form.cleaned_data
                )
            except DomainError as error:
                show_error(form, error)
            else:
                said = {"as_of": reported.report.as_of, "status": reported.report.get_status_display()}
                if reported.created:
                    messages.success(request, _("Reported: as of %(as_of)s, %(status)s.") % said)
                else:
                    messages.info(request, _("Already reported: as of %(as_of)s, %(status)s. Nothing changed.") % said)
                return redirect("officer:loan", loan.pk)
    return render(
        request,
        "officer/loan.html",
        {
            "loan": loan,
            "reports": loan.status_reports.select_related("reported_by").order_by("-as_of"),
            "form": form,
            "default_days": DEFAULT_DAYS_PAST_DUE,
            "statuses": LoanStatus,
        },
    )
