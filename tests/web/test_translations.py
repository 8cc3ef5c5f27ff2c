"""Chinese is the product's first language: every string of the pages has its translation."""

from pathlib import Path

import polib

CATALOGUE = Path(__file__).resolve().parents[2] / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
PAGES = (
    "templates/",
    "creditloan/views",
    "creditloan/forms",
    "creditloan/templatetags",
    "matching/views",
    "matching/forms",
)


def test_every_string_of_the_pages_is_translated_into_chinese():
    catalogue = polib.pofile(str(CATALOGUE))

    untranslated = [
        entry.msgid
        for entry in catalogue
        if not entry.obsolete
        and not entry.translated()
        and any(path.startswith(PAGES) for path, _ in entry.occurrences)
    ]

    assert untranslated == []
    assert catalogue.metadata["Plural-Forms"] == "nplurals=1; plural=0;"
