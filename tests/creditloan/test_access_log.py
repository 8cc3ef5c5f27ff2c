"""The access log (查询记录): every look at a firm's credit data by a bank officer or an operator is written before
the data is shown, and no code path can change or remove a row (on PostgreSQL the database refuses)."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from rest_framework.test import APIClient

from creditloan.models import AccessLog, TaxRecord, User
from creditloan.models.accounts import Role
from creditloan.services import access_record, api_token_issue, dispute_raise
from tests.factories import EnterpriseFactory, TaxRecordFactory, acting_for


@pytest.fixture
def dispute(db):
    firm = EnterpriseFactory()
    record = TaxRecordFactory(enterprise=firm)
    return dispute_raise(user=acting_for(firm), enterprise=firm, source="tax", record_id=record.pk, reason="评级有误")


@pytest.fixture
def operator(db):
    return User.objects.create_user(username="ops", role=Role.OPERATOR)


def test_the_operators_dispute_queue_logs_a_look_at_each_disputed_record_it_shows(client, dispute, operator):
    client.force_login(operator)

    client.get(reverse("operator:disputes"))

    look = AccessLog.objects.get()
    assert (look.enterprise_id, look.viewer, look.purpose) == (dispute.enterprise_id, operator, "dispute")
    assert (look.what, look.reference) == ("records:tax", f"dispute #{dispute.pk}")


def test_the_dispute_queue_through_the_api_logs_the_page_it_returns(dispute, operator):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token_issue(user=operator, name='t')[1]}")

    assert [row["id"] for row in api.get("/api/v1/operations/disputes/").json()["results"]] == [dispute.pk]
    assert AccessLog.objects.filter(purpose="dispute", reference=f"dispute #{dispute.pk}").count() == 1


@pytest.mark.postgres
@pytest.mark.parametrize(
    "change",
    [
        lambda: AccessLog.objects.update(what="nothing"),
        lambda: AccessLog.objects.all().delete(),
        lambda: connection.cursor().execute("UPDATE creditloan_accesslog SET reference = 'forged'"),
    ],
)
def test_the_database_refuses_to_change_or_remove_an_access_log_row(dispute, operator, change):
    access_record(
        viewer=operator, enterprise_id=dispute.enterprise_id, what="records:tax", purpose="dispute", reference="x"
    )

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        change()

    assert AccessLog.objects.get().what == "records:tax"


def test_an_operator_looking_up_records_in_the_back_office_is_logged_for_each_firm_shown(admin_client, dispute):
    record = TaxRecord.objects.get(enterprise_id=dispute.enterprise_id)

    admin_client.get(reverse("admin:creditloan_taxrecord_changelist"))
    admin_client.get(reverse("admin:creditloan_taxrecord_change", args=[record.pk]))

    looks = AccessLog.objects.filter(purpose="back_office").order_by("pk")
    assert [(look.enterprise_id, look.what, look.reference) for look in looks] == [
        (dispute.enterprise_id, "records:tax", f"taxrecord #{record.pk}"),
        (dispute.enterprise_id, "records:tax", f"taxrecord #{record.pk}"),
    ]
