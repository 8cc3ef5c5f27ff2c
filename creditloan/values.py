"""How every number and date a person or a source system types is read: one reader per kind of value.

Pages, the API, the services' own guards and the importer all call these, so a value is accepted or refused
the same way whichever door it came in by, with the same message. Each reader takes text (a form field, a CSV
cell, a JSON string) or the number a JSON body or a Python caller gives, and returns the value or raises
ValueRefused with one message, in the active language, that says what is wrong.

The grammar is ASCII digits only. Full-width (１２) and other scripts' digits, underscores (1_000), exponents
(5e5), NaN and Infinity are refused everywhere. The one normalisation: an amount may group its digits in
thousands with commas, in groups of exactly three ("1,000,000.50" is 1000000.50).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from decimal import Decimal
from typing import TypeVar

from django.utils.translation import gettext as _

from creditloan.errors import DomainError, ErrorCode
from creditloan.identifiers import InvalidIdentifier

# An amount's digits before the point: 14, as the importer's money columns store them (max_digits 16, 2 places).
AMOUNT_DIGITS = 14
AMOUNT_LARGEST = Decimal("99999999999999.99")
# The largest amount of a loan, an offer or an application (their columns hold 14 digits, 2 of them decimals).
LOAN_AMOUNT_LARGEST = Decimal("999999999999.99")
# What the operator's columns hold: a firm's age in years (one decimal), a bank's answer time in working days
# (a small integer) and its monthly capacity (an integer); the pages and the API bound their fields by these.
FIRM_AGE_LARGEST = Decimal("999.9")
DEADLINE_DAYS_LARGEST = 32767
CAPACITY_LARGEST = 2**31 - 1
# The largest ranking weight: weights are shares once divided by their sum, so only their ratios matter, and a
# ratio of a million to one already gives the smaller a share the ranking cannot tell from 0. Bounding them
# keeps the sum finite (weights of 1e308 overflowed it to infinity, making every share 0).
WEIGHT_LARGEST = 100
# A rate is an annual rate as a fraction (0.0450 is 4.50%), as the products and offers store it.
RATE_DECIMALS = 4
RATE_BELOW = Decimal(1)

T = TypeVar("T")

_PLAIN_AMOUNT = re.compile(r"[0-9]+(?:\.[0-9]+)?", re.ASCII)
_GROUPED_AMOUNT = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?", re.ASCII)
_WHOLE = re.compile(r"-?[0-9]+", re.ASCII)
_DECIMAL = re.compile(r"-?[0-9]+(?:\.[0-9]+)?", re.ASCII)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
# A whole number longer than this is refused before int() reads it (Python refuses above 4,300 digits with an
# error of its own; nothing here counts beyond a row id's 19 digits).
_WHOLE_DIGITS = 20


class ValueRefused(ValueError):
    """A value that cannot be read as its kind; `message` says why, in the active language."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


def read_for_field(reader: Callable[[object], T], raw, *, field: str, labelled: str) -> T:
    """`reader(raw)` for a service, whose callers are told which field was refused: `labelled` is the message with
    that field's label ("amount: %(problem)s"), the refusal's own words (a value's, or an identifier's, such as a
    USCC's) in place of %(problem)s."""
    try:
        return reader(raw)
    except (ValueRefused, InvalidIdentifier) as refusal:
        raise DomainError(ErrorCode.INVALID_INPUT, labelled % {"problem": refusal.message}, field=field) from None


def text_required(raw, *, most: int, field: str, refused: str) -> str:
    """A text a person must write for a service (a purpose, a reason), stripped; refused on `field` when it is empty
    or longer than `most` characters, in the service's words (`refused`, with %(most)d)."""
    text = (raw or "").strip()
    if not text or len(text) > most:
        raise DomainError(ErrorCode.INVALID_INPUT, refused % {"most": most}, field=field)
    return text


def choice_required(value, allowed, *, field: str, refused: str, code: ErrorCode = ErrorCode.INVALID_INPUT) -> None:
    """Refuses `value` on `field` unless it is one of `allowed`, in the service's words (`refused`, with %(value)s
    and %(allowed)s, the choices listed)."""
    if value not in allowed:
        raise DomainError(code, refused % {"value": value, "allowed": ", ".join(allowed)}, field=field)


def read_amount(raw, *, minimum: Decimal | int = 0, maximum: Decimal | int | None = None) -> Decimal:
    """Yuan, at most two decimals and 14 digits before the point, from `minimum` (0 unless given) up to
    `maximum` (when given): "1250000", "1250000.5", "1,250,000.50"."""
    return Decimal(amount_text(raw, minimum=minimum, maximum=maximum))


