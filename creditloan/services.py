"""Writes of the core domain that pages, the API and tasks share."""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from creditloan.errors import DomainError, ErrorCode
from creditloan.identity.selectors import acts_for, firms_acted_for
from creditloan.models import (
    CONSENT_SOURCES,
    DISPUTABLE_SOURCES,
    AccessLog,
    AccessPurpose,
    ApiToken,
    Application,
    Authorisation,
    AuthorisationPurpose,
    Bank,
    Dispute,
    DisputeStatus,
    Enterprise,
    EnterpriseStatus,
    IdempotencyRecord,
    KnockOutReview,
    KnockOutReviewStatus,
    SourceKey,
    User,
    token_digest,
)
from creditloan.models.applications import ApplicationStatus, GuaranteeMode
from creditloan.states import application_transition
from creditloan.values import ValueRefused, read_amount

AMOUNT_MIN, AMOUNT_MAX = Decimal("10000"), Decimal("100000000")
TERM_MIN, TERM_MAX = 1, 360
PURPOSE_MAX = 200


@transaction.atomic
def application_submit(
    *,
    applicant: User,
    enterprise: Enterprise,
    amount,
    term_months: int,
    purpose: str,
    guarantee_mode: str,
) -> Application:
    """A firm's application, submitted by a person who acts for it. What follows (scoring, then routing) is the
    flow's (creditloan.flows.applications.application_submit), which the pages and the API call."""
    amount, term_months = application_terms_checked(
        amount=amount, term_months=term_months, guarantee_mode=guarantee_mode
    )
    if not applicant.is_applicant:
        raise DomainError(ErrorCode.FORBIDDEN, _("only an applicant account can apply for a loan"))
    if not acts_for(applicant, enterprise, may="apply"):
        raise DomainError(
            ErrorCode.FORBIDDEN,
            _("you may not apply for %(uscc)s: only its verified legal representative or an agent allowed to apply")
            % {"uscc": enterprise.uscc},
            field="enterprise",
        )
    if enterprise.status != EnterpriseStatus.ACTIVE:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            _("%(uscc)s is %(status)s; only an active firm can apply")
            % {"uscc": enterprise.uscc, "status": enterprise.get_status_display()},
            field="enterprise",
        )
    purpose = (purpose or "").strip()
    if not purpose or len(purpose) > PURPOSE_MAX:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            _("purpose: say what the loan is for, in at most %(most)d characters") % {"most": PURPOSE_MAX},
            field="purpose",
        )
    application = Application.objects.create(
        enterprise=enterprise,
        applicant=applicant,
        amount=amount,
        term_months=term_months,
        purpose=purpose,
        guarantee_mode=guarantee_mode,
        status=ApplicationStatus.SUBMITTED,
        submitted_at=timezone.now(),
    )
    return application


def application_terms_checked(*, amount, term_months: int, guarantee_mode: str) -> tuple[Decimal, int]:
    """The terms asked for, as an application or its preview takes them, or the refusal naming what is wrong:
    submitting and previewing refuse the same amounts and terms with the same words."""
    amount = _amount(amount)
    if isinstance(term_months, bool) or not isinstance(term_months, int):
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            _("term: '%(term)s' is not a whole number of months") % {"term": term_months},
            field="term_months",
        )
    if not TERM_MIN <= term_months <= TERM_MAX:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            _("term: %(term)d months is outside %(low)d–%(high)d")
            % {"term": term_months, "low": TERM_MIN, "high": TERM_MAX},
            field="term_months",
        )
    if guarantee_mode not in GuaranteeMode.values:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            _("guarantee: '%(value)s' is not one of %(allowed)s")
            % {"value": guarantee_mode, "allowed": ", ".join(GuaranteeMode.values)},
            field="guarantee_mode",
        )
    return amount, term_months


def _amount(raw) -> Decimal:
    try:
        return read_amount(raw, minimum=AMOUNT_MIN, maximum=AMOUNT_MAX)
    except ValueRefused as refusal:
        raise DomainError(
            ErrorCode.INVALID_INPUT, _("amount: %(problem)s") % {"problem": refusal.message}, field="amount"
        ) from None


