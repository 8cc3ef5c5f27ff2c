"""Chinese is the product's first language: every string the code marks for translation has its Chinese, with the
same placeholders, so that no page, form error or service message falls back to English. .ci/run re-extracts
the catalogue from the code before this runs, so a new string without its translation fails there."""

import ast
import re
from pathlib import Path

import polib
import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.utils import translation

CATALOGUE = Path(__file__).resolve().parents[3] / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[sdrf]|\{(\w+)\}")


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


def test_translated_strings_are_marked_with_names_the_extractor_knows():
    # xgettext finds _("..."), gettext("...") and their kin, not an alias such as `gettext_lazy as _lazy`: a
    # string marked through an alias never reaches the catalogue and shows in English.
    root = Path(__file__).resolve().parents[3]
    aliased = [
        f"{path.relative_to(root)}: {alias.name} as {alias.asname}"
        for package in ("creditloan", "matching", "scoring")
        for path in (root / package).rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation"
        for alias in node.names
        if alias.asname not in (None, "_")
    ]

    assert aliased == []


def test_a_nul_in_any_text_field_is_refused_in_chinese_that_says_so():
    with translation.override("zh-hans"):
        with pytest.raises(ValidationError) as refusal:
            forms.CharField().clean("备货\x00")
        said = refusal.value.messages

    # Django's own catalogue says 不允许是用空字符串 ("empty strings are not allowed").
    assert said == ["文本不能包含 NUL 字符。"]
