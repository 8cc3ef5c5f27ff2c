"""Tests for the admin: every model's pages render, personal data stays masked, the import trail is read-only."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from creditloan.models import (
    AccessLog,
    AgreementAcceptance,
    ApiToken,
    Application,
    Authorisation,
    Bank,
    BankRecord,
    CalendarDay,
    ClaimAttempt,
    CustomsRecord,
    Dispute,
    Enterprise,
    EnterpriseMembership,
    IdempotencyRecord,
    ImportBatch,
    ImportBatchStatus,
    ImportFile,
    ImportRejection,
    KnockOutReview,
    LoanPrimeRate,
    OutboxMessage,
    PhoneCode,
    PublicCreditRecord,
    RecordSource,
    Role,
    SourceKey,
    TaxRecord,
    User,
)
from matching.models import (
    ApprovalModelVersion,
    BankMonth,
    EarlyWarning,
    Escalation,
    EscalationUrge,
    Loan,
    LoanProduct,
    LoanStatusReport,
    MatchingSettings,
    Offer,
    OfferStatus,
    Ranking,
)
from scoring.models import ModelVersion, PolicyRule, Rating, Score, TrainingRun
from tests.factories import (
    ApplicationFactory,
    BankFactory,
    EnterpriseFactory,
    LoanProductFactory,
    PublicCreditRecordFactory,
    TaxRecordFactory,
    member_of,
    score_of,
)

RESIDENT_ID = "11010519491231002X"
MASKED_RESIDENT_ID = "110***********002X"
PHONE = "13812345678"


@pytest.fixture
def one_of_each(db) -> dict[type, object]:
    """One row of every registered model, linked the way the platform links them."""
    now = timezone.now()
    bank = BankFactory(code="ICBC-SZ", name="工商银行深圳分行")
    officer = User.objects.create_user(username="officer", role=Role.BANK_OFFICER, bank=bank, phone=PHONE)
    applicant = User.objects.create_user(username="applicant", phone=PHONE)
    batch = ImportBatch.objects.create(
        status=ImportBatchStatus.COMPLETED, origin="cli", started_by=officer, finished_at=now, manifest=[]
    )
    import_file = ImportFile.objects.create(
        batch=batch,
        source=RecordSource.ENTERPRISES,
        name="enterprises.csv",
        file_format="csv",
        rows=2,
        created=1,
        rejected=1,
    )
    rejection = ImportRejection.objects.create(
        file=import_file,
        row_number=3,
        field="region",
        reason="999999 is not a GB/T 2260 code: no province 99",
        errors=[{"field": "region", "reason": "999999 is not a GB/T 2260 code: no province 99"}],
        raw={"uscc": "91440300708461136T", "region": "999999", "legal_representative_id": RESIDENT_ID},
    )
    enterprise = EnterpriseFactory(legal_representative_id=RESIDENT_ID, import_file=import_file, source_row=2)
    provenance = {"enterprise": enterprise, "source": "feed", "ingested_at": now, "updated_at": now}
    application = ApplicationFactory(enterprise=enterprise, applicant=applicant)
    product = LoanProductFactory(bank=bank, name="税务贷")
    offer = Offer.objects.create(
        application=application,
        product=product,
        bank=product.bank,
        rank=1,
        status=OfferStatus.DISBURSED,
        offered_at=now,
        deadline=now + dt.timedelta(days=3),
        decided_at=now,
        decided_by=officer,
    )
    settings_v1 = MatchingSettings.objects.get(number=1)
    approval = ApprovalModelVersion.objects.create(
        number=1,
        coefficients={"banks": ["ICBC-SZ"], "intercept": [0.1], "pd_slope": [-1.0], "amount_slope": 0.0},
        trained_at=now,
    )
    version = ModelVersion.objects.create(
        number=1,
        model_text="tree\n",
        manifest={"model_sha256": "0" * 64},
        sha256="0" * 64,
        metrics={"lightgbm": {"auc": 0.74}, "baseline": {"auc": 0.71}},
        beats_baseline=True,
        trained_at=now,
    )
    score = score_of(application, model_version=version)
    tax_record = TaxRecordFactory(enterprise=enterprise)
    return {
        User: applicant,
        Enterprise: enterprise,
        EnterpriseMembership: member_of(applicant, enterprise),
        Application: application,
        KnockOutReview: KnockOutReview.objects.create(
            application=application,
            rules=[{"rule": "dishonest-judgment-debtor", "reason_zh": "失信被执行人", "reason_en": "listed"}],
            reason="已履行完毕",
            requested_by=applicant,
            requested_at=now,
            due_on=dt.date(2026, 12, 31),
        ),
        PublicCreditRecord: PublicCreditRecordFactory(enterprise=enterprise),
        TaxRecord: tax_record,
        CustomsRecord: CustomsRecord.objects.create(
            **provenance,
            source_record_id="C1",
            year=2024,
            reported_on=dt.date(2025, 1, 15),
            credit_class="registered",
            import_value=Decimal("100000"),
            export_value=Decimal("900000"),
        ),
        BankRecord: BankRecord.objects.create(
            **provenance,
            source_record_id="B1",
            reporting_bank="ICBC-SZ",
            as_of=dt.date(2025, 5, 31),
            outstanding_balance=Decimal("200000"),
            credit_limit=Decimal("500000"),
            deposit_turnover=Decimal("3000000"),
        ),
        Dispute: Dispute.objects.create(
            enterprise=enterprise,
            source="tax",
            record_id=tax_record.pk,
            record_summary=str(tax_record),
            reason="税额有误",
            raised_by=applicant,
            raised_at=now,
            due_on=dt.date(2026, 12, 31),
        ),
        ImportBatch: batch,
        ImportFile: import_file,
        ImportRejection: rejection,
        Bank: bank,
        LoanPrimeRate: LoanPrimeRate.objects.get_or_create(
            effective_on=dt.date(2025, 5, 20), defaults={"one_year": Decimal("0.03"), "five_year": Decimal("0.035")}
        )[0],
        LoanProduct: product,
        Offer: offer,
        Loan: Loan.objects.create(
            offer=offer,
            amount=Decimal("500000"),
            annual_rate=Decimal("0.0400"),
            term_months=12,
            disbursed_on=dt.date(2025, 6, 1),
        ),
        ModelVersion: version,
        Score: score,
        # The firm's rating agrees with its score, as the platform's do.
        Rating: Rating.objects.create(
            enterprise=enterprise,
            model_version=version,
            as_of=score.as_of,
            probability_of_default=score.probability_of_default,
            points=score.points,
            grade=score.grade,
            rated_at=now,
        ),
        PolicyRule: PolicyRule.objects.get(code="dishonest-judgment-debtor"),
        MatchingSettings: settings_v1,
        ApprovalModelVersion: approval,
        Ranking: Ranking.objects.create(
            application=application,
            score=score,
            settings=settings_v1,
            approval_model=approval,
            entries=[{"product": product.pk, "utility": 0.7, "bank": "ICBC-SZ"}],
            created_at=now,
        ),
        BankMonth: BankMonth.objects.create(bank=product.bank, month=dt.date(2025, 6, 1), offers=1),
        Authorisation: Authorisation.objects.create(
            enterprise=enterprise,
            granted_by=officer,
            sources=["tax"],
            purpose="financing",
            text="授权 / authorised",
            granted_at=now,
            expires_on=dt.date(2026, 12, 31),
        ),
        AccessLog: AccessLog.objects.create(
            enterprise=enterprise,
            viewer=officer,
            bank=officer.bank,
            what="application, score and reasons",
            purpose="offer_review",
            reference="offer #1",
        ),
        TrainingRun: TrainingRun.objects.create(started_by=officer, queued_at=now, status="done", step=6),
        ApiToken: ApiToken.objects.create(
            user=officer,
            name="core banking",
            prefix="abcd1234",
            digest="f" * 64,
            created_at=now,
            expires_at=now + dt.timedelta(days=90),
        ),
        IdempotencyRecord: IdempotencyRecord.objects.create(
            user=officer,
            key="k-1",
            operation="POST /api/v1/offers/1/accept/",
            fingerprint="0" * 64,
            status_code=200,
            body={"id": 1},
            created_at=now,
        ),
        SourceKey: SourceKey.objects.create(
            source="tax", name="tax bureau", prefix="src12345", digest="e" * 64, created_at=now
        ),
        OutboxMessage: OutboxMessage.objects.create(
            task="scoring.tasks.score_application", args=[1], created_at=now, next_attempt_at=now
        ),
        ClaimAttempt: ClaimAttempt.objects.create(
            user=applicant, enterprise=enterprise, succeeded=False, attempted_at=now, address="127.0.0.1"
        ),
        AgreementAcceptance: AgreementAcceptance.objects.create(
            user=applicant, document="privacy_notice", version="2026-12-03", accepted_at=now
        ),
        PhoneCode: PhoneCode.objects.create(
            phone=PHONE,
            purpose="confirm",
            user=applicant,
            digest="d" * 64,
            sent_at=now,
            expires_at=now + dt.timedelta(minutes=10),
        ),
        LoanStatusReport: LoanStatusReport.objects.create(
            loan=Loan.objects.get(offer=offer),
            as_of=dt.date(2025, 7, 1),
            status="past_due",
            days_past_due=12,
            channel="api",
            reported_at=now,
        ),
        EarlyWarning: EarlyWarning.objects.create(
            bank=bank,
            loan=Loan.objects.get(offer=offer),
            enterprise=enterprise,
            kind="tax_rating_d",
            record_source="tax",
            record_id=tax_record.pk,
            record_date=tax_record.rated_on,
            summary="2025 D",
            raised_at=now,
        ),
        CalendarDay: CalendarDay.objects.create(
            date=dt.date(2027, 1, 1), working=False, note="元旦", recorded_by=officer
        ),
        **_escalated(offer, now=now, by=officer),
    }


def _escalated(offer, *, now, by) -> dict:
    """The offer's 督办, resolved as decided late, with one urging of the bank."""
    escalation = Escalation.objects.create(
        offer=offer, opened_at=now, resolved_at=now, resolution="decided_late", resolved_by=by
    )
    urge = EscalationUrge.objects.create(escalation=escalation, urged_at=now, urged_by=by)
    return {Escalation: escalation, EscalationUrge: urge}