# Tax and bank-account data are each authorised on their own (涉税信息、银行账户信息须单独授权): the person
# agrees to exactly that, in words that name nothing else.
SOURCES_GRANTED_ALONE = ("tax", "bank")
# The longest a grant may run: consent is asked again at least once a year.
AUTHORISATION_LONGEST = dt.timedelta(days=366)


@transaction.atomic
def authorisation_grant(
    *, user: User, enterprise: Enterprise, sources: list[str], purpose: str, bank_ids: list[int], expires_on: dt.date
) -> Authorisation:
    """A firm's consent, given by a person who acts for it: which sources, for what, to which banks, until
    when. The words agreed to are kept with it, in both languages."""

    if not acts_for(user, enterprise, may="consent"):
        raise DomainError(
            ErrorCode.FORBIDDEN,
            _("you may not grant authorisations for %(uscc)s") % {"uscc": enterprise.uscc},
            field="enterprise",
        )
    known = [value for value, _label in CONSENT_SOURCES]
    sources = sorted(set(sources or []))
    if not sources or any(source not in known for source in sources):
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            _("sources: choose one or more of %(allowed)s") % {"allowed": ", ".join(known)},
            field="sources",
        )
    source_names = dict(CONSENT_SOURCES)
    for alone in SOURCES_GRANTED_ALONE:
        if alone in sources and len(sources) > 1:
            raise DomainError(
                ErrorCode.INVALID_INPUT,
                _("sources: %(source)s data needs an authorisation of its own; grant it alone, with its own words")
                % {"source": source_names[alone]},
                field="sources",
            )
    if purpose not in AuthorisationPurpose.values:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            _("purpose: '%(value)s' is not one of %(allowed)s")
            % {"value": purpose, "allowed": ", ".join(AuthorisationPurpose.values)},
            field="purpose",
        )
    banks = list(Bank.objects.filter(pk__in=bank_ids or [], active=True).order_by("name"))
    if not banks or len(banks) != len(set(bank_ids)):
        raise DomainError(ErrorCode.INVALID_INPUT, _("banks: choose one or more participating banks"), field="banks")
    today = timezone.localdate()
    if not today < expires_on <= today + AUTHORISATION_LONGEST:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            _("expires_on: %(date)s is not after today and within a year (%(last)s)")
            % {"date": expires_on, "last": today + AUTHORISATION_LONGEST},
            field="expires_on",
        )
    text = (
        f"本人代表{enterprise.name}（{enterprise.uscc}）授权信易贷平台使用本企业的"
        f"{'、'.join(str(source_names[source]) for source in sources)}数据，"
        f"用于{AuthorisationPurpose(purpose).label}，并向{'、'.join(bank.name for bank in banks)}提供，"
        f"有效期至{expires_on:%Y年%m月%d日}。\n"
        f"On behalf of {enterprise.name} ({enterprise.uscc}) I authorise the platform to use the firm's "
        f"{', '.join(sources)} data for {purpose} and to share it with {', '.join(bank.code for bank in banks)}, "
        f"until {expires_on:%Y-%m-%d}."
    )
    authorisation = Authorisation.objects.create(
        enterprise=enterprise,
        granted_by=user,
        sources=sources,
        purpose=purpose,
        text=text,
        granted_at=timezone.now(),
        expires_on=expires_on,
    )
    authorisation.banks.set(banks)
    return authorisation


@transaction.atomic
def authorisation_revoke(*, user: User, authorisation_id: int) -> Authorisation:
    """Stops new use at once; the grant stays on record with when and by whom it was revoked."""
    authorisation = (
        Authorisation.objects.select_for_update()
        .filter(pk=authorisation_id, enterprise__in=firms_acted_for(user, may="consent"))
        .first()
    )
    if authorisation is None:
        raise DomainError(
            ErrorCode.NOT_FOUND,
            _("no authorisation #%(number)s of yours") % {"number": authorisation_id},
            field="authorisation",
        )
    if authorisation.revoked_at is not None:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            _("authorisation #%(number)d was revoked on %(date)s")
            % {"number": authorisation.pk, "date": f"{authorisation.revoked_at:%Y-%m-%d}"},
        )
    authorisation.revoked_at, authorisation.revoked_by = timezone.now(), user
    authorisation.save(update_fields=["revoked_at", "revoked_by"])
    return authorisation


