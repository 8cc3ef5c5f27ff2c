"""Source files as government systems export them: GBK text, a byte-order mark, Excel workbooks, Chinese column
names; each rejection kept as a code and its values and read in the reader's language."""

import datetime as dt
import io
import json
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from creditloan.errors import DomainError
from creditloan.ingestion.formats import CHINESE_HEADERS, FORMATS
from creditloan.ingestion.problems import Problem, problem_text
from creditloan.ingestion.readers import detect_encoding
from creditloan.ingestion.services import ImportSource, records_import
from creditloan.models import Enterprise, ImportBatch, ImportBatchStatus, ImportRejection, TaxRecord

pytestmark = pytest.mark.django_db

FIRM = "914403001922038216"
# The same code with its last check character wrong.
BAD_CHECK = "914403001922038217"
CHINESE_FIRMS_HEADER = "统一社会信用代码,企业名称,登记机关行政区划代码,行业代码,成立日期,法定代表人\n"
FIRMS_HEADER = "uscc,name,region,industry,registered_on,legal_representative_name\n"


def imported(path: Path, source: str = "enterprises", **options) -> ImportBatch:
    return records_import(files=[ImportSource(source, path, **options)], origin="test")


def gbk_firms(tmp_path: Path) -> Path:
    """Two firms under Chinese column names, in GBK; the second founded in the future."""
    path = tmp_path / "企业名录.csv"
    text = CHINESE_FIRMS_HEADER + (
        f"{FIRM},华为技术有限公司,440307,39,1987-09-15,赵明路\n91440300708461136T,中兴通讯股份有限公司,440305,39,2097-11-11,李自学\n"
    )
    path.write_bytes(text.encode("gbk"))
    return path


def test_a_gbk_file_with_chinese_headers_is_detected_and_read(tmp_path):
    batch = imported(gbk_firms(tmp_path))

    file = batch.files.get()
    assert (batch.status, file.encoding, file.created, file.rejected) == (ImportBatchStatus.COMPLETED, "GB18030", 1, 1)
    assert Enterprise.objects.get().name == "华为技术有限公司"
    rejection = ImportRejection.objects.get()
    assert (rejection.row_number, rejection.field, rejection.code) == (3, "registered_on", "in_future")
    assert rejection.params == {"value": "2097-11-11"}


def test_a_named_encoding_is_used_and_a_file_not_in_it_fails_whole_with_the_byte(tmp_path):
    path = gbk_firms(tmp_path)

    assert imported(path, encoding="gbk").files.get().encoding == "GB18030"
    with pytest.raises(DomainError):
        imported(path, encoding="utf-8")

    failed = ImportBatch.objects.get(status=ImportBatchStatus.FAILED)
    assert failed.error_code == "not_in_encoding"
    assert failed.error_params["encoding"] == "UTF-8" and failed.error_params["name"] == "企业名录.csv"


def test_detection_reads_past_the_first_step_and_ascii_stays_utf8(tmp_path):
    late = tmp_path / "late.csv"
    late.write_bytes(b"a" * (3 << 20) + "名".encode("gbk"))
    ascii_only = tmp_path / "ascii.csv"
    ascii_only.write_bytes(b"uscc\n")

    assert detect_encoding(late) == "gb18030"
    assert detect_encoding(ascii_only) == "utf-8-sig"


def test_a_utf8_file_with_a_byte_order_mark_reads_its_first_column(tmp_path):
    path = tmp_path / "firms.csv"
    path.write_bytes(
        "\ufeff".encode()
        + (
            FIRMS_HEADER
            + f"{FIRM},华为技术有限公司,440307,39,1987-09-15,赵明路\n{FIRM[:-1]}X,无名,440307,39,2001-01-01,\n"
        ).encode()
    )

    batch = imported(path)

    file = batch.files.get()
    assert (file.encoding, file.created, file.rejected) == ("UTF-8", 1, 1)
    rejection = ImportRejection.objects.get()
    assert rejection.row_number == 3
    assert [(error["field"], error["code"]) for error in rejection.errors] == [
        ("uscc", "invalid_value"),
        ("legal_representative_name", "required"),
    ]


def write_workbook(path: Path, rows: list[list]) -> Path:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    workbook.save(path)
    return path