def amount_text(raw, *, minimum: Decimal | int = 0, maximum: Decimal | int | None = None) -> str:
    """The amount read_amount reads, as plain text without separators ("1,250,000.50" → "1250000.50"): the
    text of a plain amount is returned as given, so the importer stores what the file said."""
    text = _text_of_number(raw)
    if _PLAIN_AMOUNT.fullmatch(text):
        plain = text
    elif _GROUPED_AMOUNT.fullmatch(text):
        plain = text.replace(",", "")
    else:
        plain = None
        signless = text[1:] if text[:1] in "+-" else text
        if _PLAIN_AMOUNT.fullmatch(signless) or _GROUPED_AMOUNT.fullmatch(signless):
            if text[0] == "+":
                raise ValueRefused(_("'%(value)s': write the amount without a + sign") % {"value": text})
            plain = text.replace(",", "")  # negative: refused below, by the bounds, with the bounds
        if plain is None:
            raise ValueRefused(
                _why_not_a_number(text, _("'%(value)s' is not an amount in yuan (like 1250000.00)"), grouping=True)
            )
    whole, _point, decimals = plain.lstrip("-").partition(".")
    if len(decimals) > 2:
        raise ValueRefused(_("%(value)s has more than two decimals") % {"value": text})
    if len(whole.lstrip("0")) > AMOUNT_DIGITS:
        raise ValueRefused(
            _("%(value)s has more than %(digits)d digits before the point") % {"value": text, "digits": AMOUNT_DIGITS}
        )
    amount = Decimal(plain)
    # "-0" is not 0 or more either: a sign is refused whatever follows it.
    if plain.startswith("-") or amount < minimum or (maximum is not None and amount > maximum):
        raise ValueRefused(_amount_bounds(text, minimum, maximum))
    return plain


def _amount_bounds(text: str, minimum, maximum) -> str:
    if maximum is None:
        if minimum == 0:
            return _("%(value)s is negative; an amount is 0 yuan or more") % {"value": text}
        return _("%(value)s yuan is below %(low)s") % {"value": text, "low": grouped(minimum)}
    return _("%(value)s yuan is outside %(low)s–%(high)s") % {
        "value": text,
        "low": grouped(minimum),
        "high": grouped(maximum),
    }


def grouped(number) -> str:
    """A number as the messages write it: thousands grouped, no trailing zeros (10000 → 10,000)."""
    number = Decimal(number)
    return f"{int(number):,}" if number == number.to_integral_value() else f"{number:,.2f}"