# 异议处理: the operator answers a dispute within this many days of it being raised.
DISPUTE_DAYS = 20
DISPUTE_REASON_MAX = 2000


@transaction.atomic
def dispute_raise(*, user: User, enterprise: Enterprise, source: str, record_id: int, reason: str) -> Dispute:
    """A person acting for the firm contests one of its records; the operator must answer by the deadline."""
    if not acts_for(user, enterprise, may="view_report"):
        raise DomainError(
            ErrorCode.FORBIDDEN,
            _("you may not see or dispute the records of %(uscc)s") % {"uscc": enterprise.uscc},
            field="enterprise",
        )
    if source not in DISPUTABLE_SOURCES:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            _("source: '%(value)s' is not one of %(allowed)s")
            % {"value": source, "allowed": ", ".join(DISPUTABLE_SOURCES)},
            field="source",
        )
    record = apps.get_model(DISPUTABLE_SOURCES[source]).objects.filter(pk=record_id, enterprise=enterprise).first()
    if record is None:
        raise DomainError(
            ErrorCode.NOT_FOUND,
            _("no %(source)s record #%(number)s of this firm") % {"source": source, "number": record_id},
            field="record",
        )
    reason = (reason or "").strip()
    if not reason or len(reason) > DISPUTE_REASON_MAX:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            _("reason: say what is wrong with the record, in at most %(most)d characters")
            % {"most": DISPUTE_REASON_MAX},
            field="reason",
        )
    if Dispute.objects.filter(source=source, record_id=record_id, status=DisputeStatus.OPEN).exists():
        raise DomainError(ErrorCode.CONFLICT, _("record: a dispute of this record is already open"), field="record")
    now = timezone.now()
    return Dispute.objects.create(
        enterprise=enterprise,
        source=source,
        record_id=record_id,
        record_summary=str(record)[:300],
        reason=reason,
        raised_by=user,
        raised_at=now,
        due_on=timezone.localdate(now) + dt.timedelta(days=DISPUTE_DAYS),
    )


@transaction.atomic
def dispute_resolve(*, by: User, dispute_id: int, outcome: str, resolution: str) -> Dispute:
    """The operator's answer: the record was wrong (corrected) or it stands (upheld), with the reasons."""
    if not by.is_operator:
        raise DomainError(ErrorCode.FORBIDDEN, _("only an operator answers disputes"))
    dispute = Dispute.objects.select_for_update().filter(pk=dispute_id).first()
    if dispute is None:
        raise DomainError(ErrorCode.NOT_FOUND, _("no dispute #%(number)s") % {"number": dispute_id}, field="dispute")
    if dispute.status != DisputeStatus.OPEN:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            _("dispute #%(number)d has already been answered: %(status)s")
            % {"number": dispute.pk, "status": dispute.get_status_display()},
        )
    _answer(
        dispute, by=by, outcome=outcome, allowed=(DisputeStatus.CORRECTED, DisputeStatus.UPHELD), resolution=resolution
    )
    return dispute


def _answer(request, *, by: User, outcome: str, allowed: tuple[str, str], resolution: str) -> None:
    """An operator's answer to an open request of a firm (a dispute, a review of a knock-out): one of the two
    outcomes, with what was found, stamped with who answered and when."""
    if outcome not in allowed:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            _("outcome: '%(value)s' is not %(first)s or %(second)s")
            % {"value": outcome, "first": allowed[0], "second": allowed[1]},
            field="outcome",
        )
    resolution = (resolution or "").strip()
    if not resolution:
        raise DomainError(ErrorCode.INVALID_INPUT, _("resolution: say what was found"), field="resolution")
    request.status, request.resolution = outcome, resolution
    request.resolved_at, request.resolved_by = timezone.now(), by
    request.save(update_fields=["status", "resolution", "resolved_at", "resolved_by"])


