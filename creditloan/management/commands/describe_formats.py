"""Print docs/data-formats.md, generated from the importer's own format tables.

The column tables come from `creditloan.ingestion.formats.FORMATS` and nothing else, so the documentation says
what the importer enforces. What the tables cannot hold (a sentence per cross-column check, an example row per
source) is kept here, and the tests fail when a format gains a check or a column this module does not cover.
"""

from __future__ import annotations

import csv
import difflib
import io
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from creditloan.ingestion.fields import EARLIEST_DATE, Column
from creditloan.ingestion.formats import FORMATS, RowCheck, SourceFormat
from creditloan.ingestion.writers import key_fields

# One valid row per source: the enterprise is registered by the first, the others are about it. Dates are in
# the past and years not after this one, so the rows stay importable as time passes. An empty value shows an
# absent cell (the column's default applies).
_FIRM = "914403001922038216"
EXAMPLE_ROWS: dict[str, dict[str, str]] = {
    "enterprises": {
        "uscc": _FIRM,
        "name": "深圳市示例科技有限公司",
        "kind": "company",
        "region": "440305",
        "industry": "C3911",
        "registered_on": "2015-06-18",
        "registered_capital": "5000000.00",
        "status": "active",
        "legal_representative_name": "张三",
        "legal_representative_id": "11010519491231002X",
        "source": "",
    },
    "public_credit": {
        "uscc": _FIRM,
        "record_id": "PC-2023-000187",
        "kind": "administrative_penalty",
        "severity": "minor",
        "authority": "深圳市南山区市场监督管理局",
        "title": "广告未标明广告字样",
        "decision_date": "2023-03-14",
        "end_date": "",
        "repaired_on": "2023-09-20",
        "fine_amount": "2000.00",
        "source": "",
    },
    "tax": {
        "uscc": _FIRM,
        "record_id": "TAX-2023-0001",
        "tax_year": "2023",
        "rating": "B",
        "rated_on": "2024-04-15",
        "tax_paid": "186500.00",
        "declared_revenue": "4200000.00",
        "arrears": "0",
        "source": "",
    },
    "customs": {
        "uscc": _FIRM,
        "record_id": "CUS-2023-0001",
        "year": "2023",
        "reported_on": "2024-01-31",
        "credit_class": "registered",
        "import_value": "1250000.00",
        "export_value": "3860000.50",
        "violations": "0",
        "source": "",
    },
    "bank": {
        "uscc": _FIRM,
        "record_id": "BK-2024-06-0001",
        "reporting_bank": "ICBC",
        "as_of": "2024-06-30",
        "outstanding_balance": "800000.00",
        "credit_limit": "1500000.00",
        "max_overdue_days": "0",
        "deposit_turnover": "9650000.00",
        "repayments_on_time": "12",
        "repayments_late": "0",
        "source": "",
    },
}


class UndocumentedFormat(LookupError):
    """A format has a column this module has no example value for."""


def row_check_rule(check: RowCheck) -> str:
    return check.rule


def example_csv(source: str) -> str:
    """The header and one valid row of the source, in the format's column order."""
    fmt = FORMATS[source]
    values = EXAMPLE_ROWS.get(source, {})
    missing = [name for name in fmt.column_names if name not in values]
    if missing:
        raise UndocumentedFormat(
            f"the {source} example has no value for {', '.join(missing)}; add them to EXAMPLE_ROWS in {__name__}"
        )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(fmt.column_names)
    writer.writerow([values[name] for name in fmt.column_names])
    return out.getvalue()


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def _type(column: Column) -> str:
    if column.choices:
        return "one of: " + ", ".join(f"`{value}`" for value in column.choices)
    return _cell(column.type_label)


def _required(column: Column) -> str:
    if column.required:
        return "yes"
    if column.default:  # an empty-text default is simply "absent"
        return f"no (default {column.default})"
    return "no"


def _key(fmt: SourceFormat) -> str:
    by_field = {column.model_field: column.name for column in fmt.columns}
    names = [f"`{by_field[name]}`" for name in key_fields(fmt)]
    if fmt.is_registry:
        return f"Key: {names[0]}. A firm imported again is updated; a row equal to what is stored changes nothing."
    return (
        f"Key: {' and '.join(names)}. A record imported again is updated; a row equal to what is stored "
        "changes nothing."
    )


