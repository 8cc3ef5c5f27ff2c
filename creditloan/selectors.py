"""Reads for the applicant's pages: only the firms a person acts for, and their applications."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from creditloan.identity.selectors import Permission, firms_acted_for, memberships_in_force
from creditloan.models import (
    AccessLog,
    Application,
    Authorisation,
    Bank,
    BankRecord,
    CustomsRecord,
    Dispute,
    DisputeStatus,
    EnterpriseMembership,
    ImportBatch,
    ImportRejection,
    KnockOutReview,
    PublicCreditRecord,
    TaxRecord,
    User,
)
from creditloan.models.records import PublicCreditKind


def memberships_of(user: User) -> QuerySet[EnterpriseMembership]:
    """The firms the person acts for today, each with what they may do for it."""
    return memberships_in_force(user).select_related("enterprise").order_by("enterprise__name")


def membership_of(user: User, enterprise_id: int, *, may: Permission) -> EnterpriseMembership | None:
    """The person's membership of the firm, if it lets them do this today; None for anybody else."""
    # A person has one membership of a firm at most: no ORDER BY to build (first() would, from every column).
    found = memberships_in_force(user, may=may).select_related("enterprise").filter(enterprise_id=enterprise_id)[:1]
    return next(iter(found), None)


def applications_of(user: User) -> QuerySet[Application]:
    """The applications of every firm the person may apply for, newest first, whoever submitted them."""
    return (
        Application.objects.filter(enterprise__in=firms_acted_for(user, may="apply"))
        .select_related("enterprise")
        .order_by("-submitted_at")
    )


def application_of(user: User, application_id: int) -> Application | None:
    return applications_of(user).filter(pk=application_id).first()


def authorisations_of(user: User) -> QuerySet[Authorisation]:
    """Every grant of the firms the person acts for, newest first, revoked and expired ones included."""
    return (
        Authorisation.objects.filter(enterprise__in=firms_acted_for(user, may="consent"))
        .select_related("enterprise")
        .prefetch_related("banks")
        .order_by("-granted_at")
    )


def authorised_sources(enterprise_id: int, *, purpose: str = "financing", bank=None, at=None) -> frozenset[str]:
    """The sources some active authorisation of the firm covers for the purpose (and, given a bank, names that
    bank as a recipient): expired or revoked ones count as none."""
    grants = Authorisation.objects.filter(Authorisation.in_force(at), enterprise_id=enterprise_id, purpose=purpose)
    if bank is not None:
        grants = grants.filter(banks=bank)
    return frozenset(source for sources in grants.values_list("sources", flat=True) for source in sources)


def consent_by_bank(enterprise_id: int, *, purpose: str = "financing", at=None) -> dict[int, frozenset[str]]:
    """Each bank the firm's active authorisations for the purpose name, with the sources it may receive: the
    banks an application may be routed to, and what each may see (separate consent per recipient bank)."""
    return consent_by_bank_of_firms([enterprise_id], purpose=purpose, at=at).get(enterprise_id, {})


def consent_by_bank_of_firms(
    enterprise_ids: Iterable[int], *, purpose: str = "financing", at=None
) -> dict[int, dict[int, frozenset[str]]]:
    """consent_by_bank of several firms in one read, by firm (a firm with no grant in force is left out)."""
    shared: dict[int, dict[int, set[str]]] = {}
    links = Authorisation.banks.through.objects.filter(
        Authorisation.in_force(at, via="authorisation__"),
        authorisation__enterprise_id__in=list(enterprise_ids),
        authorisation__purpose=purpose,
    ).values_list("authorisation__enterprise_id", "bank_id", "authorisation__sources")
    for enterprise_id, bank_id, sources in links:
        shared.setdefault(enterprise_id, {}).setdefault(bank_id, set()).update(sources)
    return {
        enterprise_id: {bank_id: frozenset(sources) for bank_id, sources in banks.items()}
        for enterprise_id, banks in shared.items()
    }


