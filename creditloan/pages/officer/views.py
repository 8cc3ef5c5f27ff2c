"""The bank officer's pages: the bank's queue, an offer and its decisions, the bank's figures. Thin: a form
checks the input's shape, matching.decisions decides, and its refusal is shown on the form."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from creditloan.access import found_or_404, officer_required
from creditloan.errors import DomainError
from creditloan.forms import show_error, since_from
from creditloan.pages.officer.forms import (
    ApproveForm,
    DeclineForm,
    DisburseForm,
    QueueFilter,
)
from matching import dashboard, selectors
from matching.decisions import offer_accept, offer_approve, offer_decline, offer_disburse
from matching.offers import offer_terms
from matching.services import offer_profile_open


@officer_required
def officer_queue(request):
    form = QueueFilter(request.GET or None)
    status = order = ""
    if form.is_valid():
        status, order = form.cleaned_data["status"], form.cleaned_data["order"]
    offers = selectors.bank_queue(bank=request.user.bank, status=status or "open", order=order or "deadline")
    return render(request, "officer/queue.html", {"form": form, "offers": offers, "now": timezone.now()})


@officer_required
@require_http_methods(["GET", "POST"])
def officer_offer(request, offer_id: int):
    offer = found_or_404(selectors.bank_offer(bank=request.user.bank, offer_id=offer_id))
    forms = {
        "decline": DeclineForm(prefix="decline"),
        "approve": ApproveForm(
            prefix="approve",
            initial={"amount": offer.application.amount, "term_months": offer.application.term_months},
            methods=offer.product.listed_repayment_methods,
        ),
        # The payout is usually what was approved, today.
        "disburse": DisburseForm(
            prefix="disburse", initial={"amount": offer.approved_amount, "disbursed_on": timezone.localdate()}
        ),
    }
    action = request.POST.get("action")
    if request.method == "POST":
        done = _decide(request, offer, action, forms)
        if done:
            return redirect("officer:offer", offer.pk)
    profile = offer_profile_open(offer=offer, viewer=request.user)
    return render(
        request,
        "officer/offer.html",
        {
            "offer": offer,
            "terms": offer_terms(offer),
            "score": profile.score,
            "records": profile.records,
            "forms": forms,
            "action": action,
        },
    )


def _decide(request, offer, action: str, forms: dict) -> bool:
    """Carry out the officer's decision; False (and the form keeps the error) when it was refused."""
    user = request.user
    form = None
    try:
        if action == "accept":
            offer_accept(offer_id=offer.pk, by=user)
        elif action in forms:
            offered = {"methods": offer.product.listed_repayment_methods} if action == "approve" else {}
            form = forms[action] = type(forms[action])(request.POST, prefix=action, **offered)
            if not form.is_valid():
                return False
            data = form.cleaned_data
            if action == "decline":
                offer_decline(offer_id=offer.pk, by=user, reason=data["reason"], note=data["note"])
            elif action == "approve":
                offer_approve(offer_id=offer.pk, by=user, **data)
            else:
                offer_disburse(offer_id=offer.pk, by=user, **data)
        else:
            messages.error(request, _("Unknown action."))
            return False
    except DomainError as error:
        if form is not None:
            show_error(form, error)
        else:
            messages.error(request, error.message)
        return False
    messages.success(request, _("Done: the offer is now %(status)s.") % {"status": _status_label(offer)})
    return True


def _status_label(offer) -> str:
    offer.refresh_from_db(fields=["status"])
    return offer.get_status_display()


@officer_required
def officer_figures(request):
    since = since_from(request)
    (figures,) = dashboard.bank_figures(since=since, bank=request.user.bank)
    return render(request, "officer/figures.html", {"since": since, "figures": figures})
