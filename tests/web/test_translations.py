"""Chinese is the product's first language: every string the code marks for translation has its Chinese, with the
same placeholders, so that no page, form error or service message falls back to English. .ci/run re-extracts
the catalogue from the code before this runs, so a new string without its translation fails there."""

import re
from pathlib import Path

import polib

CATALOGUE = Path(__file__).resolve().parents[2] / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdr]|\{(\w+)\}")


def test_every_string_is_translated_into_chinese():
    catalogue = polib.pofile(str(CATALOGUE))

    missing = [entry.msgid for entry in catalogue if not entry.obsolete and not entry.translated()]

    assert missing == []
    assert catalogue.metadata["Plural-Forms"] == "nplurals=1; plural=0;"


def test_each_translation_keeps_the_placeholders_of_its_english():
    catalogue = polib.pofile(str(CATALOGUE))

    mismatched = [
        entry.msgid
        for entry in catalogue.translated_entries()
        if sorted(PLACEHOLDER.findall(entry.msgid))
        != sorted(PLACEHOLDER.findall(entry.msgstr or entry.msgstr_plural[0]))
    ]

    assert mismatched == []