def consent_days(
    *, purpose: str = "financing", firm_ids: Iterable[int] | None = None, id_range: tuple[int, int] | None = None
) -> list[tuple[int, str, dt.date, dt.date]]:
    """Every source each grant for the purpose covered, as (firm, source, first day, last day) in local days: from
    the day it was given to its expiry, or to the day before it was revoked (revoking stops use the same day).
    Scoring reads these to use a source only on days some grant covered it."""
    grants = Authorisation.objects.filter(purpose=purpose)
    if firm_ids is not None:
        grants = grants.filter(enterprise_id__in=list(firm_ids))
    if id_range is not None:
        grants = grants.filter(enterprise_id__gte=id_range[0], enterprise_id__lte=id_range[1])
    rows = grants.values_list("enterprise_id", "sources", "granted_at", "expires_on", "revoked_at")
    # The grants of named firms (one firm's, when an application is scored) in one fetch; a range or the whole
    # table streams through a server-side cursor, whose declare, fetch and close would cost one firm three trips.
    if firm_ids is None:
        rows = rows.iterator(20_000)
    days = []
    for firm_id, sources, granted_at, expires_on, revoked_at in rows:
        last = expires_on if revoked_at is None else min(expires_on, timezone.localdate(revoked_at) - dt.timedelta(1))
        first = timezone.localdate(granted_at)
        days.extend((firm_id, source, first, last) for source in sources if first <= last)
    return days


RECORDS_SHOWN = 20


def records_found_wrong(enterprise_id: int) -> set[tuple[str, int]]:
    """(source, record id) of the firm's records a dispute found wrong: they count no more, wherever records are
    read. Found wrong once is found wrong: a later dispute of the same record does not bring it back."""
    return set(
        Dispute.objects.filter(enterprise_id=enterprise_id, status=DisputeStatus.CORRECTED).values_list(
            "source", "record_id"
        )
    )


def credit_records(
    enterprise_id: int, sources: Iterable[str] | None = None, *, without_corrected: bool = False
) -> list[dict]:
    """The firm's records behind its score, newest first per source, each with its open or last dispute; with
    `sources`, only those sources are read. `without_corrected` leaves out the records a dispute found wrong
    (for a bank: they count no more; the firm itself sees them with the answer)."""
    tables = [
        ("public_credit", PublicCreditRecord, "-decision_date"),
        ("tax", TaxRecord, "-rated_on"),
        ("customs", CustomsRecord, "-reported_on"),
        ("bank", BankRecord, "-as_of"),
    ]
    disputes = {}
    for dispute in Dispute.objects.filter(enterprise_id=enterprise_id).order_by("raised_at"):
        disputes[(dispute.source, dispute.record_id)] = dispute  # the latest wins
    hidden = records_found_wrong(enterprise_id) if without_corrected else set()
    return [
        {
            "source": source,
            "records": [
                (record, disputes.get((source, record.pk)))
                for record in _named(
                    _retained(
                        source,
                        model.objects.filter(enterprise_id=enterprise_id).exclude(
                            pk__in=[record_id for of_source, record_id in hidden if of_source == source]
                        ),
                    )
                ).order_by(order, "-pk")[:RECORDS_SHOWN]
            ],
        }
        for source, model, order in tables
        if sources is None or source in sources
    ]


def _named(records: QuerySet) -> QuerySet:
    """A bank-shared record with the name of the bank that reported it (`reporting_bank_name`, None for a code no
    participating bank has): people read 招商银行, not ZSC."""
    if records.model is not BankRecord:
        return records
    return records.annotate(
        reporting_bank_name=Subquery(Bank.objects.filter(code=OuterRef("reporting_bank")).values("name")[:1])
    )


def _retained(source: str, records: QuerySet) -> QuerySet:
    """A negative public-credit record is shown, as it counts, only until CREDIT_NEGATIVE_RETENTION_YEARS after
    the act ended: a listing when it was taken off, a penalty or a broken commitment when it ended or was
    decided (the same rule as scoring.ml.features)."""
    if source != "public_credit":
        return records
    today = timezone.localdate()
    years = settings.CREDIT_NEGATIVE_RETENTION_YEARS
    try:
        cutoff = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        cutoff = today.replace(year=today.year - years, day=28)
    lists = [
        PublicCreditKind.DISHONEST_JUDGMENT_DEBTOR,
        PublicCreditKind.SERIOUS_DISHONESTY_LIST,
        PublicCreditKind.ABNORMAL_OPERATION_LIST,
    ]
    acts = [PublicCreditKind.ADMINISTRATIVE_PENALTY, PublicCreditKind.COMMITMENT_BREACH]
    return records.exclude(
        Q(kind__in=[*lists, *acts], end_date__lte=cutoff)
        | Q(kind__in=acts, end_date__isnull=True, decision_date__lte=cutoff)
    )


def disputes_of(user: User) -> QuerySet[Dispute]:
    return (
        Dispute.objects.filter(enterprise__in=firms_acted_for(user, may="view_report"))
        .select_related("enterprise")
        .order_by("-raised_at")
    )


