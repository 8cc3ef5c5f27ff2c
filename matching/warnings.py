"""Early warning for lending banks (贷后预警: 早发现、早预警、早处置): when a firm with a loan still performing at a
bank gains a serious negative record, that bank is warned, within the firm's post-loan consent to it.

A record warns a loan when it is serious (WarningKind), still in force (not repaired, not ended, not found wrong
by a dispute) and new to the loan: dated on or after the payout, or first known to the platform then (a listing
the source reports late is as new to the bank as one decided yesterday). Raising is idempotent: one warning per
loan and record, however often the firm's records are looked at again.

The bank may be warned only of sources the firm's post-loan (贷后管理) consent names it for, in force now. Without
one there is no warning: the bank has to ask the firm for that consent. A consent given later warns of the
records already there (the flows raise warnings then too), and one revoked stops the records being shown.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Case, Q, QuerySet, When
from django.utils import timezone

from creditloan import selectors as creditloan_selectors
from creditloan.models import (
    AccessPurpose,
    AuthorisationPurpose,
    PublicCreditRecord,
    TaxRecord,
    User,
)
from creditloan.models.records import PenaltySeverity, PublicCreditKind, TaxCreditRating
from creditloan.services import access_record
from matching import notifications
from matching.models import EarlyWarning, Loan, LoanOutcome, WarningKind

# A public-credit record's kind as the warning names it; a penalty warns only when it is serious.
LISTED_KINDS = {
    PublicCreditKind.DISHONEST_JUDGMENT_DEBTOR: WarningKind.DISHONEST_JUDGMENT_DEBTOR,
    PublicCreditKind.SERIOUS_DISHONESTY_LIST: WarningKind.SERIOUS_DISHONESTY_LIST,
    PublicCreditKind.ABNORMAL_OPERATION_LIST: WarningKind.ABNORMAL_OPERATION_LIST,
}
RECORD_TABLES = {"public_credit": PublicCreditRecord, "tax": TaxRecord}


@dataclass(frozen=True)
class SeriousRecord:
    source: str
    record_id: int
    kind: str
    date: dt.date
    first_known_on: dt.date
    summary: str


def loans_outstanding() -> QuerySet[Loan]:
    """The loans a bank still has at stake: paid out and neither repaid nor ended otherwise."""
    return Loan.objects.filter(outcome=LoanOutcome.PERFORMING)


def firms_to_warn_after_import(*, batch_id: int) -> list[int]:
    """The firms with a loan outstanding of which an import batch wrote a serious record (created or changed):
    the ones whose lenders may have something new to hear."""
    written = Q(import_file__batch_id=batch_id)
    firms = set(_serious_public_credit().filter(written).values_list("enterprise_id", flat=True).distinct()) | set(
        TaxRecord.objects.filter(written, rating=TaxCreditRating.D).values_list("enterprise_id", flat=True)
    )
    return sorted(
        set(
            loans_outstanding()
            .filter(offer__application__enterprise_id__in=firms)
            .values_list("offer__application__enterprise_id", flat=True)
        )
    )


def early_warnings_raise(*, enterprise_ids: list[int]) -> list[EarlyWarning]:
    """Warn each bank with a loan outstanding to one of the firms of every serious record of it that the bank has
    not been warned of, that is new to the loan and that the firm's post-loan consent lets the bank see. Each
    bank's officers get one e-mail for the warnings of a run, once committed. Returns the warnings raised."""
    loans_of_firm: dict[int, list[tuple[int, int, dt.date]]] = defaultdict(list)
    for loan_id, bank_id, firm_id, disbursed_on in (
        loans_outstanding()
        .filter(offer__application__enterprise_id__in=list(enterprise_ids))
        .values_list("pk", "offer__bank_id", "offer__application__enterprise_id", "disbursed_on")
        .order_by("pk")
    ):
        loans_of_firm[firm_id].append((loan_id, bank_id, disbursed_on))
    raised = []
    for firm_id, loans in sorted(loans_of_firm.items()):
        consented = creditloan_selectors.consent_by_bank(firm_id, purpose=AuthorisationPurpose.POST_LOAN)
        if not any(bank_id in consented for _loan, bank_id, _day in loans):
            continue
        records = serious_records(firm_id)
        for loan_id, bank_id, disbursed_on in loans:
            for record in records:
                if record.source not in consented.get(bank_id, ()):
                    continue
                if record.date < disbursed_on and record.first_known_on < disbursed_on:
                    continue  # known before the payout: the bank lent knowing of it
                warning = _warning_raise(loan_id=loan_id, bank_id=bank_id, firm_id=firm_id, record=record)
                if warning is not None:
                    raised.append(warning)
    warned_banks = defaultdict(int)
    for warning in raised:
        warned_banks[warning.bank_id] += 1
    for bank_id, count in sorted(warned_banks.items()):
        notifications.early_warnings_raised(bank_id=bank_id, count=count)
    return raised


