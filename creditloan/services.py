"""Writes of the core domain that pages, the API and tasks share."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from creditloan.errors import DomainError, ErrorCode
from creditloan.identifiers import InvalidIdentifier, validate_uscc
from creditloan.models import Application, Enterprise, EnterpriseMembership, EnterpriseStatus, User
from creditloan.models.accounts import MembershipRelation
from creditloan.models.applications import ApplicationStatus, GuaranteeMode

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
    """A firm's application, submitted by a person who acts for it. Once it is committed, the scoring task is
    queued: a rolled-back submission queues nothing, and a queued task always finds its application."""
    amount = _amount(amount)
    if not applicant.is_applicant:
        raise DomainError(ErrorCode.FORBIDDEN, "only an applicant account can apply for a loan")
    if not EnterpriseMembership.objects.filter(user=applicant, enterprise=enterprise).exists():
        raise DomainError(
            ErrorCode.FORBIDDEN, f"you do not act for {enterprise.uscc}: add the firm first", field="enterprise"
        )
    if enterprise.status != EnterpriseStatus.ACTIVE:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            f"{enterprise.uscc} is {enterprise.get_status_display()}; only an active firm can apply",
            field="enterprise",
        )
    if isinstance(term_months, bool) or not isinstance(term_months, int):
        raise DomainError(
            ErrorCode.INVALID_INPUT, f"term: '{term_months}' is not a whole number of months", field="term_months"
        )
    if not TERM_MIN <= term_months <= TERM_MAX:
        raise DomainError(
            ErrorCode.INVALID_INPUT, f"term: {term_months} months is outside {TERM_MIN}–{TERM_MAX}", field="term_months"
        )
    purpose = (purpose or "").strip()
    if not purpose or len(purpose) > PURPOSE_MAX:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            f"purpose: say what the loan is for, in at most {PURPOSE_MAX} characters",
            field="purpose",
        )
    if guarantee_mode not in GuaranteeMode.values:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            f"guarantee: '{guarantee_mode}' is not one of {', '.join(GuaranteeMode.values)}",
            field="guarantee_mode",
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
    # Imported here rather than at the top: scoring's modules import this package's models.
    from scoring.tasks import score_application

    transaction.on_commit(lambda: score_application.delay(application.pk), robust=True)
    return application


def _amount(raw) -> Decimal:
    try:
        amount = Decimal(str(raw))
    except (InvalidOperation, ValueError):
        raise DomainError(ErrorCode.INVALID_INPUT, f"amount: '{raw}' is not a number of yuan", field="amount") from None
    if not amount.is_finite() or not AMOUNT_MIN <= amount <= AMOUNT_MAX:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            f"amount: {raw} yuan is outside {AMOUNT_MIN:,}–{AMOUNT_MAX:,}",
            field="amount",
        )
    if amount != amount.quantize(Decimal("0.01")):
        raise DomainError(ErrorCode.INVALID_INPUT, f"amount: {raw} has more than two decimals", field="amount")
    return amount


@transaction.atomic
def enterprise_join(*, user: User, uscc: str, relation: str) -> EnterpriseMembership:
    """An applicant declares that they act for a registered firm, and how (legal representative or agent)."""
    if not user.is_applicant:
        raise DomainError(ErrorCode.FORBIDDEN, "only an applicant account can act for a firm")
    try:
        code = validate_uscc(uscc or "")
    except InvalidIdentifier as error:
        raise DomainError(ErrorCode.INVALID_INPUT, f"uscc: {error.message}", field="uscc") from None
    if relation not in MembershipRelation.values:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            f"relation: '{relation}' is not one of {', '.join(MembershipRelation.values)}",
            field="relation",
        )
    enterprise = Enterprise.objects.filter(uscc=code).first()
    if enterprise is None:
        raise DomainError(
            ErrorCode.NOT_FOUND, f"uscc: no firm with the code {code} is registered with the platform", field="uscc"
        )
    membership, created = EnterpriseMembership.objects.get_or_create(
        user=user, enterprise=enterprise, defaults={"relation": relation}
    )
    if not created:
        raise DomainError(ErrorCode.CONFLICT, f"uscc: you already act for {enterprise.name}", field="uscc")
    return membership
