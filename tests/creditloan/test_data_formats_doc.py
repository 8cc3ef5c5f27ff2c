"""docs/data-formats.md is generated from the importer's format tables, and its examples really import."""

import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from creditloan.ingestion.formats import FORMATS
from creditloan.ingestion.services import ImportSource, records_import
from creditloan.management.commands.describe_formats import (
    row_check_rule,
)
from creditloan.models import ImportBatchStatus, ImportRejection

DOC = Path(__file__).resolve().parents[2] / "docs" / "data-formats.md"
_HEADING = re.compile(r"^## `(?P<source>\w+)`$", re.MULTILINE)
_CSV_BLOCK = re.compile(r"^```csv\n(?P<body>.*?)^```$", re.MULTILINE | re.DOTALL)


def generated() -> str:
    out = io.StringIO()
    call_command("describe_formats", stdout=out)
    return out.getvalue()


def source_sections(markdown: str) -> dict[str, str]:
    """Each source's part of the document, from its heading to the next one."""
    headings = list(_HEADING.finditer(markdown))
    ends = [match.start() for match in headings[1:]] + [len(markdown)]
    return {match["source"]: markdown[match.end() : end] for match, end in zip(headings, ends, strict=True)}


def table_columns(section: str) -> list[str]:
    return re.findall(r"^\| `(\w+)` \|", section, re.MULTILINE)


def test_committed_doc_equals_the_commands_output():
    assert DOC.read_text(encoding="utf-8") == generated()


def test_check_accepts_the_committed_doc():
    out = io.StringIO()

    call_command("describe_formats", check=str(DOC), stdout=out)

    assert "up to date" in out.getvalue()


def test_check_rejects_a_doc_that_drifted(tmp_path):
    stale = tmp_path / "data-formats.md"
    stale.write_text(generated().replace("| `tax_year` |", "| `fiscal_year` |"), encoding="utf-8")

    with pytest.raises(CommandError, match="out of date") as raised:
        call_command("describe_formats", check=str(stale), stdout=io.StringIO())

    assert "+| `tax_year` |" in str(raised.value)


def test_doc_has_one_section_per_source_in_format_order():
    assert list(source_sections(generated())) == list(FORMATS)


@pytest.mark.parametrize("source", list(FORMATS))
def test_every_format_column_appears_in_its_table(source):
    section = source_sections(generated())[source]

    assert table_columns(section) == list(FORMATS[source].column_names)


@pytest.mark.parametrize("source", list(FORMATS))
def test_table_says_required_or_the_default(source):
    section = source_sections(generated())[source]

    for column in FORMATS[source].columns:
        row = re.search(rf"^\| `{column.name}` \|.*$", section, re.MULTILINE)[0]
        cells = [cell.strip() for cell in row.strip("|").split(" | ")]
        expected = "yes" if column.required else f"no (default {column.default})" if column.default else "no"
        assert cells[2] == expected


@pytest.mark.parametrize(
    ("source", "check"),
    [(source, check) for source, fmt in FORMATS.items() for check in fmt.row_checks],
    ids=lambda value: value if isinstance(value, str) else value.rule[:30],
)
def test_every_row_check_has_a_sentence_in_the_doc(source, check):
    sentence = row_check_rule(check)

    assert sentence
    assert f"- {sentence}\n" in source_sections(generated())[source]


@pytest.mark.django_db
def test_every_example_in_the_doc_imports_without_rejections(tmp_path):
    # Given each source's example, as the committed doc shows it
    sections = source_sections(DOC.read_text(encoding="utf-8"))
    files = []
    for source in ["enterprises", *(name for name in FORMATS if name != "enterprises")]:
        path = tmp_path / f"{source}.csv"
        path.write_text(_CSV_BLOCK.search(sections[source])["body"], encoding="utf-8")
        files.append(ImportSource(source, path))

    # When they are imported as one batch
    batch = records_import(files=files, origin="test")

    # Then every row is accepted as a new record
    assert batch.status == ImportBatchStatus.COMPLETED
    counts = {item.source: (item.rows, item.created, item.rejected) for item in batch.files.all()}
    assert counts == {source: (1, 1, 0) for source in FORMATS}
    assert not ImportRejection.objects.filter(file__batch=batch).exists()
