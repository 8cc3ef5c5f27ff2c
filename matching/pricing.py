"""What a loan costs and how much a firm may borrow: the LPR a product's rates are checked against, and the
estimated credit line (预授信额度) and rate a firm sees for each product that fits it before it applies.

The estimate is a rule of thumb a person can check, not a bank's decision: the line is a multiple of the tax the
firm paid in its latest year (the 税易贷 practice of lending against tax paid) or a share of its revenue, whichever
gives more, larger for a better risk grade; the rate sits in the product's range by the grade. docs/scoring.md
says why these figures."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from django.utils import timezone

from creditloan.models import LoanPrimeRate
from matching.eligibility import Applicant
from scoring.ml.scale import GRADES

# The platform's sanity bounds on a product's rates, from the 1-year LPR in force. The highest may not pass four
# times it: the line courts draw for private lending (法释〔2020〕17号; banks are outside it, but no inclusive-finance
# product of theirs comes near it), so a product above it is a typing error. The lowest may not fall below half
# the LPR: below that a percentage was most likely typed as a fraction (0.04 for 4 %).
CEILING_TIMES_LPR = 4
FLOOR_SHARE_OF_LPR = Decimal("0.5")
# Before the operator keeps any LPR: the fixed line courts drew before it (法释〔2015〕18号), and no floor.
CEILING_WITHOUT_LPR = Decimal("0.24")

# The line as a multiple of the latest year's tax paid, or as a share of its revenue, by risk grade.
TAX_MULTIPLE = dict(zip(GRADES, (Decimal(10), Decimal(8), Decimal(6), Decimal(4), Decimal(2)), strict=True))
REVENUE_SHARE = dict(
    zip(GRADES, (Decimal("0.30"), Decimal("0.25"), Decimal("0.20"), Decimal("0.15"), Decimal("0.10")), strict=True)
)
# Lines are said in whole 万元, rounded down: an estimate never promises more than the figures give.
LINE_STEP = Decimal(10_000)
RATE_STEP = Decimal("0.0005")


def prime_rate_in_force(on: dt.date | None = None) -> LoanPrimeRate | None:
    """The LPR in force on a day (today by default): the latest published on or before it."""
    on = on or timezone.localdate()
    return LoanPrimeRate.objects.filter(effective_on__lte=on).order_by("-effective_on").first()


@dataclass(frozen=True)
class RateBounds:
    floor: Decimal
    ceiling: Decimal
    prime_rate: LoanPrimeRate | None


def product_rate_bounds(on: dt.date | None = None) -> RateBounds:
    """The sane range for a product's annual rates today, from the 1-year LPR in force."""
    prime = prime_rate_in_force(on)
    if prime is None:
        return RateBounds(floor=Decimal(0), ceiling=CEILING_WITHOUT_LPR, prime_rate=None)
    return RateBounds(
        floor=(prime.one_year * FLOOR_SHARE_OF_LPR).quantize(Decimal("0.0001"), ROUND_HALF_UP),
        ceiling=prime.one_year * CEILING_TIMES_LPR,
        prime_rate=prime,
    )


@dataclass(frozen=True)
class CreditLineEstimate:
    """A firm's estimated line and rate for one product. `amount` is None when the firm's figures give none;
    `basis` says which figure it came from ("tax", "revenue" or "" for none)."""

    amount: Decimal | None
    basis: str
    rate: Decimal
    capped: bool  # held to the product's largest amount
    below_minimum: bool  # the firm's figures give less than the product lends


def credit_line_estimate(
    *, grade: str, tax_paid: float, revenue: float, amount_min, amount_max, rate_min, rate_max
) -> CreditLineEstimate:
    """The line from the latest year's tax paid or revenue (whichever gives more) and the grade, in whole 万元 rounded
    down, never above the product's largest amount; the rate placed in the product's range by the grade, A at its
    lowest."""
    amount_min, amount_max = Decimal(amount_min), Decimal(amount_max)
    rate = _rate_for_grade(grade, Decimal(rate_min), Decimal(rate_max))
    # Each figure is a way banks size a line (税易贷 on tax paid, 流水贷 on turnover): the larger one stands, so a
    # firm paying little tax on large revenue is not told it may borrow nothing.
    sized = []
    if _known(tax_paid) and tax_paid > 0:
        sized.append((Decimal(str(tax_paid)) * TAX_MULTIPLE[grade], "tax"))
    if _known(revenue) and revenue > 0:
        sized.append((Decimal(str(revenue)) * REVENUE_SHARE[grade], "revenue"))
    if not sized:
        return CreditLineEstimate(amount=None, basis="", rate=rate, capped=False, below_minimum=False)
    raw, basis = max(sized, key=lambda size: size[0])
    line = (raw / LINE_STEP).to_integral_value(ROUND_DOWN) * LINE_STEP
    return CreditLineEstimate(
        amount=min(line, amount_max),
        basis=basis,
        rate=rate,
        capped=line > amount_max,
        below_minimum=line < amount_min,
    )


def _rate_for_grade(grade: str, rate_min: Decimal, rate_max: Decimal) -> Decimal:
    """A at the product's lowest rate and E at its highest, exactly as the product states them; the grades between
    evenly spaced, rounded to RATE_STEP and kept inside the range."""
    position = GRADES.index(grade)
    if position == 0:
        return rate_min
    if position == len(GRADES) - 1:
        return rate_max
    rate = rate_min + (rate_max - rate_min) * Decimal(position) / (len(GRADES) - 1)
    stepped = (rate / RATE_STEP).to_integral_value(ROUND_HALF_UP) * RATE_STEP
    return min(max(stepped, rate_min), rate_max)


def _known(value: float) -> bool:
    return value is not None and not math.isnan(value)


def applicant_estimate(applicant: Applicant, product) -> CreditLineEstimate:
    """The firm's estimated line and rate for one product, from its grade and the latest year's tax paid and
    revenue as the eligibility rules read them."""
    return credit_line_estimate(
        grade=applicant.grade,
        tax_paid=applicant.tax_paid,
        revenue=applicant.revenue,
        amount_min=product.amount_min,
        amount_max=product.amount_max,
        rate_min=product.rate_min,
        rate_max=product.rate_max,
    )
