import datetime as dt
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from creditloan.demo.world import build_world
from creditloan.errors import DomainError
from creditloan.ingestion import writers
from creditloan.ingestion.formats import FORMATS
from creditloan.ingestion.services import ImportSource, records_import
from creditloan.models import (
    BankRecord,
    CustomsRecord,
    Enterprise,
    ImportBatch,
    ImportBatchStatus,
    ImportFile,
    ImportRejection,
    PublicCreditRecord,
    TaxRecord,
)

pytestmark = pytest.mark.django_db

SOURCES = ("enterprises", "public_credit", "tax", "customs", "bank")
MODELS = {
    "enterprises": Enterprise,
    "public_credit": PublicCreditRecord,
    "tax": TaxRecord,
    "customs": CustomsRecord,
    "bank": BankRecord,
}
# The COPY path twice: every chunk through the staged upsert (test files are far smaller than
# writers.COPY_NEW_ROWS_FROM), and new rows straight into the table by COPY from the first row on.
STRAIGHT_IN = "straight-in"
PATHS = [
    pytest.param(False, id="orm"),
    pytest.param(True, id="copy", marks=pytest.mark.postgres),
    pytest.param(STRAIGHT_IN, id="copy-new-rows-straight-in", marks=pytest.mark.postgres),
]
FIRM = "914403001922038216"
OTHER_FIRM = "91440300708461136T"
FIRMS_HEADER = "uscc,name,region,industry,registered_on,legal_representative_name\n"
TAX_HEADER = "uscc,record_id,tax_year,rating,rated_on,tax_paid,declared_revenue\n"


@pytest.fixture(scope="module")
def world():
    return build_world(40, seed=3, as_of=dt.date(2026, 10, 31))


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def firm_file(tmp_path: Path) -> Path:
    """A registry file with one firm, for tests about the records of a registered firm."""
    return write(tmp_path, "firms.csv", FIRMS_HEADER + f"{FIRM},华为技术有限公司,440307,39,1987-09-15,赵明路\n")


def store_tax_record(tmp_path: Path, fast, *, rating: str) -> None:
    """The registered firm with one tax record, T-1 for 2022, as a first import leaves it."""
    tax = write(tmp_path, "first.csv", TAX_HEADER + f"{FIRM},T-1,2022,{rating},2023-04-20,10,100\n")
    run([("enterprises", firm_file(tmp_path)), ("tax", tax)], fast=fast)


def write_source(tmp_path: Path, world, source: str, file_format: str) -> Path:
    frame = getattr(world, source)
    path = tmp_path / f"{source}.{file_format}"
    if file_format == "csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_json(path, orient="records", lines=True, force_ascii=False)
    return path


def run(files, *, fast, chunk_size=50_000, **options) -> ImportBatch:
    with pytest.MonkeyPatch.context() as patch:
        if fast == STRAIGHT_IN:
            patch.setattr(writers, "COPY_NEW_ROWS_FROM", 1)
        return records_import(
            files=[ImportSource(source, path) for source, path in files],
            origin="test",
            fast_path=None if fast is None else bool(fast),
            chunk_size=chunk_size,
            **options,
        )


def counts(batch: ImportBatch) -> dict[str, tuple[int, int, int, int, int]]:
    return {f.source: (f.rows, f.created, f.updated, f.unchanged, f.rejected) for f in batch.files.all()}


def snapshot() -> dict[str, list[tuple]]:
    """Every stored record's own values, without ids and timestamps, to compare two imports."""
    skip = {"id", "import_file", "ingested_at", "updated_at", "enterprise"}
    result = {}
    for source, model in MODELS.items():
        names = [f.attname for f in model._meta.concrete_fields if f.name not in skip]
        rows = model.objects.values_list(*names)
        if model is not Enterprise:
            rows = model.objects.values_list("enterprise__uscc", *names)
        result[source] = sorted(tuple(str(value) for value in row) for row in rows)
    return result


@pytest.mark.parametrize("fast", PATHS)
@pytest.mark.parametrize("file_format", ["csv", "jsonl"])
def test_every_source_round_trips_and_a_reimport_changes_nothing(tmp_path, world, fast, file_format):
    files = [(source, write_source(tmp_path, world, source, file_format)) for source in SOURCES]

    first = run(files, fast=fast)

    assert first.status == ImportBatchStatus.COMPLETED
    for source in SOURCES:
        expected = len(getattr(world, source))
        assert counts(first)[source] == (expected, expected, 0, 0, 0)
        assert MODELS[source].objects.count() == expected
    stored = snapshot()
    stamps = list(TaxRecord.objects.order_by("pk").values_list("updated_at", "import_file"))

    again = run(files, fast=fast)

    for source in SOURCES:
        expected = len(getattr(world, source))
        assert counts(again)[source] == (expected, 0, 0, expected, 0)
    assert snapshot() == stored
    assert list(TaxRecord.objects.order_by("pk").values_list("updated_at", "import_file")) == stamps