# A person answers a request to review a knock-out within this many days.
KNOCKOUT_REVIEW_DAYS = 15
REVIEW_REASON_MAX = 2000


@transaction.atomic
def knockout_review_request(*, user: User, application_id: int, reason: str) -> KnockOutReview:
    """The applicant asks a person to look again at the policy rule that ruled the application out."""
    application = (
        Application.objects.select_for_update()
        .filter(pk=application_id, enterprise__in=firms_acted_for(user, may="apply"))
        .first()
    )
    if application is None:
        raise DomainError(
            ErrorCode.NOT_FOUND,
            _("no application #%(number)s of yours") % {"number": application_id},
            field="application",
        )
    score = application.scores.order_by("-created_at").first()
    if application.status != ApplicationStatus.NOT_ELIGIBLE or score is None or not score.exclusions:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            _("application #%(number)s was not ruled out by a policy rule: there is no knock-out to review")
            % {"number": application.pk},
        )
    earlier = KnockOutReview.objects.filter(application=application).first()
    if earlier is not None:
        raise DomainError(
            ErrorCode.CONFLICT,
            _("a review of application #%(number)s was asked for on %(date)s: %(status)s")
            % {
                "number": application.pk,
                "date": f"{earlier.requested_at:%Y-%m-%d}",
                "status": earlier.get_status_display(),
            },
        )
    reason = (reason or "").strip()
    if not reason or len(reason) > REVIEW_REASON_MAX:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            _("reason: say why the rule should not apply, in at most %(most)d characters")
            % {"most": REVIEW_REASON_MAX},
            field="reason",
        )
    now = timezone.now()
    return KnockOutReview.objects.create(
        application=application,
        rules=score.exclusions,
        reason=reason,
        requested_by=user,
        requested_at=now,
        due_on=timezone.localdate(now) + dt.timedelta(days=KNOCKOUT_REVIEW_DAYS),
    )


@transaction.atomic
def knockout_review_resolve(*, by: User, review_id: int, outcome: str, resolution: str) -> KnockOutReview:
    """An operator's answer. Overturned, the rule is waived for this application and it is reinstated; upheld,
    it stays not eligible. Routing it again and telling the applicant are the flow's
    (creditloan.flows.applications.knockout_review_resolve)."""
    if not by.is_operator:
        raise DomainError(ErrorCode.FORBIDDEN, _("only a platform operator answers a review"))
    review = KnockOutReview.objects.select_for_update().filter(pk=review_id).first()
    if review is None:
        raise DomainError(ErrorCode.NOT_FOUND, _("no review #%(number)s") % {"number": review_id}, field="review")
    if review.status != KnockOutReviewStatus.OPEN:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            _("review #%(number)d is answered already: %(status)s")
            % {"number": review.pk, "status": review.get_status_display()},
        )
    allowed = (KnockOutReviewStatus.OVERTURNED, KnockOutReviewStatus.UPHELD)
    _answer(review, by=by, outcome=outcome, allowed=allowed, resolution=resolution)
    application = Application.objects.select_for_update().get(pk=review.application_id)
    # Overturned, the rules are waived from now on; an application a repair has already reinstated just goes on.
    if outcome == KnockOutReviewStatus.OVERTURNED and application.status == ApplicationStatus.NOT_ELIGIBLE:
        application_transition(application_id=application.pk, event="reinstate")
    return review


def disputes_seen(*, viewer: User, disputes: list[Dispute]) -> list[Dispute]:
    """An operator is shown disputes, each quoting a record of its firm: one access log row for each, written
    before they are shown. Returns the disputes."""
    _looks_record(
        viewer,
        [(dispute.enterprise_id, f"records:{dispute.source}", f"dispute #{dispute.pk}") for dispute in disputes],
        AccessPurpose.DISPUTE,
    )
    return disputes


