"""An operator uploads a GBK CSV with Chinese column names from the imports page, follows its batch to the end and
reads the rejected row, in Chinese at a desk's width and in English at a phone's."""

import re

import pytest

from creditloan.demo.services import demo_accounts_create
from creditloan.models import Enterprise, ImportBatch, ImportBatchStatus
from tests.creditloan.pages.test_browser import (
    DESK_ZH,
    PHONE_EN,
    Screens,
    browser,  # noqa: F401 (a fixture)
    fits_the_screen,
    log_in,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]

GOOD = "914403001922038216"
BAD_CHECK = "914403001922038217"
UPLOAD = (
    "统一社会信用代码,企业名称,登记机关行政区划代码,行业代码,成立日期,法定代表人\n"
    f"{GOOD},深圳市示例科技有限公司,440305,39,2015-06-18,张三\n"
    f"{BAD_CHECK},坏码公司,440305,39,2015-06-18,李四\n"
)
SAYS = {
    "zh-CN": {"reason": "第 18 位：校验码应为 6，实际为 7", "status": "已完成"},
    "en-US": {"reason": "position 18: check character should be 6, got 7", "status": "Completed"},
}


@pytest.fixture
def operator_world(live_server, settings, tmp_path):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.MEDIA_ROOT = str(tmp_path)
    demo_accounts_create(banks=[])
    return {"url": live_server.url}


@pytest.mark.parametrize("context", [DESK_ZH, PHONE_EN], ids=["zh-1280", "en-390"])
def test_the_operator_uploads_a_gbk_file_with_chinese_headers_and_reads_the_rejected_row(
    browser,  # noqa: F811 (the fixture imported above)
    operator_world,
    context,
):
    url, locale = operator_world["url"], context["locale"]
    says = SAYS[locale]
    screens = Screens(f"import_upload_{locale[:2]}_{context['viewport']['width']}")
    page = browser.new_context(**context).new_page()
    log_in(page, url, "operator")

    page.goto(f"{url}/operations/imports/")
    page.locator("a[href$='/operations/imports/upload/']").click()
    page.wait_for_url(re.compile(r"/operations/imports/upload/$"))
    assert fits_the_screen(page)
    screens.keep(page, "01-upload-form")
    page.select_option("[name=source]", "enterprises")
    page.set_input_files(
        "[name=file]", files=[{"name": "企业名录.csv", "mimeType": "text/csv", "buffer": UPLOAD.encode("gbk")}]
    )
    page.locator("[data-testid=upload-form] button[type=submit]").click()
    page.wait_for_url(re.compile(r"/operations/imports/\d+/$"))
    # The batch page follows the import while it runs and reloads itself once it has ended.
    page.wait_for_function("!document.getElementById('import-progress')", timeout=30_000)

    main = page.locator("main").inner_text()
    assert says["status"] in main and "GB18030" in main
    assert says["reason"] in page.locator("[data-testid=rejections]").inner_text()
    assert fits_the_screen(page)
    screens.keep(page, "02-batch-finished")
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatchStatus.COMPLETED
    assert [(f.created, f.rejected) for f in batch.files.all()] == [(1, 1)]
    assert Enterprise.objects.get().uscc == GOOD
    page.context.close()