@pytest.mark.parametrize("fast", PATHS)
def test_stored_values_match_the_file(tmp_path, world, fast):
    files = [(source, write_source(tmp_path, world, source, "csv")) for source in ("enterprises", "tax")]
    run(files, fast=fast)
    row = world.tax.iloc[0]

    record = TaxRecord.objects.select_related("enterprise").get(source=row.source, source_record_id=row.record_id)

    assert record.enterprise.uscc == row.uscc
    assert (record.tax_year, record.rating, str(record.rated_on)) == (row.tax_year, row.rating, row.rated_on)
    assert (str(record.tax_paid), str(record.declared_revenue)) == (row.tax_paid, row.declared_revenue)
    firm = world.enterprises.iloc[0]
    enterprise = Enterprise.objects.get(uscc=firm.uscc)
    assert (enterprise.name, enterprise.kind, enterprise.region) == (firm["name"], firm.kind, firm.region)
    if firm.legal_representative_id:
        assert enterprise.legal_representative_id.unmasked == firm.legal_representative_id


@pytest.mark.parametrize("fast", PATHS)
def test_rejected_rows_are_kept_with_row_field_and_reason_while_valid_rows_land(tmp_path, fast):
    firms = write(
        tmp_path,
        "firms.csv",
        FIRMS_HEADER
        + f"{FIRM},华为技术有限公司,440307,39,1987-09-15,赵明路\n"
        + "914403001922038217,坏代码,440307,39,1987-09-15,张三\n"
        + f"{OTHER_FIRM},腾讯,440305,64,2000-02-24,\n"
        + "92440300MA5FXXXX0K,个体店,440305,52,2031-01-01,李四\n",
    )

    batch = run([("enterprises", firms)], fast=fast)

    assert counts(batch)["enterprises"] == (4, 1, 0, 0, 3)
    assert list(Enterprise.objects.values_list("uscc", flat=True)) == [FIRM]
    rejected = {r.row_number: (r.field, r.reason) for r in ImportRejection.objects.all()}
    assert rejected == {
        3: ("uscc", "position 18: check character should be 6, got 7"),
        4: ("legal_representative_name", "is required"),
        5: ("uscc", "position 17: organisation code check character should be X, got 0"),
    }
    second_problem = ImportRejection.objects.get(row_number=5).errors[1]
    assert second_problem == {
        "field": "registered_on",
        "reason": "2031-01-01 is in the future",
        "code": "in_future",
        "params": {"value": "2031-01-01"},
    }


@pytest.mark.parametrize("fast", PATHS)
def test_a_record_for_an_unknown_firm_is_rejected_unless_its_registry_row_is_in_the_batch(tmp_path, fast):
    tax = write(
        tmp_path,
        "tax.csv",
        "uscc,record_id,tax_year,rating,rated_on,tax_paid,declared_revenue\n"
        f"{FIRM},T-1,2023,A,2024-04-20,1000.50,20000\n",
    )
    firms = firm_file(tmp_path)

    alone = run([("tax", tax)], fast=fast)
    together = run([("tax", tax), ("enterprises", firms)], fast=fast)

    assert counts(alone)["tax"] == (1, 0, 0, 0, 1)
    rejection = ImportRejection.objects.get(file__batch=alone)
    assert (rejection.row_number, rejection.field) == (2, "uscc")
    assert rejection.reason.startswith("no enterprise with this code is registered")
    assert counts(together)["tax"] == (1, 1, 0, 0, 0)
    assert TaxRecord.objects.get().enterprise.uscc == FIRM


