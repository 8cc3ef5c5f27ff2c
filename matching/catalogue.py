"""The product supermarket (产品超市): every product open to applications with its price and terms, in the order a
person asks for, and what each asks of a firm, in the page's language, so firms can compare (货比三家) before and
after they apply."""

from __future__ import annotations

import math

from django.db.models import F, QuerySet
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from creditloan.models import CustomsCreditClass, EnterpriseKind, GuaranteeMode
from creditloan.values import percent_text, yuan_text
from matching.eligibility import industry_name, region_name
from matching.models import LoanProduct, PolicyTag, RepaymentMethod

# ?sort= on the products page: the cheapest first unless the person asks otherwise.
SORTS = {
    "rate": ("rate_min", "rate_max", "bank__name", "name"),
    "amount": (F("amount_max").desc(), "rate_min", "bank__name"),
    "term": (F("term_max_months").desc(), "rate_min", "bank__name"),
    "bank": ("bank__name", "name"),
}
COMPARE_MOST = 4


def catalogue(*, sort: str = "rate", guarantee_mode: str = "") -> QuerySet[LoanProduct]:
    """Products open to applications (active, of an active bank), in the order asked for."""
    products = LoanProduct.objects.filter(active=True, bank__active=True).select_related("bank")
    if guarantee_mode in GuaranteeMode.values:
        products = products.filter(guarantee_mode=guarantee_mode)
    return products.order_by(*SORTS.get(sort, SORTS["rate"]))


def compared(product_ids: list[int]) -> list[LoanProduct]:
    """The products chosen to compare, in the order chosen, unknown or closed ones left out, at most COMPARE_MOST."""
    chosen = list(dict.fromkeys(product_ids[: COMPARE_MOST * 10]))  # a query string can name any number
    found = {product.pk: product for product in catalogue().filter(pk__in=chosen)}
    return [found[product_id] for product_id in chosen if product_id in found][:COMPARE_MOST]


def repayment_methods_text(product: LoanProduct) -> str:
    """The product's repayment methods as one phrase in the page's language ("等额本息、随借随还")."""
    labels = dict(RepaymentMethod.choices)
    return _listed(str(labels[method]) for method in product.listed_repayment_methods)


def requirements(product: LoanProduct) -> list[str]:
    """What the product asks of a firm, a sentence each, in the page's language; empty when it asks nothing
    beyond its terms."""
    language = "zh" if (get_language() or "zh").startswith("zh") else "en"

    def trades(codes) -> str:
        return _listed(industry_name(code, language) for code in codes)

    said = []
    if product.regions:
        said.append(_("Registered in %(places)s") % {"places": _listed(region_name(code) for code in product.regions)})
    if product.industries_included:
        said.append(_("In %(trades)s") % {"trades": trades(product.industries_included)})
    if product.industries_excluded:
        said.append(_("Not in %(trades)s") % {"trades": trades(product.industries_excluded)})
    if product.enterprise_kinds:
        kinds = dict(EnterpriseKind.choices)
        said.append(
            _("Open to: %(kinds)s")
            % {"kinds": _listed(str(kinds[kind]) for kind in product.enterprise_kinds if kind in kinds)}
        )
    if product.min_firm_age_years is not None:
        years = product.min_firm_age_years.normalize()
        said.append(
            ngettext(
                "Registered for at least %(years)s year", "Registered for at least %(years)s years", math.ceil(years)
            )
            % {"years": f"{years:f}"}
        )
    if product.min_tax_rating:
        said.append(_("Tax credit rating %(rating)s or better") % {"rating": product.min_tax_rating})
    if product.customs_classes:
        classes = dict(CustomsCreditClass.choices)
        said.append(
            _("Customs credit class: %(classes)s")
            % {"classes": _listed(str(classes[code]) for code in product.customs_classes if code in classes)}
        )
    if product.max_risk_grade:
        said.append(_("Risk grade %(grade)s or better") % {"grade": product.max_risk_grade})
    if product.max_probability_of_default is not None:
        said.append(
            _("Probability of default at most %(share)s") % {"share": percent_text(product.max_probability_of_default)}
        )
    if product.min_annual_tax_paid:
        said.append(
            _("Tax paid in the latest year at least %(amount)s") % {"amount": yuan_text(product.min_annual_tax_paid)}
        )
    if product.min_annual_revenue:
        said.append(
            _("Revenue in the latest year at least %(amount)s") % {"amount": yuan_text(product.min_annual_revenue)}
        )
    tags = dict(PolicyTag.choices)
    said.extend(str(tags[tag]) for tag in product.policy_tags if tag in tags)
    return said


def _listed(parts) -> str:
    return ("、" if (get_language() or "zh").startswith("zh") else ", ").join(parts)