def _intro() -> list[str]:
    sources = ", ".join(f"`{source}`" for source in FORMATS)
    registry = next(source for source, fmt in FORMATS.items() if fmt.is_registry)
    jsonl_example = json.dumps(
        {name: value for name, value in EXAMPLE_ROWS[registry].items() if value}, ensure_ascii=False
    )
    return [
        "# Data formats",
        "",
        "<!-- Generated by `python manage.py describe_formats` from creditloan/ingestion/formats.py; do not edit.",
        "     CI runs `python manage.py describe_formats --check docs/data-formats.md`. -->",
        "",
        f"The importer reads five sources: {sources}. Each file is one source.",
        "",
        "## Files",
        "",
        "- **CSV with a header row** (`.csv`), **JSON Lines** (`.jsonl` or `.ndjson`, one JSON object a line) "
        "or an **Excel workbook** (`.xlsx`), told apart by the file name or by `--format csv|jsonl|xlsx`.",
        "- **Text encoding** of CSV and JSON Lines: **UTF-8** (a byte-order mark at the start is tolerated) or "
        "**GBK/GB18030** (GB18030 contains GBK). Name it with `--encoding utf-8|gb18030` (`gbk` is read as "
        "`gb18030`), with the upload page's *Text encoding*, or with `charset=` in the push API's "
        "`Content-Type`; otherwise it is detected: the file is first read through as UTF-8, in 1 MiB steps, and "
        "the first byte that is not UTF-8 makes it GB18030 (GBK text is almost never valid UTF-8; ASCII reads "
        "the same in both). The encoding read is kept with the file (the import page shows it).",
        "- **A workbook** is read from its first sheet; the first row is the header. Cells are read as the text "
        "the columns expect: a whole number without its decimals (`12.0` → `12`), a date as `YYYY-MM-DD`. Type "
        "codes (`uscc`, `region`) as text: Excel keeps only 15 digits of a number, so a code typed as one is "
        "refused by its check characters. Unlike a text file, a workbook's sheet is held in memory while it is "
        "read (about 1 KB a row): send millions of rows as CSV.",
        "- **Large files go fastest as plain CSV**: one row on each line, no blank lines. Such a file is read in "
        "compiled code (Apache Arrow's CSV reader); from the first stretch of about 8 MiB holding a quoted value "
        "that runs over lines, a blank line, a row with too few or too many fields or a lone carriage return, "
        "the rest of the file is read by Python's csv module, several times slower. The rows, their numbers and "
        "their rejections are the same either way. JSON Lines and workbooks are read in Python.",
        "- A header (CSV or workbook) names the columns, in any order; optional columns may be left out. It may "
        "use the English names or the Chinese ones (`中文列名` in the tables below), not a mix of the two. A "
        "JSON Lines object uses the English names as its keys.",
        "- Every file has a column `uscc`: the firm's 18-character unified social credit code "
        "(统一社会信用代码, GB 32100-2015), checked to both of its check characters.",
        "",
        "## Values",
        "",
        f"- **Dates** are `YYYY-MM-DD`, not before {EARLIEST_DATE.isoformat()} and not in the future.",
        "- **Years** are four digits, from 1990 to the current year.",
        "- **Digits** are ASCII `0`–`9` in every number and date: full-width (`１２`) and other scripts' digits, "
        "underscores (`1_000`), exponents (`5e5`), signs, `NaN` and `Infinity` reject the row. The pages and "
        "the API read numbers the same way (docs/api.md, *How numbers are read*).",
        "- **Amounts** are yuan, 0 or more, with up to 14 digits before the point and up to 2 decimals "
        "(`1250000.00`, `0`); no currency sign. Thousands separators are allowed in groups of exactly three "
        "and are taken out (`1,250,000.00` is stored as `1250000.00`; a CSV cell holding commas is quoted).",
        "- **Counts** are whole numbers, 0 or more.",
        "- **An empty cell is absent**, as is a cell of only spaces, a JSON `null` or a missing JSON key: "
        "a required column then rejects the row, an optional one takes its default.",
        '- In JSON Lines a number may stand for its text (`"tax_year": 2023`).',
        "",
        "The enterprises example below, as a line of JSON Lines:",
        "",
        "```json",
        jsonl_example,
        "```",
        "",
        "## Row numbers",
        "",
        "A row's number is its line number in the file, so it can be found in an editor: in a CSV the header "
        "is line 1 and the first data row is row 2 (a quoted cell spanning several lines gives its row the "
        "number of the line it starts on); in a workbook it is the sheet's row number (the header is row 1); in "
        "JSON Lines the first line is row 1. Blank lines are skipped but "
        "still counted.",
        "",
        "## What is rejected",
        "",
        "A bad row is rejected with its reasons and kept for inspection (operations › imports › the batch); the "
        "other rows are still imported. A row is rejected when:",
        "",
        "- a cell does not parse as its column's type, or a required cell is empty;",
        "- it breaks a rule across columns (listed under each source);",
        "- a CSV row has more or fewer fields than the header, or a JSON line is not valid JSON, not a JSON "
        "object, or has a key the format does not know;",
        "- its key (below each table) appeared earlier in the same file: the first occurrence is applied, "
        "later ones are rejected as duplicates;",
        "- it is about a firm that is not registered: no `enterprises` row for its `uscc` is stored or in the "
        "same batch.",
        "",
        "A whole file fails, and with it the whole batch, when it cannot be read as its format: a header "
        "with an unknown column, a repeated column, without a required column or mixing Chinese and English "
        "names, an empty file, text that is not in the encoding named, a `.xlsx` that is not a workbook, or a "
        "name ending in none of `.csv`, `.jsonl`/`.ndjson` and `.xlsx` without `--format`.",
        "",
        "Each rejection is kept as a code and its values (the API's `code` and `params`), so that the import "
        "page and the API give its reason in the reader's language; a refused file's reason likewise.",
        "",
        "## Batches",
        "",
        "Several files imported together form one batch:",
        "",
        "```sh",
        "python manage.py import_records enterprises firms.csv tax tax.csv",
        "```",
        "",
        "- **All or nothing**: the batch is one transaction; if any file fails, none of the batch is applied.",
        f"- **Registry first**: `{registry}` files are applied before the others, whatever the order on the "
        "command line, so a record may be about a firm registered in the same batch.",
        "- Importing the same files again changes nothing: every accepted row comes back `unchanged`.",
        "- `--json` prints the summary as one JSON object: `batch` (its id), `status`, the totals `rows`, "
        "`accepted`, `created`, `updated`, `unchanged` and `rejected` (`accepted` = `created` + `updated` + "
        "`unchanged`; `rows` = `accepted` + `rejected`), and `files`, the same counts for each file with its "
        "`source` and `name`.",
        "",
        "## Uploading a file",
        "",
        "An operator can import one file from the pages: *Operations › Imports › Upload a source file* "
        "(`/operations/imports/upload/`): the source, the file (`.csv`, `.jsonl`, `.ndjson` or `.xlsx`, at most "
        "SOURCE_MAX_BODY_BYTES, 200 MiB by default, the push API's limit) and, optionally, its text encoding. "
        "The file is kept under MEDIA_ROOT (or the system's temporary folder) and imported by a worker (Celery "
        "task `creditloan.tasks.import_upload`, queue `imports`) as one batch; the batch's page shows how far it "
        "is while it runs, then its counts and its rejected rows, 50 a page. The kept file is deleted when the "
        "batch ends. An empty file, a larger one, or a name with another ending is refused before anything is "
        "kept.",
    ]