# Records the admin shows but never lets anyone rewrite.
AUDIT_TRAIL = [
    ImportBatch,
    ImportFile,
    ImportRejection,
    MatchingSettings,
    ApprovalModelVersion,
    Ranking,
    BankMonth,
    Authorisation,
    Dispute,
    KnockOutReview,
    AccessLog,
    TrainingRun,
    ApiToken,
    IdempotencyRecord,
    SourceKey,
    OutboxMessage,
    ClaimAttempt,
    AgreementAcceptance,
    PhoneCode,
    EarlyWarning,
    LoanStatusReport,
    Escalation,
    EscalationUrge,
]
MODELS = [
    User,
    Enterprise,
    EnterpriseMembership,
    Application,
    PublicCreditRecord,
    TaxRecord,
    CustomsRecord,
    BankRecord,
    Bank,
    LoanPrimeRate,
    CalendarDay,
    LoanProduct,
    Offer,
    Loan,
    ModelVersion,
    Score,
    Rating,
    PolicyRule,
    *AUDIT_TRAIL,
]
# A search field naming a missing relation or field fails only when someone searches.
SEARCHABLE = [model for model in MODELS if admin.site.get_model_admin(model).search_fields]


def admin_url(model: type, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.mark.parametrize("app_label", ["creditloan", "matching", "scoring"])
def test_every_model_of_the_app_is_registered(app_label):
    models = set(apps.get_app_config(app_label).get_models())

    assert {model for model in models if not admin.site.is_registered(model)} == set()
    assert models <= set(MODELS)


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_changelist_lists_the_row(admin_client, one_of_each, model):
    response = admin_client.get(admin_url(model, "changelist"))

    assert response.status_code == 200
    assert one_of_each[model] in response.context["cl"].result_list


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_change_page_renders(admin_client, one_of_each, model):
    response = admin_client.get(admin_url(model, "change", one_of_each[model].pk))

    assert response.status_code == 200


@pytest.mark.parametrize("model", SEARCHABLE, ids=lambda model: model.__name__)
def test_changelist_search_runs(admin_client, one_of_each, model):
    response = admin_client.get(admin_url(model, "changelist"), {"q": "9144"})

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("model", "view"),
    [(Enterprise, "change"), (Enterprise, "changelist"), (ImportFile, "change"), (ImportRejection, "change")],
)
def test_resident_id_appears_only_masked(admin_client, one_of_each, model, view):
    args = (one_of_each[model].pk,) if view == "change" else ()

    html = admin_client.get(admin_url(model, view, *args)).content.decode()

    assert RESIDENT_ID not in html
    assert MASKED_RESIDENT_ID in html