@pytest.mark.parametrize("fast", PATHS)
def test_a_record_id_repeated_in_one_file_is_rejected_even_across_chunks(tmp_path, fast):
    firms = firm_file(tmp_path)
    tax = write(
        tmp_path,
        "tax.csv",
        TAX_HEADER
        + f"{FIRM},T-1,2022,A,2023-04-20,10,100\n"
        + f"{FIRM},T-2,2023,A,2024-04-20,20,200\n"
        + f"{FIRM},T-1,2022,B,2023-04-20,99,100\n"
        + f"{FIRM},T-2,2023,A,2024-04-20,20,200\n",
    )

    batch = run([("enterprises", firms), ("tax", tax)], fast=fast, chunk_size=2)

    assert counts(batch)["tax"] == (4, 2, 0, 0, 2)
    assert TaxRecord.objects.get(source_record_id="T-1").rating == "A"
    reasons = dict(ImportRejection.objects.filter(file__source="tax").values_list("row_number", "reason"))
    assert reasons == {
        4: "appears again in this file; the first occurrence, row 2, is the one that counts",
        5: "appears again in this file; the first occurrence, row 3, is the one that counts",
    }


@pytest.mark.parametrize("fast", PATHS)
def test_a_changed_row_updates_the_record_in_place(tmp_path, fast):
    store_tax_record(tmp_path, fast, rating="B")
    record_id = TaxRecord.objects.get().pk

    batch = run(
        [("tax", write(tmp_path, "b.csv", TAX_HEADER + f"{FIRM},T-1,2022,A,2023-04-20,10.00,100\n"))], fast=fast
    )

    assert counts(batch)["tax"] == (1, 0, 1, 0, 0)
    record = TaxRecord.objects.get()
    assert (record.pk, record.rating, record.import_file.batch_id, record.source_row) == (record_id, "A", batch.pk, 2)


@pytest.mark.parametrize("fast", PATHS)
def test_a_failure_mid_batch_leaves_nothing_and_a_rerun_completes_with_exact_counts(tmp_path, world, fast):
    files = [(source, write_source(tmp_path, world, source, "csv")) for source in SOURCES]
    chunks_done = []

    def fail_on_third_chunk(progress):
        chunks_done.append(progress)
        if len(chunks_done) == 3:
            raise KeyboardInterrupt("operator pressed Ctrl-C")

    with pytest.raises(KeyboardInterrupt):
        run(files, fast=fast, chunk_size=25, on_progress=fail_on_third_chunk)

    failed = ImportBatch.objects.get()
    assert failed.status == ImportBatchStatus.FAILED
    assert "operator pressed Ctrl-C" in failed.error
    assert not failed.files.exists()
    assert all(model.objects.count() == 0 for model in MODELS.values())
    assert not ImportRejection.objects.exists()

    rerun = run(files, fast=fast, chunk_size=25)

    for source in SOURCES:
        expected = len(getattr(world, source))
        assert counts(rerun)[source] == (expected, expected, 0, 0, 0)


def test_a_killed_run_is_closed_as_interrupted_by_the_run_that_completes_it(tmp_path, world):
    path = write_source(tmp_path, world, "enterprises", "csv")
    manifest = [{"source": "enterprises", "name": path.name, "bytes": path.stat().st_size}]
    killed = ImportBatch.objects.create(origin="command", manifest=manifest)  # as a SIGKILL leaves it

    done = run([("enterprises", path)], fast=None)

    killed.refresh_from_db()
    assert (killed.status, killed.error) == (ImportBatchStatus.INTERRUPTED, f"superseded by batch {done.pk}")


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (
            "uscc,record_id,tax_year,rated_on,tax_paid,declared_revenue,colour\n",
            "tax.csv: unknown columns colour (the format's columns are uscc, record_id, tax_year, rating, rated_on, "
            "tax_paid, declared_revenue, arrears, source)",
        ),
        (
            "uscc,record_id,tax_year,rated_on,tax_paid\n",
            "tax.csv: missing required columns declared_revenue (the format's columns are uscc, record_id, "
            "tax_year, rating, rated_on, tax_paid, declared_revenue, arrears, source)",
        ),
        ("", "tax.csv: the file is empty; it needs a header row"),
    ],
)
def test_a_file_whose_columns_are_wrong_fails_whole_with_what_is_wrong(tmp_path, header, message):
    tax = write(tmp_path, "tax.csv", header)

    with pytest.raises(DomainError) as failure:
        run([("tax", tax)], fast=None)

    assert failure.value.message == message
    assert ImportBatch.objects.get().status == ImportBatchStatus.FAILED


def test_an_unknown_source_or_missing_file_is_refused_before_anything_starts(tmp_path):
    with pytest.raises(DomainError, match="unknown source “weather”; one of: enterprises, public_credit, tax"):
        run([("weather", write(tmp_path, "w.csv", "uscc\n"))], fast=None)
    with pytest.raises(DomainError, match="no such file"):
        run([("tax", tmp_path / "missing.csv")], fast=None)
    assert not ImportBatch.objects.exists()


