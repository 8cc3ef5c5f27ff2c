"""An operator uploads a source file from the imports page; a worker imports it, and the batch page follows it,
then shows the counts and the rejected rows in the page's language."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from creditloan.ingestion.uploads import upload_directory
from creditloan.models import Enterprise, ImportBatch, ImportBatchStatus, OutboxMessage

FIRM = "914403001922038216"
HEADER = "统一社会信用代码,企业名称,登记机关行政区划代码,行业代码,成立日期,法定代表人\n"


def gbk_upload(rows: str, name: str = "企业名录.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (HEADER + rows).encode("gbk"), content_type="text/csv")


def good_and_bad() -> str:
    return (
        f"{FIRM},华为技术有限公司,440307,39,1987-09-15,赵明路\n914403001922038217,坏码公司,440307,39,2001-01-01,王五\n"
    )


@pytest.fixture
def operator(client, world, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.CELERY_TASK_ALWAYS_EAGER = True
    client.force_login(world["operator"])
    return client


@pytest.mark.parametrize(
    ("language", "reason"),
    [("zh-hans", "第 18 位：校验码应为 6，实际为 7"), ("en", "position 18: check character should be 6, got 7")],
)
def test_an_uploaded_gbk_file_is_imported_and_its_rejected_row_reads_in_the_pages_language(
    operator, django_capture_on_commit_callbacks, language, reason
):
    with django_capture_on_commit_callbacks(execute=True):
        sent = operator.post(
            reverse("operator:import_upload"),
            {"source": "enterprises", "file": gbk_upload(good_and_bad()), "encoding": ""},
            HTTP_ACCEPT_LANGUAGE=language,
        )

    batch = ImportBatch.objects.get()
    assert sent.status_code == 302 and sent.url == reverse("operator:import", args=[batch.pk])
    assert (batch.status, batch.origin, batch.started_by.username) == (ImportBatchStatus.COMPLETED, "upload", "ops")
    assert Enterprise.objects.get(uscc=FIRM).name == "华为技术有限公司"
    assert not upload_directory(batch.pk).exists()  # the kept file goes once the batch ends
    assert not OutboxMessage.objects.filter(task="creditloan.tasks.import_upload").exists()
    page = operator.get(sent.url, HTTP_ACCEPT_LANGUAGE=language)
    text = page.content.decode()
    assert reason in text and "GB18030" in text
    assert 'id="import-progress"' not in text


def test_a_running_upload_shows_its_progress_and_follows_it_without_inline_script(operator):
    batch = ImportBatch.objects.create(
        origin="upload", manifest=[{"source": "enterprises", "name": "x.csv", "bytes": 10, "encoding": ""}]
    )
    directory = upload_directory(batch.pk)
    directory.mkdir(parents=True)
    (directory / "progress.json").write_text('{"bytes_done": 5, "bytes_total": 10, "rows": 1200}')

    page = operator.get(reverse("operator:import", args=[batch.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    state = operator.get(reverse("operator:import_progress", args=[batch.pk])).json()

    assert 'data-status="running"' in page and 'value="50"' in page and "import-progress.js" in page
    assert "<script>" not in page
    assert state == {"status": "running", "percent": 50, "rows": 1200}


def test_rejected_rows_are_shown_a_page_at_a_time(operator, django_capture_on_commit_callbacks):
    rows = "".join(f"{FIRM[:-1]}X,坏码{index},440307,39,2001-01-01,王五\n" for index in range(60))
    with django_capture_on_commit_callbacks(execute=True):
        operator.post(reverse("operator:import_upload"), {"source": "enterprises", "file": gbk_upload(rows)})
    batch = ImportBatch.objects.get()

    first = operator.get(reverse("operator:import", args=[batch.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    second = operator.get(
        reverse("operator:import", args=[batch.pk]) + "?page=2", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()

    assert "60 rejected rows" in first and "Page 1 of 2" in first and "坏码49" not in first
    assert "Page 2 of 2" in second and "<td>61</td>" in second


@pytest.mark.parametrize(
    ("upload", "field", "reason"),
    [
        (SimpleUploadedFile("firms.csv", b""), "file", "The submitted file is empty."),
        (SimpleUploadedFile("firms.txt", b"uscc\n"), "file", "“firms.txt” is not a .csv, .jsonl or .xlsx file"),
        (SimpleUploadedFile("firms.csv", b"uscc\n" * 100), "file", "at most 0 MiB can be uploaded"),
    ],
    ids=["empty", "extension", "too-large"],
)
def test_a_bad_upload_is_refused_with_the_reason_and_nothing_kept(operator, settings, upload, field, reason):
    settings.SOURCE_MAX_BODY_BYTES = 100

    refused = operator.post(
        reverse("operator:import_upload"), {"source": "enterprises", "file": upload}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert refused.status_code == 400
    assert any(reason in error for error in refused.context["form"].errors[field])
    assert ImportBatch.objects.count() == 0


def test_a_file_refused_by_the_importer_fails_its_batch_with_the_reason(operator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        operator.post(
            reverse("operator:import_upload"),
            {"source": "enterprises", "file": gbk_upload(good_and_bad()), "encoding": "utf-8"},
        )
    batch = ImportBatch.objects.get()

    page = operator.get(reverse("operator:import", args=[batch.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert batch.status == ImportBatchStatus.FAILED and batch.error_code == "not_in_encoding"
    assert "企业名录.csv: not UTF-8 text near byte" in page
    assert not Enterprise.objects.filter(name="华为技术有限公司").exists()


def test_the_upload_page_is_for_operators_only(client, world):
    client.force_login(world["officer_a"])

    assert client.get(reverse("operator:import_upload")).status_code in (403, 404)