def test_resident_id_is_not_an_editable_field(admin_client, one_of_each):
    response = admin_client.get(admin_url(Enterprise, "change", one_of_each[Enterprise].pk))

    assert "legal_representative_id" not in response.context["adminform"].form.fields
    assert "name" in response.context["adminform"].form.fields


def test_user_list_shows_phone_masked(admin_client, one_of_each):
    html = admin_client.get(admin_url(User, "changelist")).content.decode()

    assert PHONE not in html
    assert "138****5678" in html


@pytest.mark.parametrize("model", AUDIT_TRAIL, ids=lambda model: model.__name__)
def test_records_of_what_happened_cannot_be_added_changed_or_deleted(admin_client, one_of_each, model):
    pk = one_of_each[model].pk

    assert admin_client.get(admin_url(model, "add")).status_code == 403
    assert admin_client.post(admin_url(model, "change", pk), {}).status_code == 403
    assert admin_client.get(admin_url(model, "delete", pk)).status_code == 403
    assert model.objects.filter(pk=pk).exists()


@pytest.mark.parametrize(
    ("model", "lookup"),
    [
        (Enterprise, "legal_representative_id__startswith=110"),
        (Enterprise, "legal_representative_id=11010519491231002X"),
        (User, "phone__startswith=138"),
        (ImportRejection, "raw__icontains=1101"),
        (PhoneCode, "phone__startswith=1381"),
    ],
)
def test_no_personal_identifier_can_be_narrowed_down_through_the_changelists_query(
    admin_client, one_of_each, model, lookup
):
    answer = admin_client.get(f"{admin_url(model, 'changelist')}?{lookup}")

    assert answer.status_code == 400
    assert admin_client.get(f"{admin_url(model, 'changelist')}").status_code == 200


