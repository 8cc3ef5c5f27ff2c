"""The bank officer's pages: the bank's queue, an offer and its decisions, the bank's figures. Thin: a form
checks the input's shape, matching.decisions decides, and its refusal is shown on the form."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from creditloan.access import found_or_404, officer_required
from creditloan.errors import DomainError
from creditloan.forms import show_error, since_from
from creditloan.pages.charts import chart, funnel_step_names, payouts_chart
from creditloan.pages.officer.forms import (
    ApproveForm,
    DeclineForm,
    DisburseForm,
    QueueFilter,
)
from matching import dashboard, selectors
from matching.decisions import offer_accept, offer_approve, offer_decline, offer_disburse
from matching.models import DeclineReason
from matching.offers import offer_terms
from matching.services import offer_profile_open
from matching.warnings import offer_warnings

# Rows a page of the queue shows: a screen or two of them, and a page that renders quickly.
QUEUE_PAGE_SIZE = 25


@officer_required
def officer_queue(request):
    bank = request.user.bank
    products = selectors.bank_products(bank=bank)
    asked = QueueFilter(request.GET, products=products)
    asked.is_valid()
    # A filter given a value it cannot take (an old bookmark, a typed address) is left out and said so: the
    # officer still gets their queue, and the page's links no longer carry the value.
    kept = request.GET.copy()
    for name, problems in asked.errors.items():
        messages.warning(
            request,
            _("%(field)s: %(problem)s It was left out.")
            % {"field": asked.fields[name].label, "problem": " ".join(problems)},
        )
        kept.pop(name, None)
    offers = selectors.bank_queue(bank=bank, **asked.narrowed())
    page = _queue_page(request, Paginator(offers, QUEUE_PAGE_SIZE))
    return render(
        request,
        "officer/queue.html",
        {
            "form": QueueFilter(products=products, initial=_shown(asked)),
            "page": page,
            "offers": page.object_list,
            "page_numbers": page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
            "query": kept,
        },
    )


def _shown(asked: QueueFilter) -> dict:
    """The filters as the queue was drawn: the valid ones as given, the defaults for the rest."""
    narrowed = asked.narrowed()
    return {
        "status": narrowed["status"],
        "product": narrowed["product_code"],
        "overdue": narrowed["overdue_only"],
        "q": narrowed["search"],
        "order": narrowed["order"],
    }


def _queue_page(request, paginator: Paginator):
    """The page asked for; the first or the last, said so, for a page number that is not one or out of range."""
    asked = request.GET.get("page") or "1"
    try:
        return paginator.page(asked)
    except PageNotAnInteger:
        shown = asked if len(asked) <= 20 else asked[:20] + "…"
        messages.warning(request, _("page: “%(page)s” is not a page number; here is the first page.") % {"page": shown})
        return paginator.page(1)
    except EmptyPage:
        if int(asked) < 1:
            messages.warning(request, _("page: pages start at 1; here is the first page."))
            return paginator.page(1)
        messages.warning(
            request,
            _("page: there is no page %(page)s; here is the last page, %(last)s.")
            % {"page": asked, "last": paginator.num_pages},
        )
        return paginator.page(paginator.num_pages)


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
            "warnings": offer_warnings(bank=request.user.bank, offer_id=offer.pk),
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
    """The bank's own figures over the offers routed to it since a date: its funnel, how fast it answers, its
    approval rate, what it paid out each month and why it declined. Never another bank's offers."""
    bank = request.user.bank
    since = since_from(request)
    (figures,) = dashboard.bank_figures(since=since, bank=bank)
    steps = dashboard.bank_funnel(since=since, bank=bank)
    reasons = [
        (DeclineReason(code).label if code in DeclineReason.values else code, declines)
        for code, declines in dashboard.decline_reasons(since=since, bank=bank)
    ]
    step_names = funnel_step_names()
    charts = {
        "funnel": chart("bar", [step_names[step] for step in steps], {_("Offers"): list(steps.values())}),
        "disbursed": payouts_chart(dashboard.disbursed_by_month(since=since, bank=bank)),
        "reasons": chart(
            "bar",
            [label for label, _declines in reasons],
            {_("Declines"): [n for _label, n in reasons]},
            horizontal=True,
        ),
    }
    return render(
        request,
        "officer/figures.html",
        {
            "since": since,
            "figures": figures,
            "steps": [(step_names[step], count) for step, count in steps.items()],
            "times": figures.times,
            "reasons": reasons,
            "charts": charts,
        },
    )
