"""A loan's repayment schedule (还款计划), month by month, in plain Python: no Django, so the applicant's page, the
officer's page and the tests read the same figures from one place.

Money is Decimal yuan, each month's interest and principal rounded to the fen (0.01 yuan, half up); the last
instalment takes what rounding left over, so the principal repaid sums to the amount exactly. The monthly rate is
the annual rate ÷ 12 (月利率 = 年利率 / 12), as the banks quote it, and interest is charged on the principal still
owed at the start of each month.

The methods are matching.models.RepaymentMethod's values:
- equal_instalments (等额本息): the same payment every month; interest falls and principal grows.
- equal_principal (等额本金): the same principal every month plus that month's interest, so payments fall.
- interest_first (先息后本): interest every month, the whole principal with the last payment.
- flexible (随借随还): drawn and repaid at will; the schedule is interest_first's, the most it can cost (the whole
  amount drawn for the whole term), and `upper_bound` says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext

EQUAL_INSTALMENTS = "equal_instalments"
EQUAL_PRINCIPAL = "equal_principal"
INTEREST_FIRST = "interest_first"
FLEXIBLE = "flexible"
METHODS = (EQUAL_INSTALMENTS, EQUAL_PRINCIPAL, INTEREST_FIRST, FLEXIBLE)

FEN = Decimal("0.01")
# Enough digits that (1 + r) ** 360 keeps every fen of a payment on the largest amount a column holds.
_PRECISION = 50


@dataclass(frozen=True)
class Instalment:
    """One month's repayment: its number (1 is the first month after the payout), the principal and the interest
    it repays, and the principal still owed after it."""

    number: int
    principal: Decimal
    interest: Decimal
    balance: Decimal

    @property
    def payment(self) -> Decimal:
        return self.principal + self.interest


@dataclass(frozen=True)
class Schedule:
    """Every instalment of a loan of `amount` yuan at `annual_rate` (a fraction: 0.045 is 4.5 %) by `method`."""

    method: str
    amount: Decimal
    annual_rate: Decimal
    instalments: tuple[Instalment, ...]

    @property
    def term_months(self) -> int:
        return len(self.instalments)

    @property
    def monthly_rate(self) -> Decimal:
        """The annual rate ÷ 12, unrounded (a fraction)."""
        with localcontext(prec=_PRECISION):
            return Decimal(self.annual_rate) / 12

    @property
    def upper_bound(self) -> bool:
        """The figures are the most the loan can cost, not what it will (随借随还: interest only on what is drawn)."""
        return self.method == FLEXIBLE

    @property
    def total_interest(self) -> Decimal:
        return sum((instalment.interest for instalment in self.instalments), Decimal("0.00"))

    @property
    def total_repayment(self) -> Decimal:
        return self.amount + self.total_interest

    @property
    def first_payment(self) -> Decimal:
        return self.instalments[0].payment

    @property
    def last_payment(self) -> Decimal:
        return self.instalments[-1].payment


def repayment_schedule(*, amount, annual_rate, term_months: int, method: str) -> Schedule:
    """The schedule of `amount` yuan (more than 0) at `annual_rate` (a fraction, 0 or more) over `term_months`
    (1 or more) by `method` (one of METHODS). Raises ValueError for anything else: the terms come from stored
    offers and loans, which their own readers have checked."""
    amount, annual_rate = Decimal(amount), Decimal(annual_rate)
    if method not in METHODS:
        raise ValueError(f"unknown repayment method {method!r}; one of {', '.join(METHODS)}")
    if not amount > 0 or amount != amount.quantize(FEN):
        raise ValueError(f"amount {amount} is not a positive number of yuan and fen")
    if annual_rate < 0:
        raise ValueError(f"annual rate {annual_rate} is negative")
    if isinstance(term_months, bool) or not isinstance(term_months, int) or term_months < 1:
        raise ValueError(f"term {term_months!r} is not a whole number of months from 1")
    with localcontext(prec=_PRECISION):
        monthly_rate = annual_rate / 12
        if method == EQUAL_INSTALMENTS:
            instalments = _equal_instalments(amount, monthly_rate, term_months)
        elif method == EQUAL_PRINCIPAL:
            instalments = _equal_principal(amount, monthly_rate, term_months)
        else:
            instalments = _interest_first(amount, monthly_rate, term_months)
    return Schedule(method=method, amount=amount, annual_rate=annual_rate, instalments=tuple(instalments))


def _fen(value: Decimal) -> Decimal:
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


def _months(amount: Decimal, monthly_rate: Decimal, term: int, principal_of) -> list[Instalment]:
    """Month by month: interest on what is owed, the principal `principal_of(month, interest)` says (never more than
    is owed), and in the last month whatever principal is left."""
    balance, instalments = amount, []
    for month in range(1, term + 1):
        interest = _fen(balance * monthly_rate)
        principal = balance if month == term else min(principal_of(month, interest), balance)
        balance -= principal
        instalments.append(Instalment(number=month, principal=principal, interest=interest, balance=balance))
    return instalments


def _equal_instalments(amount: Decimal, monthly_rate: Decimal, term: int) -> list[Instalment]:
    # The annuity: A·r·(1+r)^n / ((1+r)^n − 1), or A/n without interest.
    if monthly_rate == 0:
        payment = _fen(amount / term)
    else:
        growth = (1 + monthly_rate) ** term
        payment = _fen(amount * monthly_rate * growth / (growth - 1))
    return _months(amount, monthly_rate, term, lambda _month, interest: max(payment - interest, Decimal(0)))


def _equal_principal(amount: Decimal, monthly_rate: Decimal, term: int) -> list[Instalment]:
    share = _fen(amount / term)
    return _months(amount, monthly_rate, term, lambda _month, _interest: share)


def _interest_first(amount: Decimal, monthly_rate: Decimal, term: int) -> list[Instalment]:
    return _months(amount, monthly_rate, term, lambda _month, _interest: Decimal("0.00"))
