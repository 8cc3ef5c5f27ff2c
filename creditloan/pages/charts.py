"""A dashboard chart as its page carries it (json_script) for creditloan/static/creditloan/charts.js to draw,
shared by the operator's dashboard and a bank's figures; templates/operator/_chart.html places one on a page."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import pgettext


def chart(kind: str, labels, series: dict[str, list], **options) -> dict:
    """`kind` is Chart.js's type (bar, line); `series` maps each series' label to its values, one per label;
    `options` are charts.js's own (percent, horizontal)."""
    return {
        "type": kind,
        "labels": list(labels),
        "series": [{"label": label, "values": values} for label, values in series.items()],
        **options,
    }


def funnel_step_names() -> dict[str, str]:
    """Each funnel step (matching.dashboard.FUNNEL_STEPS) as the page's language names it."""
    return {
        "applied": _("Applied"),
        "matched": _("Matched"),
        "offered": pgettext("funnel stage", "Offered"),
        "accepted": _("Accepted"),
        "approved": _("Approved"),
        "disbursed": _("Disbursed"),
    }


def payouts_chart(months: list[tuple[str, float, int]]) -> dict:
    """Amounts paid out per month (matching.dashboard.disbursed_by_month), in 10,000 yuan as the sector counts."""
    return chart(
        "line",
        [month for month, *_rest in months],
        {_("Paid out (10,000 yuan)"): [round(amount / 1e4, 1) for _month, amount, _loans in months]},
    )
