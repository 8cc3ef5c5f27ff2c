"""Path converters. `id`: a row's id as the database can hold it (up to 18 digits): a longer number is not a
row, so it is not found, instead of reaching the database and failing there."""


class IdConverter:
    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)