def dispute_queue(*, status: str = "open") -> QuerySet[Dispute]:
    """For operators: open disputes by deadline, the overdue first."""
    disputes = Dispute.objects.select_related("enterprise")
    if status != "all":
        disputes = disputes.filter(status=status)
    return disputes.order_by("due_on", "raised_at")


def knockout_review_queue(*, status: str = "open") -> QuerySet[KnockOutReview]:
    """For operators: requests to review a knock-out, the soonest due first."""
    reviews = KnockOutReview.objects.select_related("application__enterprise")
    if status != "all":
        reviews = reviews.filter(status=status)
    return reviews.order_by("due_on", "requested_at")


def access_log_of(enterprise_id: int) -> QuerySet[AccessLog]:
    return AccessLog.objects.filter(enterprise_id=enterprise_id).select_related("viewer", "bank").order_by("-viewed_at")


def import_batches() -> QuerySet[ImportBatch]:
    return ImportBatch.objects.prefetch_related("files").order_by("-started_at")


def import_batch(batch_id: int) -> ImportBatch | None:
    return import_batches().filter(pk=batch_id).first()


def rejections_of(batch: ImportBatch) -> QuerySet[ImportRejection]:
    return ImportRejection.objects.filter(file__batch=batch).select_related("file").order_by("file_id", "row_number")


# Bookkeeping of the import path: which file and row wrote a record, not something the platform holds about it.
_NOT_EXPORTED = {"import_file", "source_row", "enterprise"}


def enterprise_export(*, user: User, enterprise_id: int) -> dict | None:
    """Everything the platform holds about a firm, for a person acting for it (None for anybody else): its
    registry entry, every record of every source (expired ones too: they are still held), its authorisations
    with their words, its applications with their scores and offers, its disputes and reviews, and who looked
    at its data. Plain JSON-ready values; the legal representative's ID number stays masked."""
    membership = membership_of(user, enterprise_id, may="view_report")
    if membership is None:
        return None
    firm = membership.enterprise
    records = {
        source: [_plain(record) for record in model.objects.filter(enterprise=firm).order_by("pk")]
        for source, model in (
            ("public_credit", PublicCreditRecord),
            ("tax", TaxRecord),
            ("customs", CustomsRecord),
            ("bank", BankRecord),
        )
    }
    applications = []
    for application in Application.objects.filter(enterprise=firm).order_by("pk").prefetch_related("scores", "offers"):
        applications.append(
            _plain(application, exclude={"enterprise", "applicant"})
            | {
                "scores": [
                    _plain(score, exclude={"enterprise", "application", "model_version"})
                    | {"model_version": score.model_version_id}
                    for score in application.scores.all()
                ],
                "offers": [
                    _plain(offer, exclude={"application", "accepted_by", "decided_by"})
                    for offer in application.offers.all()
                ],
            }
        )
    return {
        "exported_at": timezone.now().isoformat(),
        "enterprise": _plain(firm, exclude=_NOT_EXPORTED - {"enterprise"}),
        "records": records,
        "authorisations": [
            _plain(grant, exclude={"enterprise", "granted_by", "revoked_by"})
            | {"banks": sorted(bank.code for bank in grant.banks.all())}
            for grant in Authorisation.objects.filter(enterprise=firm).prefetch_related("banks").order_by("pk")
        ],
        "applications": applications,
        "disputes": [
            _plain(dispute, exclude={"enterprise", "raised_by", "resolved_by"})
            for dispute in Dispute.objects.filter(enterprise=firm).order_by("pk")
        ],
        "knockout_reviews": [
            _plain(review, exclude={"application", "requested_by", "resolved_by"})
            | {"application": review.application_id}
            for review in KnockOutReview.objects.filter(application__enterprise=firm).order_by("pk")
        ],
        "access_log": [
            {
                "viewed_at": look.viewed_at.isoformat(),
                "by": look.bank.code if look.bank_id else "platform",
                "what": look.what,
                "purpose": look.purpose,
                "reference": look.reference,
            }
            for look in access_log_of(firm.pk)
        ],
    }


def _plain(instance, *, exclude: set[str] = _NOT_EXPORTED) -> dict:
    """A row's own fields as JSON-ready values (dates as ISO text, amounts as decimal text, relations as ids)."""
    data = {}
    for field in instance._meta.concrete_fields:
        if field.name in exclude:
            continue
        value = field.value_from_object(instance)
        if isinstance(value, dt.datetime | dt.date):
            value = value.isoformat()
        elif isinstance(value, Decimal):
            value = str(value)
        elif value is not None and not isinstance(value, str | int | float | bool | list | dict):
            value = str(value)  # a masked resident ID and the like: their own text
        data[field.name] = value
    return data