def test_a_workbook_is_read_with_numbers_and_dates_as_the_columns_expect(tmp_path):
    path = write_workbook(
        tmp_path / "firms.xlsx",
        [
            ["统一社会信用代码", "企业名称", "登记机关行政区划代码", "行业代码", "成立日期", "注册资本", "法定代表人"],
            [FIRM, "华为技术有限公司", 440307, 39, dt.date(1987, 9, 15), 5000000.0, "赵明路"],
            [BAD_CHECK, "坏码公司", 440307, 39, dt.datetime(2001, 1, 1), 12.5, "王五"],
            [None, None, None, None, None, None, None],
        ],
    )

    batch = imported(path)

    file = batch.files.get()
    assert (file.file_format, file.rows, file.created, file.rejected) == ("xlsx", 2, 1, 1)
    firm = Enterprise.objects.get()
    assert (firm.region, firm.industry, firm.registered_on) == ("440307", "39", dt.date(1987, 9, 15))
    assert firm.registered_capital == Decimal("5000000")
    rejection = ImportRejection.objects.get()
    assert (rejection.row_number, rejection.field, rejection.code) == (3, "uscc", "invalid_value")
    assert rejection.raw["registered_capital"] == "12.5" and rejection.raw["registered_on"] == "2001-01-01"
    assert len(file.sha256) == 64


def test_a_file_named_xlsx_that_is_not_a_workbook_fails_whole(tmp_path):
    path = tmp_path / "firms.xlsx"
    path.write_text(FIRMS_HEADER, encoding="utf-8")

    with pytest.raises(DomainError, match="not an .xlsx workbook"):
        imported(path)

    assert ImportBatch.objects.get().error_code == "not_xlsx"


@pytest.mark.parametrize(
    ("header", "named"),
    [
        ("统一社会信用代码,name,登记机关行政区划代码,行业代码,成立日期,法定代表人\n", "name"),
        (CHINESE_FIRMS_HEADER.replace("企业名称", "公司名称"), "公司名称"),
    ],
    ids=["mixed", "unknown"],
)
def test_a_header_mixing_languages_or_naming_an_unknown_column_fails_naming_it(tmp_path, header, named):
    path = tmp_path / "firms.csv"
    path.write_text(header, encoding="utf-8")

    with pytest.raises(DomainError) as refused:
        imported(path)

    assert named in refused.value.message
    assert ImportBatch.objects.get().error_code in ("mixed_headers", "bad_header")


def test_every_column_of_every_source_has_one_chinese_name():
    for source, fmt in FORMATS.items():
        chinese = CHINESE_HEADERS[source]
        assert set(chinese) == set(fmt.column_names), source
        assert len(set(chinese.values())) == len(chinese), source


def test_a_rejection_reads_in_the_readers_language(tmp_path):
    path = tmp_path / "firms.csv"
    path.write_text(FIRMS_HEADER + f"{BAD_CHECK},坏码公司,440307,39,2097-01-01,王五\n", encoding="utf-8")
    imported(path)
    rejection = ImportRejection.objects.get()

    with translation.override("zh-hans"):
        chinese = rejection.messages()
    with translation.override("en"):
        english = rejection.messages()

    assert chinese == [("uscc", "第 18 位：校验码应为 6，实际为 7"), ("registered_on", "2097-01-01 是将来的日期")]
    assert english == [
        ("uscc", "position 18: check character should be 6, got 7"),
        ("registered_on", "2097-01-01 is in the future"),
    ]


def test_a_row_from_before_codes_reads_as_it_was_stored():
    assert problem_text("", {}, fallback="is required") == "is required"
    assert str(Problem("duplicate", {"first_row": 4})).endswith("row 4, is the one that counts")


def test_the_command_takes_an_encoding_and_an_xlsx_format(tmp_path):
    out = io.StringIO()
    call_command("import_records", "enterprises", str(gbk_firms(tmp_path)), "--encoding", "gbk", "--json", stdout=out)
    assert json.loads(out.getvalue())["created"] == 1

    with pytest.raises(CommandError, match="encoding must be utf-8 or gb18030"):
        call_command("import_records", "enterprises", str(gbk_firms(tmp_path)), "--encoding", "latin-1")


def test_a_tax_file_with_chinese_headers_from_a_workbook_lands(tmp_path):
    imported(gbk_firms(tmp_path))
    path = write_workbook(
        tmp_path / "纳税.xlsx",
        [
            ["统一社会信用代码", "记录编号", "纳税年度", "纳税信用等级", "评价日期", "实缴税额", "申报收入"],
            [FIRM, "T-1", 2023, "A", dt.date(2024, 4, 15), 186500, 4200000.5],
            [FIRM, "T-2", 2023, "Z", dt.date(2024, 4, 15), 1, 1],
        ],
    )

    batch = imported(path, source="tax")

    record = TaxRecord.objects.get()
    assert (record.tax_year, record.rating, record.declared_revenue) == (2023, "A", Decimal("4200000.50"))
    rejection = ImportRejection.objects.get(file__batch=batch)
    assert (rejection.field, rejection.code, rejection.params["value"]) == ("rating", "not_a_choice", "Z")
