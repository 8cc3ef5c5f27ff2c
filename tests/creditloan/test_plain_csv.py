"""CSV read by Arrow while the file is plain, by the csv module from the first block that is not: the rows, their
line numbers and the rows refused as rows come out as the csv module alone gives them; and every rejection reason
is still produced, with its row and values, when Arrow reads the file."""

import csv
import sys
from pathlib import Path

import pytest

from creditloan.ingestion import plain_csv
from creditloan.ingestion.formats import FORMATS
from creditloan.ingestion.readers import RowReader
from creditloan.ingestion.services import ImportSource, records_import
from creditloan.ingestion.vectorised import PYTHON_WHITESPACE
from creditloan.models import ImportRejection, PublicCreditRecord

FIRM = "914403001922038216"
OTHER_FIRM = "91440300708461136T"
TAX = FORMATS["tax"]
TAX_HEADER = ",".join(TAX.column_names)


def tax_line(number: int) -> str:
    return f"{FIRM},T-{number},2023,A,2024-04-20,{number}.50,{number * 10},0,tax.bureau"


def read_by_reader(path: Path, size: int, encoding: str | None = None) -> tuple[list, list, int | None]:
    """Every row the reader gives (line, cells) and every row it refuses (line, code), and where the csv module
    took over."""
    reader = RowReader(path, "csv", TAX.column_names, encoding=encoding)
    rows, refused = [], []
    for batch in reader.batches(size):
        columns = [cells.to_pylist() if hasattr(cells, "to_pylist") else list(cells) for cells in batch.columns]
        rows += [(int(line), list(cells)) for line, cells in zip(batch.row_numbers, zip(*columns), strict=True)]
        refused += [(line, problem.code) for line, problem in batch.unreadable]
    reader.close()
    return rows, refused, reader.csv_module_from_line


def read_by_csv_module(path: Path, encoding: str = "utf-8-sig") -> tuple[list, list]:
    """The same, as the csv module alone reads the file: a row is numbered by the line it starts on."""
    rows, refused = [], []
    with open(path, encoding=encoding, newline="") as handle:
        reader = csv.reader(handle)
        width = len(next(reader))
        last_line = reader.line_num
        for cells in reader:
            if len(cells) == width:
                rows.append((last_line + 1, cells))
            elif cells:
                refused.append((last_line + 1, "field_count"))
            last_line = reader.line_num
    return rows, refused


PLAIN = [tax_line(n) for n in range(1, 41)]
ODD_FILES = {
    "plain": (PLAIN, None),
    "crlf": (PLAIN, "\r\n"),
    "quoted-commas": ([*PLAIN[:20], f'{FIRM},"T-,21",2023,A,2024-04-20,1,2,0,"a ""b"""', *PLAIN[21:]], None),
    "line-break-in-a-value": ([*PLAIN[:25], f'{FIRM},T-x,2023,A,2024-04-20,1,2,0,"two\nlines"', *PLAIN[26:]], None),
    "blank-line": ([*PLAIN[:30], "", *PLAIN[30:]], None),
    "short-row": ([*PLAIN[:33], f"{FIRM},T-short,2023", *PLAIN[34:]], None),
    "bare-cr": ([*PLAIN[:12], f"{FIRM},T-cr,2023,A,2024-04-20,1,2,0\rtax", *PLAIN[13:]], None),
    "no-final-line-break": (PLAIN, "no-end"),
}


@pytest.mark.parametrize("case", list(ODD_FILES))
@pytest.mark.parametrize("block_bytes", [64, 700, 1 << 20])
def test_arrow_and_the_csv_module_give_the_same_rows_and_line_numbers(tmp_path, monkeypatch, case, block_bytes):
    lines, ending = ODD_FILES[case]
    separator = "\r\n" if ending == "\r\n" else "\n"
    text = separator.join([TAX_HEADER, *lines]) + ("" if ending == "no-end" else separator)
    path = tmp_path / "tax.csv"
    path.write_bytes(text.encode())
    monkeypatch.setattr(plain_csv, "BLOCK_BYTES", block_bytes)

    rows, refused, csv_module_from = read_by_reader(path, size=7)

    assert (rows, refused) == read_by_csv_module(path)
    assert len(rows) >= 38
    if case in ("plain", "crlf", "quoted-commas", "no-final-line-break"):
        assert csv_module_from is None  # Arrow read it all
    else:
        assert csv_module_from is not None


def test_a_gbk_file_with_a_bom_free_chinese_header_is_read_by_arrow(tmp_path, monkeypatch):
    chinese = FORMATS["tax"].chinese_headers
    header = ",".join(chinese[name] for name in TAX.column_names)
    lines = [line.replace("tax.bureau", "国家税务总局") for line in PLAIN]
    path = tmp_path / "纳税.csv"
    path.write_bytes(("\n".join([header, *lines]) + "\n").encode("gbk"))
    monkeypatch.setattr(plain_csv, "BLOCK_BYTES", 256)

    reader = RowReader(path, "csv", TAX.column_names, chinese=FORMATS["tax"].columns_by_chinese)
    batches = list(reader.batches(15))
    reader.close()

    assert reader.encoding == "GB18030" and reader.csv_module_from_line is None
    assert [len(batch.row_numbers) for batch in batches] == [15, 15, 10]
    assert list(batches[-1].row_numbers) == list(range(32, 42))
    assert batches[0].columns[-1].to_pylist()[0] == "国家税务总局"


