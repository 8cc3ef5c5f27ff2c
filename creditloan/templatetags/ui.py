"""Template helpers for the pages: form fields in the house look, with their errors tied to them for screen
readers, and deadlines said as time left."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy, pgettext_lazy
from django.utils.translation import gettext as _

from creditloan.values import percent_text, yuan_text
from matching.warnings import bank_warnings_unseen

register = template.Library()


@register.filter
def control(bound_field):
    """A field's widget with Bootstrap's classes, marked invalid and pointing at its help and errors."""
    widget = bound_field.field.widget
    kind = {"select": "form-select", "checkbox": "me-1"}.get(getattr(widget, "input_type", ""), "form-control")
    attrs = {"class": kind + (" is-invalid" if bound_field.errors else "")}
    described = []
    if bound_field.help_text:
        described.append(f"{bound_field.auto_id}_help")
    if bound_field.errors:
        described.append(f"{bound_field.auto_id}_errors")
        attrs["aria-invalid"] = "true"
    if described:
        attrs["aria-describedby"] = " ".join(described)
    return bound_field.as_widget(attrs=attrs)


MAIN_NAV = {
    None: [("accounts:products", gettext_lazy("Loan products"))],
    "applicant": [
        ("applicant:home", gettext_lazy("My firms and applications")),
        ("accounts:products", gettext_lazy("Loan products")),
        ("applicant:authorisations", gettext_lazy("Authorisations")),
    ],
    "bank_officer": [
        ("officer:queue", gettext_lazy("Offers to review")),
        ("officer:figures", gettext_lazy("Our figures")),
        ("officer:loans", gettext_lazy("Our loans")),
        ("officer:warnings", gettext_lazy("Early warnings")),
    ],
    # Ten items and the language switch share one line at 1280 px: the English labels are kept short.
    "operator": [
        ("operator:dashboard", gettext_lazy("Dashboard")),
        ("operator:banks", gettext_lazy("Banks")),
        ("operator:products", pgettext_lazy("operator menu", "Products")),
        ("operator:weights", pgettext_lazy("operator menu", "Weights")),
        ("operator:models", pgettext_lazy("operator menu", "Models")),
        ("operator:disputes", gettext_lazy("Disputes")),
        ("operator:reviews", gettext_lazy("Reviews")),
        ("operator:escalations", gettext_lazy("Escalations")),
        ("operator:imports", gettext_lazy("Imports")),
        ("admin:index", pgettext_lazy("operator menu", "Admin")),
    ],
}


@register.inclusion_tag("_nav.html", takes_context=True)
def main_nav(context):
    """The role's menu, with the item the page shown falls under marked as the current one (for screen readers
    as well as by its look): the longest link the page's address starts with."""
    user, path = context["request"].user, context["request"].path
    role = user.role if user.is_authenticated else None
    items = [(reverse(name), label, name) for name, label in MAIN_NAV.get(role, [])]
    current = max((url for url, _label, _name in items if path.startswith(url)), key=len, default=None)
    badges = _nav_badges(user) if role == "bank_officer" else {}
    return {
        "items": [
            {"url": url, "label": label, "current": url == current, "badge": badges.get(name)}
            for url, label, name in items
        ]
    }


def _nav_badges(officer) -> dict[str, int]:
    """What waits for the officer, by menu item: the bank's early warnings nobody has opened yet."""
    unseen = bank_warnings_unseen(bank=officer.bank)
    return {"officer:warnings": unseen} if unseen else {}


@register.filter
def time_left(deadline):
    """'2 days 3 hours', or 'overdue'."""
    left = deadline - timezone.now()
    if left.total_seconds() <= 0:
        return _("overdue")
    days, hours = left.days, left.seconds // 3600
    if days:
        return _("%(days)d d %(hours)d h") % {"days": days, "hours": hours}
    return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": (left.seconds % 3600) // 60}


@register.filter
def due_soon(deadline) -> bool:
    return (deadline - timezone.now()).total_seconds() < 24 * 3600


@register.filter
def percent(rate) -> str:
    """A stored rate (a fraction) as people write it: 0.0450 → 4.50%."""
    return "—" if rate is None else percent_text(rate)


@register.filter
def yuan(amount) -> str:
    """A stored amount as people write it: 400000.00 → ¥400,000."""
    return "—" if amount is None else yuan_text(amount)


@register.filter
def percent_precise(rate) -> str:
    """A rate (a fraction) in percent with up to four decimals, for a monthly rate: 0.00375 → 0.375%."""
    if rate is None:
        return "—"
    return f"{Decimal(rate) * 100:.4f}".rstrip("0").rstrip(".") + "%"


@register.simple_tag
def colon() -> str:
    """The colon after a label as the page's language writes it: "：" in Chinese (no space), ": " in English."""
    return "：" if (get_language() or "zh").startswith("zh") else ": "