def test_json_lines_rows_that_are_not_objects_or_carry_unknown_fields_are_rejected(tmp_path):
    lines = [
        json.dumps(
            {
                "uscc": FIRM,
                "name": "华为",
                "region": "440307",
                "industry": "39",
                "registered_on": "1987-09-15",
                "legal_representative_name": "赵明路",
            },
            ensure_ascii=False,
        ),
        "[1, 2]",
        "{not json",
        json.dumps({"uscc": OTHER_FIRM, "colour": "red"}),
    ]
    path = write(tmp_path, "firms.jsonl", "\n".join(lines) + "\n")

    batch = run([("enterprises", path)], fast=None)

    assert counts(batch)["enterprises"] == (4, 1, 0, 0, 3)
    reasons = dict(ImportRejection.objects.values_list("row_number", "reason"))
    assert reasons[2] == "is not a JSON object"
    assert reasons[3].startswith("is not valid JSON")
    assert reasons[4] == "has fields this format does not know: colour"


@pytest.mark.postgres
@pytest.mark.parametrize("copy_path", [True, STRAIGHT_IN], ids=["staged", "new-rows-straight-in"])
def test_the_copy_path_and_the_orm_path_store_the_same_records(tmp_path, world, copy_path):
    files = [(source, write_source(tmp_path, world, source, "csv")) for source in SOURCES]
    orm = run(files, fast=False)
    via_orm = snapshot()
    for model in [TaxRecord, CustomsRecord, BankRecord, PublicCreditRecord, Enterprise]:
        model.objects.all().delete()

    copy = run(files, fast=copy_path)

    assert snapshot() == via_orm
    assert {s: c[1:] for s, c in counts(copy).items()} == {s: c[1:] for s, c in counts(orm).items()}
    assert connection.vendor == "postgresql"


def test_the_command_prints_a_json_summary(tmp_path, capsys):
    firms = firm_file(tmp_path)

    call_command("import_records", "enterprises", str(firms), "--json")

    summary = json.loads(capsys.readouterr().out)
    batch = ImportBatch.objects.get()
    # The batch's one file, its one row created; the batch's totals are that file's.
    one_row_created = {"rows": 1, "accepted": 1, "created": 1, "updated": 0, "unchanged": 0, "rejected": 0}
    assert summary == {
        "batch": batch.pk,
        "status": "completed",
        **one_row_created,
        "files": [{"source": "enterprises", "name": "firms.csv", **one_row_created}],
    }


@pytest.mark.parametrize("fast", PATHS)
def test_a_rejected_row_keeps_the_resident_id_masked(tmp_path, fast):
    header = "uscc,name,region,industry,registered_on,legal_representative_name,legal_representative_id\n"
    row = f"{FIRM},华为技术有限公司,440307,39,1987-09-15,赵明路,11010519491231002X\n"
    bad = f"{OTHER_FIRM},腾讯,440305,64,2000-02-24,,11010519491231002X\n"
    firms = write(tmp_path, "firms.csv", header + row + row + bad)

    run([("enterprises", firms)], fast=fast)

    raws = dict(ImportRejection.objects.values_list("row_number", "raw"))
    assert raws[3]["legal_representative_id"] == "110***********002X"
    assert raws[4]["legal_representative_id"] == "110***********002X"
    assert "11010519491231002X" not in json.dumps(list(raws.values()))


@pytest.mark.parametrize("fast", PATHS)
def test_a_repeat_of_a_key_first_found_unchanged_is_still_a_duplicate(tmp_path, fast):
    store_tax_record(tmp_path, fast, rating="A")
    again = write(
        tmp_path,
        "b.csv",
        TAX_HEADER
        + f"{FIRM},T-1,2022,A,2023-04-20,10,100\n"
        + f"{FIRM},T-2,2023,A,2024-04-20,20,200\n"
        + f"{FIRM},T-1,2022,C,2023-04-20,10,100\n",
    )

    batch = run([("tax", again)], fast=fast, chunk_size=2)

    assert counts(batch)["tax"] == (3, 1, 0, 1, 1)
    assert TaxRecord.objects.get(source_record_id="T-1").rating == "A"
    rejection = ImportRejection.objects.get(file__batch=batch)
    assert (rejection.row_number, rejection.reason) == (
        4,
        "appears again in this file; the first occurrence, row 2, is the one that counts",
    )