def _warning_raise(*, loan_id: int, bank_id: int, firm_id: int, record: SeriousRecord) -> EarlyWarning | None:
    """The warning, or None when the loan was warned of the record already (by this run's twin, perhaps)."""
    if EarlyWarning.objects.filter(loan_id=loan_id, record_source=record.source, record_id=record.record_id).exists():
        return None
    try:
        with transaction.atomic():
            return EarlyWarning.objects.create(
                bank_id=bank_id,
                loan_id=loan_id,
                enterprise_id=firm_id,
                kind=record.kind,
                record_source=record.source,
                record_id=record.record_id,
                record_date=record.date,
                summary=record.summary[:300],
                raised_at=timezone.now(),
            )
    except IntegrityError:
        return None  # a concurrent run raised it between the check and the insert


def serious_records(enterprise_id: int) -> list[SeriousRecord]:
    """The firm's serious negative records in force today: listed (失信被执行人, 严重失信, 经营异常) or a serious
    penalty, neither repaired nor ended; a D tax rating of its latest rated year. Records a dispute found wrong
    are left out: they count no more."""
    today = timezone.localdate()
    found_wrong = creditloan_selectors.records_found_wrong(enterprise_id)
    records = []
    for record in (
        _serious_public_credit()
        .filter(enterprise_id=enterprise_id)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .order_by("decision_date", "pk")
    ):
        records.append(
            SeriousRecord(
                source="public_credit",
                record_id=record.pk,
                kind=LISTED_KINDS.get(record.kind, WarningKind.SERIOUS_PENALTY),
                date=record.decision_date,
                first_known_on=timezone.localdate(record.ingested_at),
                summary=" · ".join(part for part in (record.authority, record.title) if part),
            )
        )
    latest = TaxRecord.objects.filter(enterprise_id=enterprise_id).exclude(rating="").order_by("-tax_year").first()
    if latest is not None and latest.rating == TaxCreditRating.D:
        records.append(
            SeriousRecord(
                source="tax",
                record_id=latest.pk,
                kind=WarningKind.TAX_RATING_D,
                date=latest.rated_on,
                first_known_on=timezone.localdate(latest.ingested_at),
                summary=f"{latest.tax_year} {latest.rating}",
            )
        )
    return [record for record in records if (record.source, record.record_id) not in found_wrong]


def _serious_public_credit() -> QuerySet[PublicCreditRecord]:
    return PublicCreditRecord.objects.filter(
        Q(kind__in=list(LISTED_KINDS))
        | Q(kind=PublicCreditKind.ADMINISTRATIVE_PENALTY, severity=PenaltySeverity.SERIOUS),
        repaired_on__isnull=True,
    )


# Reads for the officer's pages and API: a bank's own warnings only.


def bank_warnings(*, bank) -> QuerySet[EarlyWarning]:
    """The bank's warnings, unseen first, newest first."""
    return (
        EarlyWarning.objects.filter(bank=bank)
        .select_related("enterprise", "loan__offer", "seen_by")
        .order_by(Case(When(seen_at__isnull=True, then=0), default=1), "-raised_at", "-pk")
    )


def bank_warnings_unseen(*, bank) -> int:
    return EarlyWarning.objects.filter(bank=bank, seen_at__isnull=True).count()


def offer_warnings(*, bank, offer_id: int) -> QuerySet[EarlyWarning]:
    """The warnings of the loan an offer of the bank became, if it did."""
    return bank_warnings(bank=bank).filter(loan__offer_id=offer_id)


@dataclass(frozen=True)
class OpenedWarning:
    """A warning as an officer opens it: the record behind it while the firm's post-loan consent to the bank
    still covers its source; None once that consent has ended (the warning stays, the record is not shown)."""

    warning: EarlyWarning
    consented: bool
    record: PublicCreditRecord | TaxRecord | None


def early_warning_open(*, viewer: User, warning_id: int) -> OpenedWarning | None:
    """An officer opens one of their bank's warnings: the record is shown and the look written to the firm's
    access log first; the first opening marks the warning seen. None for a warning of another bank (or none),
    so the caller answers as for a missing one."""
    warning = bank_warnings(bank=viewer.bank).filter(pk=warning_id).first()
    if warning is None:
        return None
    with transaction.atomic():
        record = None
        consented = creditloan_selectors.authorised_sources(
            warning.enterprise_id, purpose=AuthorisationPurpose.POST_LOAN, bank=viewer.bank
        )
        if warning.record_source in consented:
            access_record(
                viewer=viewer,
                enterprise_id=warning.enterprise_id,
                what=f"records:{warning.record_source}",
                purpose=AccessPurpose.POST_LOAN,
                reference=f"warning #{warning.pk}",
            )
            record = RECORD_TABLES[warning.record_source].objects.filter(pk=warning.record_id).first()
        if warning.seen_at is None:
            now = timezone.now()
            # Only the first opening counts: another officer may have opened it since it was read.
            if EarlyWarning.objects.filter(pk=warning.pk, seen_at__isnull=True).update(seen_at=now, seen_by=viewer):
                warning.seen_at, warning.seen_by = now, viewer
            else:
                warning.refresh_from_db(fields=["seen_at", "seen_by"])
    return OpenedWarning(warning=warning, consented=warning.record_source in consented, record=record)
