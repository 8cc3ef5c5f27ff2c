"""A bank officer's early warnings through the API: the list of their own bank's only, and one opened with its
record, the look logged; another bank's warning is not found."""

import pytest
from django.utils import timezone

from creditloan.models import AccessLog
from matching.warnings import early_warnings_raise
from tests.factories import TaxRecordFactory, consent, paid_out


@pytest.fixture
def warned(world):
    """Bank A's loan to the firm, the firm's post-loan consent of its tax records to bank A, and a warning of
    its D tax rating."""
    world["loan"] = paid_out(world["offer"])
    consent(world["firm"], banks=[world["products"]["A"].bank], sources=("tax",), purpose="post_loan")
    world["record"] = TaxRecordFactory(enterprise=world["firm"], rating="D", rated_on=timezone.localdate())
    (world["warning"],) = early_warnings_raise(enterprise_ids=[world["firm"].pk])
    return world


def test_the_officer_lists_their_banks_warnings_and_another_bank_none(warned):
    mine = warned["as_officer_a"].get("/api/v1/bank/warnings/").json()
    theirs = warned["as_officer_b"].get("/api/v1/bank/warnings/").json()

    (row,) = mine["results"]
    assert row | {"raised_at": None} == {
        "id": warned["warning"].pk,
        "loan": warned["loan"].pk,
        "offer": warned["offer"].pk,
        "enterprise": warned["firm"].name,
        "uscc": warned["firm"].uscc,
        "kind": "tax_rating_d",
        "record_source": "tax",
        "record_id": warned["record"].pk,
        "record_date": timezone.localdate().isoformat(),
        "raised_at": None,
        "seen_at": None,
        "seen_by": None,
    }
    assert theirs["count"] == 0
    assert not AccessLog.objects.exists()


def test_opening_a_warning_gives_its_record_logs_the_look_and_marks_it_seen(warned):
    path = f"/api/v1/bank/warnings/{warned['warning'].pk}/"

    refused = warned["as_officer_b"].get(path)
    opened = warned["as_officer_a"].get(path).json()

    assert refused.status_code == 404
    assert opened["warning"]["seen_by"] == "wang" and opened["warning"]["seen_at"] is not None
    assert (opened["record"]["source"], opened["record"]["id"]) == ("tax", warned["record"].pk)
    assert opened["record"]["data"]["rating"] == "D"
    assert list(AccessLog.objects.values_list("viewer__username", "purpose", "what")) == [
        ("wang", "post_loan", "records:tax")
    ]


def test_an_applicant_may_not_list_warnings(warned):
    assert warned["as_applicant"].get("/api/v1/bank/warnings/").status_code == 403