@pytest.mark.parametrize("fast", PATHS)
def test_free_text_with_line_breaks_tabs_and_backslashes_is_stored_as_written(tmp_path, fast):
    firms = firm_file(tmp_path)
    header = "uscc,record_id,kind,authority,title,decision_date\n"
    title = 'line one\nline two\twith a tab, a "quote" and C:\\path'
    quoted = '"' + title.replace('"', '""') + '"'
    public = write(
        tmp_path,
        "public.csv",
        header
        + f"{FIRM},P-1,commendation,市人民政府,{quoted},2024-05-01\n"
        + f"{FIRM},P-2,commendation,市人民政府\n"
        + f"{FIRM},P-3,commendation,市人民政府,,2024-05-02\n"
        + f"{FIRM},P-4,commendation,市人民政府,{quoted},2024-13-01\n",
    )

    batch = run([("enterprises", firms), ("public_credit", public)], fast=fast)

    assert counts(batch)["public_credit"] == (4, 2, 0, 0, 2)
    assert PublicCreditRecord.objects.get(source_record_id="P-1").title == title
    assert PublicCreditRecord.objects.get(source_record_id="P-3").title == ""
    rejected = ImportRejection.objects.filter(file__source="public_credit").values_list("row_number", "field", "reason")
    # A row is numbered by the line it starts on; each quoted title spans two lines.
    assert list(rejected) == [
        (4, "row", "has 4 fields, the header has 6"),
        (6, "decision_date", "'2024-13-01' is not a date (YYYY-MM-DD)"),
    ]


@pytest.mark.parametrize("fast", PATHS)
def test_a_repair_dated_within_the_minimum_publication_takes_effect_when_it_ends(tmp_path, fast):
    header = "uscc,record_id,kind,severity,authority,decision_date,repaired_on\n"
    penalties = write(
        tmp_path,
        "public_credit.csv",
        header
        + f"{FIRM},P-1,administrative_penalty,ordinary,市场监管局,2025-01-31,2025-04-29\n"  # 3 months: 04-30
        + f"{FIRM},P-2,administrative_penalty,ordinary,市场监管局,2025-01-31,2025-05-02\n"
        + f"{FIRM},P-3,administrative_penalty,serious,市场监管局,2025-01-10,2025-12-10\n"  # 12 months: 2026-01-10
        + f"{FIRM},P-4,administrative_penalty,minor,市场监管局,2025-01-10,2025-01-10\n"
        + f"{FIRM},P-5,dishonest_judgment_debtor,,法院,2025-01-10,2025-01-11\n",
    )

    batch = run([("enterprises", firm_file(tmp_path)), ("public_credit", penalties)], fast=fast)

    assert counts(batch)["public_credit"] == (5, 5, 0, 0, 0)
    repaired = dict(PublicCreditRecord.objects.values_list("source_record_id", "repaired_on"))
    assert {key: str(day) for key, day in repaired.items()} == {
        "P-1": "2025-04-30",
        "P-2": "2025-05-02",
        "P-3": "2026-01-10",
        "P-4": "2025-01-10",
        "P-5": "2025-01-11",
    }


def test_the_minimum_publication_periods_are_configuration(tmp_path, settings):
    settings.CREDIT_REPAIR_MIN_PUBLICATION_MONTHS = {"minor": 3, "ordinary": 3, "serious": 12}
    penalty = write(
        tmp_path,
        "public_credit.csv",
        "uscc,record_id,kind,severity,authority,decision_date,repaired_on\n"
        f"{FIRM},P-1,administrative_penalty,minor,市场监管局,2025-01-10,2025-02-10\n",
    )

    run([("enterprises", firm_file(tmp_path)), ("public_credit", penalty)], fast=False)

    assert str(PublicCreditRecord.objects.get().repaired_on) == "2025-04-10"


ODD_CELLS = [
    pytest.param("tax_paid", "１００", "'１００': write digits as 0–9 (half-width)", id="full-width-amount"),
    pytest.param("tax_year", "٢٠٢٣", "'٢٠٢٣': write digits as 0–9 (half-width)", id="arabic-indic-year"),
    pytest.param("rated_on", "２０２４-04-01", "'２０２４-04-01': write digits as 0–9", id="full-width-date"),
    pytest.param("tax_paid", "100\x00", "holds a NUL character", id="nul-in-amount"),
    pytest.param("record_id", "T-9\x00", "holds a NUL character", id="nul-in-text"),
    pytest.param("record_id", "T" * 200_000, "characters long; at most", id="cell-over-128-kib"),
]