def _section(source: str, fmt: SourceFormat) -> list[str]:
    lines = [
        "",
        f"## `{source}`",
        "",
        fmt.description,
        "",
        "| column | type | required | meaning | 中文列名 |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| `{column.name}` | {_type(column)} | {_required(column)} | {_cell(column.meaning)} "
        f"| {fmt.chinese_headers[column.name]} |"
        for column in fmt.columns
    ]
    lines += ["", _key(fmt)]
    if fmt.row_checks:
        lines += ["", "Rules across columns:", ""]
        lines += [f"- {row_check_rule(check)}" for check in fmt.row_checks]
    lines += ["", "Example:", "", "```csv", example_csv(source).rstrip("\n"), "```"]
    return lines


def formats_markdown() -> str:
    """The whole of docs/data-formats.md."""
    lines = _intro()
    for source, fmt in FORMATS.items():
        lines += _section(source, fmt)
    return "\n".join(lines) + "\n"


class Command(BaseCommand):
    help = "Print the import formats as Markdown (docs/data-formats.md), or check that a file matches."

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            metavar="PATH",
            help="do not print; exit non-zero if the file at PATH differs from what would be printed",
        )

    def handle(self, *args, check: str | None, **options):
        try:
            markdown = formats_markdown()
        except UndocumentedFormat as error:
            raise CommandError(str(error)) from None
        if check is None:
            self.stdout.write(markdown, ending="")
            return
        path = Path(check)
        regenerate = f"python manage.py describe_formats > {path}"
        try:
            current = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise CommandError(f"{path}: no such file; generate it with: {regenerate}") from None
        if current != markdown:
            diff = difflib.unified_diff(
                current.splitlines(), markdown.splitlines(), f"{path} (committed)", f"{path} (generated)", lineterm=""
            )
            shown = "\n".join(list(diff)[:40])
            raise CommandError(
                f"{path} is out of date with creditloan/ingestion/formats.py; regenerate it with: {regenerate}\n{shown}"
            )
        self.stdout.write(f"{path} is up to date.")
