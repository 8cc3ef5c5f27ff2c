"""The bank officer's early warnings (贷后预警): the list of the bank's warnings, unseen first, and one opened,
which shows the record behind it and writes the look to the firm's access log."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render

from creditloan.access import found_or_404, officer_required
from matching.warnings import bank_warnings, early_warning_open

WARNINGS_PER_PAGE = 25


@officer_required
def officer_warnings(request):
    page = Paginator(bank_warnings(bank=request.user.bank), WARNINGS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "officer/warnings.html", {"page": page})


@officer_required
def officer_warning(request, warning_id: int):
    opened = found_or_404(early_warning_open(viewer=request.user, warning_id=warning_id))
    return render(
        request,
        "officer/warning.html",
        {"warning": opened.warning, "consented": opened.consented, "record": opened.record},
    )