@pytest.mark.parametrize("fast", PATHS)
@pytest.mark.parametrize(("column", "cell", "reason"), ODD_CELLS)
def test_an_odd_cell_rejects_its_row_and_every_other_row_lands(tmp_path, fast, column, cell, reason):
    good = {"uscc": FIRM, "record_id": "", "tax_year": "2024", "rating": "B", "rated_on": "2025-04-01"}
    good |= {"tax_paid": "100", "declared_revenue": "1000"}
    rows = [good | {"record_id": f"T-{n}"} for n in range(1, 4)]
    rows[1] = rows[1] | {column: cell}
    lines = [",".join(f'"{row[name]}"' for name in TAX_HEADER.strip().split(",")) for row in rows]
    tax = write(tmp_path, "tax.csv", TAX_HEADER + "\n".join(lines) + "\n")

    batch = run([("enterprises", firm_file(tmp_path)), ("tax", tax)], fast=fast)

    assert batch.status == ImportBatchStatus.COMPLETED
    assert sorted(TaxRecord.objects.values_list("source_record_id", flat=True)) == ["T-1", "T-3"]
    rejection = ImportRejection.objects.get()
    assert (rejection.row_number, rejection.field) == (3, column)
    assert reason in rejection.reason


@pytest.mark.parametrize("fast", PATHS)
def test_a_json_line_nested_too_deep_rejects_that_line_only(tmp_path, fast):
    good = {"uscc": FIRM, "tax_year": 2024, "rating": "B", "rated_on": "2025-04-01", "tax_paid": "100"}
    good |= {"declared_revenue": "1000"}
    lines = [json.dumps(good | {"record_id": "T-1"}), "[" * 5000 + "]" * 5000, json.dumps(good | {"record_id": "T-3"})]
    tax = write(tmp_path, "tax.jsonl", "\n".join(lines) + "\n")

    batch = run([("enterprises", firm_file(tmp_path)), ("tax", tax)], fast=fast)

    assert batch.status == ImportBatchStatus.COMPLETED
    assert sorted(TaxRecord.objects.values_list("source_record_id", flat=True)) == ["T-1", "T-3"]
    assert ImportRejection.objects.get().reason.endswith("nests arrays and objects too deep to read")


@pytest.mark.postgres
def test_new_rows_go_straight_in_until_a_chunk_carries_a_key_already_stored(tmp_path, monkeypatch):
    monkeypatch.setattr(writers, "COPY_NEW_ROWS_FROM", 1)
    run([("enterprises", firm_file(tmp_path))], fast=True)
    fmt = FORMATS["tax"]
    batch = ImportBatch.objects.create(origin="test", manifest=[])
    file = ImportFile.objects.create(batch=batch, source="tax", name="tax.csv", file_format="csv", encoding="UTF-8")
    writer = writers.PostgresWriter(fmt, file, timezone.now())

    def chunk(first_row: int, *rows: str) -> writers.Chunk:
        cells = [row.split(",") + [None, None] for row in rows]  # no arrears, no source: their defaults
        table, rejected = fmt.validate_chunk(range(first_row, first_row + len(rows)), list(zip(*cells)))
        assert not rejected
        return writers.Chunk(table=table)

    new = writer.apply(chunk(2, f"{FIRM},T-1,2022,A,2023-04-20,10,100", f"{OTHER_FIRM},T-2,2022,A,2023-04-20,1,2"))
    straight_in_after_new_rows = writer._new_rows_straight_in
    repeated = writer.apply(chunk(4, f"{FIRM},T-3,2023,B,2024-04-20,5,50", f"{FIRM},T-1,2022,A,2023-04-20,10,100"))

    assert (new.created, new.rejected, straight_in_after_new_rows) == (1, 1, True)
    assert (repeated.created, repeated.rejected, writer._new_rows_straight_in) == (1, 1, False)
    assert sorted(TaxRecord.objects.values_list("source_record_id", "source_row")) == [("T-1", 2), ("T-3", 4)]
    assert TaxRecord.objects.get(source_record_id="T-1").import_file == file
    reasons = dict(ImportRejection.objects.values_list("row_number", "code"))
    assert reasons == {3: "unknown_firm", 5: "duplicate"}
    assert ImportRejection.objects.get(row_number=3).raw["uscc"] == OTHER_FIRM
