"""Serializer fields for numbers and dates, each read by its reader in creditloan.values, so the API accepts
and refuses exactly what the pages, the services and the importer do, with the same message.

Each subclasses DRF's field of the same kind for its output and its place in the schema, and replaces only
how input is read: DRF's own would take "１２" (full-width), "1_000_000" and "5e5", because Python's int() and
Decimal() do.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from creditloan import values

# An amount in the schema: digits with up to two decimals, optionally grouped in thousands (the readers' one
# normalisation). A JSON number is read too, as its digits.
ROW_ID_LARGEST = 2**63 - 1
AMOUNT_PATTERN = r"^(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]{1,2})?$"


class _Reads:
    def read(self, data):
        raise NotImplementedError

    def to_internal_value(self, data):
        try:
            return self.read(data)
        except values.ValueRefused as refusal:
            raise serializers.ValidationError(refusal.message, code="invalid") from None


@extend_schema_field({"type": "string", "format": "decimal", "pattern": AMOUNT_PATTERN, "example": "1000000.00"})
class AmountField(_Reads, serializers.DecimalField):
    """Yuan (values.read_amount), written out as text with two decimals."""

    def __init__(self, *, minimum: Decimal | int = 0, maximum: Decimal | int | None = None, **kwargs) -> None:
        self.minimum, self.maximum = Decimal(minimum), None if maximum is None else Decimal(maximum)
        kwargs.setdefault("max_digits", values.AMOUNT_DIGITS + 2)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(**kwargs)

    def read(self, data) -> Decimal:
        return values.read_amount(data, minimum=self.minimum, maximum=self.maximum)


class WholeNumberField(_Reads, serializers.IntegerField):
    """A whole number (values.read_whole_number): a JSON integer, or its ASCII digits as text."""

    def __init__(self, *, minimum: int = 0, maximum: int, **kwargs) -> None:
        super().__init__(min_value=minimum, max_value=maximum, **kwargs)

    def read(self, data) -> int:
        return values.read_whole_number(data, minimum=self.min_value, maximum=self.max_value)


class RowIdField(WholeNumberField):
    """A row's id: a whole number the database can hold (bigint); anything larger cannot name a row."""

    def __init__(self, **kwargs) -> None:
        super().__init__(minimum=1, maximum=ROW_ID_LARGEST, **kwargs)


@extend_schema_field({"type": "string", "format": "decimal", "pattern": r"^0+(?:\.[0-9]{1,4})?$", "example": "0.0450"})
class RateField(_Reads, serializers.DecimalField):
    """An annual rate as a fraction, 0.0450 for 4.50% (values.read_rate)."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("max_digits", 6)
        kwargs.setdefault("decimal_places", values.RATE_DECIMALS)
        super().__init__(**kwargs)

    def read(self, data) -> Decimal:
        return values.read_rate(data)


class DecimalNumberField(_Reads, serializers.DecimalField):
    """A number with at most `places` decimals within bounds (values.read_decimal): years, a probability."""

    def __init__(self, *, places: int, minimum: Decimal | int, maximum: Decimal | int, **kwargs) -> None:
        self.minimum, self.maximum = minimum, maximum
        whole_digits = len(str(int(maximum)))
        super().__init__(max_digits=whole_digits + places, decimal_places=places, **kwargs)

    def read(self, data) -> Decimal:
        return values.read_decimal(data, places=self.decimal_places, minimum=self.minimum, maximum=self.maximum)


class ProbabilityField(_Reads, serializers.FloatField):
    """A probability from 0 to 1 with at most four decimals (values.read_decimal), kept as a float."""

    def __init__(self, **kwargs) -> None:
        super().__init__(min_value=0, max_value=1, **kwargs)

    def read(self, data) -> float:
        return float(values.read_decimal(data, places=4, minimum=0, maximum=1))


class WeightField(_Reads, serializers.FloatField):
    """A ranking weight from 0 to values.WEIGHT_LARGEST (values.read_weight)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(min_value=0, max_value=values.WEIGHT_LARGEST, **kwargs)

    def read(self, data) -> float:
        return values.read_weight(data)


class DateField(_Reads, serializers.DateField):
    """A day as YYYY-MM-DD in ASCII digits (values.read_date)."""

    def __init__(self, *, earliest: dt.date | None = None, latest: dt.date | None = None, **kwargs) -> None:
        self.earliest, self.latest = earliest, latest
        super().__init__(**kwargs)

    def read(self, data) -> dt.date:
        return values.read_date(data, earliest=self.earliest, latest=self.latest)