def read_whole_number(raw, *, minimum: int = 0, maximum: int) -> int:
    """A whole number from `minimum` to `maximum`, in ASCII digits: a term in months, a count, a K."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        number, text = raw, str(raw)
    else:
        text = _text_of_number(raw)
        if not _WHOLE.fullmatch(text):
            raise ValueRefused(_why_not_a_number(text, _("'%(value)s' is not a whole number")))
        # Longer than any bound here: refused for its size, before int() reads a million digits.
        number = int(text) if len(text.lstrip("-")) <= _WHOLE_DIGITS else None
        if text.startswith("-") and minimum >= 0:
            number = None  # "-0" too
    if number is None or not minimum <= number <= maximum:
        raise ValueRefused(
            _("%(value)s is not a whole number from %(low)s to %(high)s")
            % {"value": text, "low": minimum, "high": maximum}
        )
    return number


def read_rate(raw) -> Decimal:
    """An annual rate as a fraction, at most four decimals, 0 or more and below 1: 0.0450 is 4.50% a year."""
    text = _text_of_number(raw)
    if not _DECIMAL.fullmatch(text):
        raise ValueRefused(_why_not_a_number(text, _("'%(value)s' is not a rate (like 0.0450 for 4.50%%)")))
    rate = Decimal(text)
    if text.startswith("-") or not 0 <= rate < RATE_BELOW:
        raise ValueRefused(_("%(value)s is not a rate from 0 to below 1 (write 4.50%% as 0.0450)") % {"value": text})
    if rate != round(rate, RATE_DECIMALS):
        raise ValueRefused(_("%(value)s has more than four decimals") % {"value": text})
    return rate


def read_rate_percent(raw) -> Decimal:
    """An annual rate as a person writes it, in percent with at most two decimals ("4.5", "4.50", "4.50%"),
    returned as the fraction the products and offers store (0.0450). The API takes the fraction (read_rate)."""
    text = _text_of_number(raw)
    # The sign may be the full-width ％ a Chinese keyboard types; the digits may not.
    if text.endswith(("%", "％")):
        text = text[:-1].rstrip()
    if not _DECIMAL.fullmatch(text):
        raise ValueRefused(_why_not_a_number(text, _("'%(value)s' is not a rate in percent (like 4.50)")))
    percent = Decimal(text)
    if text.startswith("-") or not 0 <= percent < RATE_BELOW * 100:
        raise ValueRefused(_("%(value)s%% is not a rate from 0%% to below 100%%") % {"value": text})
    if percent != round(percent, RATE_DECIMALS - 2):
        raise ValueRefused(_("%(value)s%% has more than two decimals") % {"value": text})
    return (percent / 100).quantize(Decimal(1).scaleb(-RATE_DECIMALS))


def percent_text(rate) -> str:
    """A stored rate (a fraction) as people read it: 0.0450 is "4.50%"."""
    return f"{Decimal(rate) * 100:.2f}%"


def yuan_text(amount) -> str:
    """An amount as people write it: ¥1,000,000, with its fen only when it has some (¥1,000,000.50)."""
    return f"¥{grouped(amount)}"


def read_decimal(raw, *, places: int, minimum: Decimal | int, maximum: Decimal | int) -> Decimal:
    """A number with at most `places` decimals from `minimum` to `maximum`, in ASCII digits: a share, a
    probability, a number of years (1.5)."""
    text = _text_of_number(raw)
    if not _DECIMAL.fullmatch(text):
        raise ValueRefused(_why_not_a_number(text, _("'%(value)s' is not a number (like 1.5)")))
    number = Decimal(text)
    if (text.startswith("-") and minimum >= 0) or not minimum <= number <= maximum:
        raise ValueRefused(
            _("%(value)s is outside %(low)s–%(high)s") % {"value": text, "low": minimum, "high": maximum}
        )
    if number != round(number, places):
        raise ValueRefused(_("%(value)s has too many decimals; at most %(places)d") % {"value": text, "places": places})
    return number


def read_weight(raw) -> float:
    """A ranking weight: a finite number from 0 to WEIGHT_LARGEST (only the weights' ratios matter)."""
    if isinstance(raw, float | int) and not isinstance(raw, bool):
        weight = float(raw)
        text = str(raw)
        if not math.isfinite(weight):
            raise ValueRefused(_("'%(value)s' is not a number") % {"value": text})
    else:
        text = _text_of_number(raw)
        if not _DECIMAL.fullmatch(text):
            raise ValueRefused(_why_not_a_number(text, _("'%(value)s' is not a weight (like 0.25)")))
        weight = float(text)
    if str(text).startswith("-") or not 0 <= weight <= WEIGHT_LARGEST:
        raise ValueRefused(_("%(value)s is not a weight from 0 to %(high)d") % {"value": text, "high": WEIGHT_LARGEST})
    return weight


def read_date(raw, *, earliest: dt.date | None = None, latest: dt.date | None = None) -> dt.date:
    """A day, written YYYY-MM-DD in ASCII digits (2027-06-01), from `earliest` to `latest` when given."""
    if isinstance(raw, dt.datetime):
        raise ValueRefused(_("'%(value)s' is not a date (YYYY-MM-DD)") % {"value": raw})
    if isinstance(raw, dt.date):
        day, text = raw, raw.isoformat()
    else:
        text = raw.strip() if isinstance(raw, str) else str(raw)
        if _other_digits(text):
            raise ValueRefused(_digits_message(text))
        if not _DATE.fullmatch(text):
            raise ValueRefused(_("'%(value)s' is not a date (YYYY-MM-DD)") % {"value": text})
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            raise ValueRefused(_("'%(value)s' is not a date (YYYY-MM-DD)") % {"value": text}) from None
    if earliest is not None and day < earliest:
        raise ValueRefused(_("%(value)s is before %(earliest)s") % {"value": text, "earliest": earliest})
    if latest is not None and day > latest:
        raise ValueRefused(_("%(value)s is after %(latest)s") % {"value": text, "latest": latest})
    return day


def _text_of_number(raw) -> str:
    """The text a number was given as: a string as typed (without surrounding spaces), a number from JSON or
    Python as Python writes it (so a float written 1e16 shows its exponent and is refused for it)."""
    if isinstance(raw, bool):
        raise ValueRefused(_("'%(value)s' is not a number") % {"value": str(raw).lower()})
    if isinstance(raw, float):
        return repr(raw)
    if isinstance(raw, Decimal):
        return str(raw)
    return raw.strip() if isinstance(raw, str) else str(raw)


def _other_digits(text: str) -> bool:
    return any(char.isdigit() and not "0" <= char <= "9" for char in text)


def _digits_message(text: str) -> str:
    return _("'%(value)s': write digits as 0–9 (half-width), not ０–９ or another script's") % {"value": text}


def _why_not_a_number(text: str, otherwise: str, *, grouping: bool = False) -> str:
    """The message for text that is not a number of the kind asked for: what in it is wrong, when it is one of
    the usual mistakes, or `otherwise`. `grouping`: the kind takes thousands separators (amounts do)."""
    if _other_digits(text):
        return _digits_message(text)
    if "_" in text:
        return _("'%(value)s': write the number without underscores") % {"value": text}
    if text.lower().lstrip("+-") in {"nan", "inf", "infinity", "snan"}:
        return _("'%(value)s' is not a number") % {"value": text}
    if re.fullmatch(r"[-+]?[0-9.,]*[0-9][eE][-+]?[0-9]+", text, re.ASCII):
        return _("'%(value)s': write the number out in digits, without an exponent") % {"value": text}
    if re.fullmatch(r"[-+]?[0-9]+(?:,[0-9]+)+(?:\.[0-9]*)?", text, re.ASCII):
        if grouping:
            return _("'%(value)s': thousands separators go every three digits (1,000,000)") % {"value": text}
        return _("'%(value)s': write the number without separators") % {"value": text}
    return otherwise % {"value": text}