def knockout_reviews_seen(*, viewer: User, reviews: list[KnockOutReview]) -> list[KnockOutReview]:
    """An operator is shown reviews of knock-outs, each quoting the public credit record behind the rule: one
    access log row for each, written before they are shown. Returns the reviews."""
    _looks_record(
        viewer,
        [(review.application.enterprise_id, "score", f"review #{review.pk}") for review in reviews],
        AccessPurpose.KNOCKOUT_REVIEW,
    )
    return reviews


def back_office_seen(*, viewer: User, looks: list[tuple[int, str, str]]) -> None:
    """A back-office (admin) page shows firms' credit data: (firm, what, reference) for each row it shows, as
    access log rows written before the page is rendered."""
    _looks_record(viewer, looks, AccessPurpose.BACK_OFFICE)


def _looks_record(viewer: User, looks: list[tuple[int, str, str]], purpose: str) -> None:
    """(firm, what, reference) for each thing shown at once, as access log rows."""
    AccessLog.objects.bulk_create(
        AccessLog(
            enterprise_id=enterprise_id,
            viewer=viewer,
            bank_id=viewer.bank_id,
            what=what,
            purpose=purpose,
            reference=reference,
        )
        for enterprise_id, what, reference in looks
    )


def access_record(*, viewer: User, enterprise_id: int, what: str, purpose: str, reference: str) -> AccessLog:
    """One look at a firm's credit data, by a bank officer or an operator: written before the data is shown."""
    if purpose not in AccessPurpose.values:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            _("purpose: '%(value)s' is not an access purpose") % {"value": purpose},
            field="purpose",
        )
    return AccessLog.objects.create(
        enterprise_id=enterprise_id,
        viewer=viewer,
        bank_id=viewer.bank_id,
        what=what[:200],
        purpose=purpose,
        reference=reference[:64],
    )


API_TOKEN_DAYS = 90


def api_token_issue(*, user: User, name: str, days: int = API_TOKEN_DAYS) -> tuple[ApiToken, str]:
    """A new API token for the account: the token itself is returned once, here, and only its hash is kept."""
    if not user.is_active:
        raise DomainError(ErrorCode.FORBIDDEN, _("this account is not active"))
    if not 1 <= days <= 366:
        raise DomainError(ErrorCode.INVALID_INPUT, _("days: give 1 to 366"), field="days")
    raw = secrets.token_urlsafe(32)
    now = timezone.now()
    token = ApiToken.objects.create(
        user=user,
        name=(name or "").strip()[:100] or "API client",
        prefix=raw[:8],
        digest=token_digest(raw),
        created_at=now,
        expires_at=now + dt.timedelta(days=days),
        password_mark=user.get_session_auth_hash(),
    )
    return token, raw


def api_token_revoke(*, user: User, token_id: int) -> ApiToken:
    token = ApiToken.objects.filter(pk=token_id, user=user, revoked_at__isnull=True).first()
    if token is None:
        raise DomainError(ErrorCode.NOT_FOUND, _("no active API token #%(number)s of yours") % {"number": token_id})
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    return token


def source_key_issue(*, source: str, name: str) -> tuple[SourceKey, str]:
    """A key for one source system to push its records; returned once, its hash kept."""
    from creditloan.models import RecordSource

    if source not in RecordSource.values:
        raise DomainError(
            ErrorCode.IMPORT_SOURCE,
            _("source: '%(value)s' is not one of %(allowed)s")
            % {"value": source, "allowed": ", ".join(RecordSource.values)},
            field="source",
        )
    raw = "src_" + secrets.token_urlsafe(32)
    key = SourceKey.objects.create(
        source=source,
        name=(name or "").strip()[:100] or source,
        prefix=raw[4:12],
        digest=token_digest(raw),
        created_at=timezone.now(),
    )
    return key, raw


def idempotency_records_prune(*, now: dt.datetime | None = None) -> int:
    """Forget the answers kept for Idempotency-Keys once a client can no longer be retrying them
    (IDEMPOTENCY_KEEP_HOURS, a day by default); a key sent again after that is a new request."""
    cutoff = (now or timezone.now()) - dt.timedelta(hours=settings.IDEMPOTENCY_KEEP_HOURS)
    deleted, _by_model = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