def test_the_whitespace_arrow_checks_for_is_what_python_strips():
    assert set(PYTHON_WHITESPACE) == {char for char in map(chr, range(sys.maxunicode + 1)) if char.isspace()}


PUBLIC_HEADER = "uscc,record_id,kind,severity,authority,title,decision_date,end_date,repaired_on,fine_amount"
# Each row but the first is refused for one reason, on the column named, with the cells it came with.
PUBLIC_ROWS = [
    (f"{FIRM},P-1,administrative_penalty,minor,市场监管局,罚款,2024-01-10,,,1000", None, None),
    (f"{FIRM},P-2,administrative_penalty,,市场监管局,罚款,2024-01-10,,,", "severity", "severity_required"),
    (f"{FIRM},P-3,commendation,minor,市政府,表彰,2024-01-10,,,", "severity", "severity_not_allowed"),
    (f"{FIRM},P-4,commendation,,市政府,表彰,2024-01-10,2023-01-01,,", "end_date", "date_before"),
    (f"{FIRM},P-5,award,,市政府,表彰,2024-01-10,,,", "kind", "not_a_choice"),
    (f"{FIRM},P-6,commendation,,,表彰,2024-01-10,,,", "authority", "required"),
    (f"{FIRM},P-7,commendation,,市政府,表彰,2099-01-10,,,", "decision_date", "in_future"),
    (f"{FIRM},P-8,commendation,,市政府,{'长' * 301},2024-01-10,,,", "title", "too_long"),
    (f"{FIRM},P-9,commendation,,市政府,表彰,2024-01-10,,,12.345", "fine_amount", "invalid_value"),
    (f"{FIRM},P-10,commendation,,市政府,表\x00彰,2024-01-10,,,", "title", "nul_character"),
    (f"{FIRM},P-1,commendation,,市政府,表彰,2024-01-10,,,", "record_id", "duplicate"),
    (f"{OTHER_FIRM},P-11,commendation,,市政府,表彰,2024-01-10,,,", "uscc", "unknown_firm"),
    (f"{FIRM},P-12, commendation ,,市政府,表彰 ,2024-01-10,,,", None, None),  # spaces the parsers strip
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "fast", [pytest.param(False, id="orm"), pytest.param(True, id="copy", marks=pytest.mark.postgres)]
)
def test_every_rejection_reason_comes_with_its_row_and_cells_when_arrow_reads_the_file(tmp_path, fast):
    firms = tmp_path / "firms.csv"
    firms.write_text(
        "uscc,name,kind,region,industry,registered_on,legal_representative_name\n"
        f"{FIRM},华为技术有限公司,company,440307,39,1987-09-15,赵明路\n"
        f"{OTHER_FIRM},中兴通讯股份有限公司,sole_proprietor,440305,39,1985-02-01,李四\n",
        encoding="utf-8",
    )
    public = tmp_path / "public_credit.csv"
    public.write_text("\n".join([PUBLIC_HEADER, *(line for line, _, _ in PUBLIC_ROWS)]) + "\n", encoding="utf-8")
    reader = RowReader(public, "csv", FORMATS["public_credit"].column_names)
    list(reader.batches(50))
    reader.close()
    assert reader.csv_module_from_line is None

    batch = records_import(
        files=[ImportSource("enterprises", firms), ImportSource("public_credit", public)],
        origin="test",
        fast_path=fast,
    )

    kind_mismatch = ImportRejection.objects.get(file__source="enterprises")
    assert (kind_mismatch.row_number, kind_mismatch.field, kind_mismatch.code) == (3, "kind", "kind_mismatch")
    assert kind_mismatch.raw["uscc"] == OTHER_FIRM and kind_mismatch.raw["kind"] == "sole_proprietor"
    rejected = ImportRejection.objects.filter(file__batch=batch, file__source="public_credit").order_by("row_number")
    expected = [
        (number, column, code) for number, (_, column, code) in enumerate(PUBLIC_ROWS, start=2) if code is not None
    ]
    assert [(r.row_number, r.field, r.code) for r in rejected] == expected
    for rejection in rejected:
        record_id = PUBLIC_ROWS[rejection.row_number - 2][0].split(",")[1]
        # Rows refused by the writer (a duplicate, an unknown firm) keep their cells under the model's names.
        assert rejection.raw.get("record_id", rejection.raw.get("source_record_id")) == record_id
    by_row = {r.row_number: r for r in rejected}
    assert by_row[12].params == {"first_row": 2}
    assert by_row[11].raw["title"] == "表␀彰"
    assert by_row[9].raw["title"] == "长" * 301
    assert by_row[6].raw["kind"] == "award"
    stored = dict(PublicCreditRecord.objects.values_list("source_record_id", "kind"))
    assert stored == {"P-1": "administrative_penalty", "P-12": "commendation"}
    assert PublicCreditRecord.objects.get(source_record_id="P-12").title == "表彰"
