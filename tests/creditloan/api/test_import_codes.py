"""Through the API a rejected row gives its code, its values and the message in the request's language; a source
system names its file's encoding in the Content-Type."""

from creditloan.models import ImportRejection, TaxRecord
from tests.creditloan.api.test_source_push import pusher

HEADER = "统一社会信用代码,记录编号,纳税年度,纳税信用等级,评价日期,实缴税额,申报收入\n"


def test_a_gbk_push_with_chinese_headers_lands_and_its_rejection_reads_in_each_language(world):
    uscc = world["firm"].uscc
    body = HEADER + f"{uscc},T-1,2025,B,2026-04-01,80000,2000000\n{uscc},T-2,2025,B,2098-04-01,80000,2000000\n"

    pushed = pusher("tax").post(
        "/api/v1/sources/tax/records/", body.encode("gbk"), content_type="text/csv; charset=gbk"
    )
    batch = pushed.json()
    url = f"/api/v1/operations/imports/{batch['id']}/rejections/"
    english = world["as_operator"].get(url, HTTP_ACCEPT_LANGUAGE="en").json()["results"][0]
    chinese = world["as_operator"].get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").json()["results"][0]

    assert pushed.status_code == 201 and batch["files"][0]["encoding"] == "GB18030"
    assert TaxRecord.objects.get().source_record_id == "T-1"
    assert (english["code"], english["params"]) == ("in_future", {"value": "2098-04-01"})
    assert english["message"] == "2098-04-01 is in the future"
    assert chinese["message"] == "2098-04-01 是将来的日期"
    assert chinese["errors"][0]["message"] == "2098-04-01 是将来的日期"
    assert ImportRejection.objects.get().reason == "2098-04-01 is in the future"


def test_a_push_naming_an_encoding_it_is_not_in_is_refused_with_the_reason(world):
    uscc = world["firm"].uscc
    body = HEADER + f"{uscc},T-1,2025,B,2026-04-01,80000,2000000\n"

    refused = pusher("tax").post(
        "/api/v1/sources/tax/records/", body.encode("gbk"), content_type="text/csv; charset=utf-8"
    )

    assert refused.status_code == 400, refused.json()
    assert "not UTF-8 text near byte" in str(refused.json())