@pytest.mark.parametrize(
    ("raw", "problem"), [("１００", "half-width"), ("1e5", "exponent"), ("-5", "not a whole number from 0")]
)
def test_the_back_office_reads_a_number_as_every_page_does_and_keeps_the_row_as_it_was(
    admin_client, one_of_each, raw, problem
):
    from creditloan.models import Bank

    bank = one_of_each[Bank]
    form = admin_client.get(admin_url(Bank, "change", bank.pk)).context["adminform"].form
    data = {name: form[name].value() for name in form.fields} | {"monthly_capacity": raw}

    answer = admin_client.post(admin_url(Bank, "change", bank.pk), {k: v for k, v in data.items() if v is not None})

    bank.refresh_from_db()
    assert answer.status_code == 200
    assert problem in answer.context["adminform"].form.errors["monthly_capacity"][0]
    assert str(bank.monthly_capacity) != raw


# Words a Chinese page keeps as they are: the names of measures and of the model, codes and standards (GB/T).
KEPT_AS_WRITTEN = {"AUC", "KS", "PSI", "LightGBM", "WOE", "LPR", "API", "URL", "JSON", "SHA", "ID", "IP", "GB"}
HEADERS = {
    "changelist": [
        r'<th scope="col" class="(?!action-checkbox-column)[^"]*">(.*?)</th>',
        r"<summary>(.*?)</summary>",
        r"<h1>(.*?)</h1>",
        r"<title>(.*?)</title>",
    ],
    # Not the change page's <title> and <h2>: they hold the row's own name (its str()).
    "change": [
        r"<label[^>]*>(.*?)</label>",
        r"<h1>(.*?)</h1>",
        r'<fieldset class="module[^"]*">\s*<h2[^>]*>(.*?)</h2>',
    ],
}


def english_left(html: str, patterns: list[str]) -> set[str]:
    """The headers, labels and titles of an admin page that still hold an English word."""
    left = set()
    for pattern in patterns:
        for found in re.findall(pattern, html, flags=re.S):
            text = " ".join(re.sub(r"<[^>]+>", " ", found).split())
            if {word for word in re.findall(r"[A-Za-z]{2,}", text)} - KEPT_AS_WRITTEN:
                left.add(text)
    return left


@pytest.mark.parametrize("view", ["changelist", "change"])
@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_on_a_chinese_session_every_column_field_and_title_of_the_back_office_is_chinese(
    admin_client, one_of_each, model, view
):
    args = (one_of_each[model].pk,) if view == "change" else ()

    html = admin_client.get(admin_url(model, view, *args), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert english_left(html, HEADERS[view]) == set()
    assert "申请s" not in html
