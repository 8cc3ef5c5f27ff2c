"""The operator's pages for holding banks to their deadlines: the 督办 queue of accepted offers not decided in time
(urge the bank again, or re-route the application), and the official working calendar every deadline is counted on
(the years the library does not know are entered here). Thin: a form checks the input's shape, a service decides."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from creditloan.access import operator_required
from creditloan.calendar import (
    LIBRARY_FIRST_YEAR,
    LIBRARY_LAST_YEAR,
    calendar_day_remove,
    calendar_day_set,
    calendar_days_entered,
    calendar_known_until,
)
from creditloan.errors import DomainError
from creditloan.formfields import DateField
from creditloan.forms import RequestTextField, RowIdField, refusal_of, show_error
from matching.escalations import escalation_queue, escalation_urge, open_deadlines_past_calendar
from matching.routing import offer_reroute_overdue


class EscalationActionForm(forms.Form):
    escalation = RowIdField(required=False)
    action = forms.ChoiceField(
        label=gettext_lazy("Action"),
        choices=[("urge", gettext_lazy("Urge the bank again")), ("reroute", gettext_lazy("Re-route"))],
    )


class CalendarDayForm(forms.Form):
    date = DateField(label=gettext_lazy("Date"))
    working = forms.TypedChoiceField(
        label=gettext_lazy("The day is"),
        choices=[
            ("0", gettext_lazy("A holiday (no work)")),
            ("1", gettext_lazy("A make-up working day (调休)")),
        ],
        coerce=lambda value: value == "1",
    )
    note = RequestTextField(label=gettext_lazy("Note (e.g. the holiday's name)"))


class CalendarRemoveForm(forms.Form):
    remove = DateField(label=gettext_lazy("Date"))


@operator_required
@require_http_methods(["GET", "POST"])
def operator_escalations(request):
    """督办: accepted offers their bank did not decide by the deadline, the longest overdue first."""
    if request.method == "POST":
        return _escalation_action(request)
    status = "all" if request.GET.get("status") == "all" else "open"
    return render(
        request,
        "operator/escalations.html",
        {"escalations": list(escalation_queue(status=status)[:200]), "status": status, "now": timezone.now()},
    )


def _escalation_action(request):
    form = EscalationActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, refusal_of(form))
        return redirect("operator:escalations")
    escalation_id, action = form.cleaned_data["escalation"], form.cleaned_data["action"]
    try:
        if action == "urge":
            urge = escalation_urge(escalation_id=escalation_id, by=request.user)
            offer = urge.escalation.offer
            messages.success(
                request,
                _("%(bank)s is urged again to decide on application #%(number)s; its officers are sent a message.")
                % {"bank": offer.product.bank.name, "number": offer.application_id},
            )
        else:
            offer, next_step = offer_reroute_overdue(escalation_id=escalation_id, by=request.user)
            said = {"bank": offer.product.bank.name, "number": offer.application_id}
            then = {  # the operator's words for matching.routing.NextStep
                "offered": _("It has gone on to the next ranked product."),
                "waiting": _("Other banks still have it open."),
                "capacity": _("The banks left are full this month; it goes on to them when they have room."),
                "exhausted": _("No ranked product is left: the application is declined by every bank."),
                "closed": "",
            }[next_step]
            messages.success(
                request,
                (
                    _("Application #%(number)s is closed at %(bank)s as not decided in time; the bank and the "
                      "applicant are told.") % said + " " + then
                ).strip(),
            )  # fmt: skip
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("operator:escalations")


@operator_required
@require_http_methods(["GET", "POST"])
def operator_calendar(request):
    """The official working calendar: what the library knows, the operator's own days, and a warning when open
    deadlines fall past what is known."""
    form = CalendarDayForm(None if "remove" in request.POST else (request.POST or None))
    if request.method == "POST" and "remove" in request.POST:
        removing = CalendarRemoveForm(request.POST)
        if not removing.is_valid():
            messages.error(request, refusal_of(removing))
        elif calendar_day_remove(date=removing.cleaned_data["remove"]):
            messages.success(
                request,
                _("%(date)s is removed: the State Council's calendar, or Monday to Friday, holds for it again.")
                % {"date": removing.cleaned_data["remove"].isoformat()},
            )
        else:
            messages.error(
                request, _("%(date)s was not entered.") % {"date": removing.cleaned_data["remove"].isoformat()}
            )
        return redirect("operator:calendar")
    if request.method == "POST" and form.is_valid():
        try:
            day, created = calendar_day_set(**form.cleaned_data, by=request.user)
        except DomainError as error:
            show_error(form, error)
        else:
            said = {"date": day.date.isoformat()}
            if day.working:
                words = _("%(date)s is entered as a make-up working day.") % said
            else:
                words = _("%(date)s is entered as a holiday.") % said
            if not created:
                words += " " + _("It replaces the earlier entry.")
            messages.success(request, words + " " + _("Deadlines set from now on count it; those set already stay."))
            return redirect("operator:calendar")
    return render(
        request,
        "operator/calendar.html",
        {
            "form": form,
            "days": calendar_days_entered(),
            "known_until": calendar_known_until(),
            "library_years": (LIBRARY_FIRST_YEAR, LIBRARY_LAST_YEAR),
            "past_calendar": open_deadlines_past_calendar(),
        },
    )
