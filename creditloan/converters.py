"""Path converters. `id`: a row's id as the database can hold it (up to 18 digits): a longer number is not a
row, so it is not found, instead of reaching the database and failing there."""

import re


class IdConverter:
    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


def row_id(raw) -> int:
    """A row's id from a form or query field, as the `id` converter reads one from a path; anything else (letters,
    a sign, an exponent, other digits, more than 18 digits) is 0, which names no row, so the service the id goes
    to answers that it is not found."""
    text = raw if isinstance(raw, str) else ""
    return int(text) if re.fullmatch(IdConverter.regex, text) else 0
