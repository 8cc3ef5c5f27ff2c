"""Form fields for numbers and dates, each read by its reader in creditloan.values, so a page accepts and
refuses exactly what the API, the services and the importer do, with the same message.

Amounts and numbers are text inputs (with a numeric keyboard on phones), not <input type="number">: a browser's
number input would refuse "1,000,000", the one normalisation the readers make, before the server saw it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from creditloan import values


class ReadField(forms.CharField):
    """A field whose text one reader of creditloan.values reads; its refusal is the field's error."""

    input_mode = "decimal"

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": self.input_mode, "autocomplete": "off"}))
        super().__init__(**kwargs)

    def read(self, text: str):
        raise NotImplementedError

    def to_python(self, value):
        text = super().to_python(value)
        if text in self.empty_values:
            return None
        try:
            return self.read(text)
        except values.ValueRefused as refusal:
            raise ValidationError(refusal.message, code="invalid") from None

    def prepare_value(self, value):
        return value.isoformat() if isinstance(value, dt.date) else value


class AmountField(ReadField):
    """Yuan (values.read_amount): "1250000", "1250000.50" or "1,250,000.50", within the bounds given."""

    def __init__(self, *, minimum: Decimal | int = 0, maximum: Decimal | int | None = None, **kwargs) -> None:
        self.minimum, self.maximum = minimum, maximum
        super().__init__(**kwargs)

    def read(self, text: str) -> Decimal:
        return values.read_amount(text, minimum=self.minimum, maximum=self.maximum)


class WholeNumberField(ReadField):
    """A whole number in ASCII digits from `minimum` to `maximum` (values.read_whole_number)."""

    input_mode = "numeric"

    def __init__(self, *, minimum: int = 0, maximum: int, **kwargs) -> None:
        self.minimum, self.maximum = minimum, maximum
        super().__init__(**kwargs)

    def read(self, text: str) -> int:
        return values.read_whole_number(text, minimum=self.minimum, maximum=self.maximum)


class RateField(ReadField):
    """An annual rate as a fraction, 0.0450 for 4.50% (values.read_rate)."""

    def read(self, text: str) -> Decimal:
        return values.read_rate(text)


class PercentRateField(ReadField):
    """An annual rate typed in percent, 4.50 (values.read_rate_percent), kept as the fraction 0.0450 and shown
    again in percent."""

    def read(self, text: str) -> Decimal:
        return values.read_rate_percent(text)

    def prepare_value(self, value):
        return f"{value * 100:.2f}" if isinstance(value, Decimal) else value


class DecimalNumberField(ReadField):
    """A number with at most `places` decimals within bounds (values.read_decimal): years, a probability."""

    def __init__(self, *, places: int, minimum: Decimal | int, maximum: Decimal | int, **kwargs) -> None:
        self.places, self.minimum, self.maximum = places, minimum, maximum
        super().__init__(**kwargs)

    def read(self, text: str) -> Decimal:
        return values.read_decimal(text, places=self.places, minimum=self.minimum, maximum=self.maximum)


class WeightField(ReadField):
    """A ranking weight from 0 to values.WEIGHT_LARGEST (values.read_weight)."""

    def read(self, text: str) -> float:
        return values.read_weight(text)


class DateField(ReadField):
    """A day as YYYY-MM-DD in ASCII digits (values.read_date), picked with the browser's date input."""

    def __init__(self, *, earliest: dt.date | None = None, latest: dt.date | None = None, **kwargs) -> None:
        self.earliest, self.latest = earliest, latest
        kwargs.setdefault("widget", forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
        super().__init__(**kwargs)

    def read(self, text: str) -> dt.date:
        return values.read_date(text, earliest=self.earliest, latest=self.latest)
