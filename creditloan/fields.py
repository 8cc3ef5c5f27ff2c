"""Model fields for personal identifiers, masked unless code asks for the full value on purpose."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models

from creditloan.identifiers import InvalidIdentifier, mask_resident_id, validate_resident_id


class ResidentId:
    """A resident ID number whose str() is masked, so templates, serializers and logs never show it whole.

    Code that truly needs the number (verifying it against a source) reads `.unmasked`, which makes every such
    use easy to find.
    """

    __slots__ = ("unmasked",)

    def __init__(self, number: str) -> None:
        self.unmasked = number

    def __str__(self) -> str:
        return mask_resident_id(self.unmasked)

    def __repr__(self) -> str:
        return f"ResidentId({mask_resident_id(self.unmasked)!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ResidentId):
            return self.unmasked == other.unmasked
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.unmasked)


class ResidentIdField(models.CharField):
    """公民身份号码, validated to GB 11643 and handed to Python as a ResidentId."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("max_length", 18)
        super().__init__(*args, **kwargs)

    def from_db_value(self, value, expression, connection):
        return None if value is None else ResidentId(value)

    def to_python(self, value):
        if value is None or isinstance(value, ResidentId):
            return value
        if value == "":
            return None
        try:
            return ResidentId(validate_resident_id(str(value)))
        except InvalidIdentifier as error:
            raise ValidationError(error.message, code="invalid_resident_id") from None

    def get_prep_value(self, value):
        # CharField.get_prep_value runs to_python, which wraps a plain string in a ResidentId: unwrap after it,
        # or the database driver is handed an object it cannot bind.
        value = super().get_prep_value(value)
        return value.unmasked if isinstance(value, ResidentId) else value

    def value_to_string(self, obj):
        # Serialisation (dumpdata) keeps the masked form: fixtures must not carry identity numbers.
        value = self.value_from_object(obj)
        return "" if value is None else str(value)
