"""Applications as the core writes them: the terms checked the same way on submitting and on the eligibility
preview, and the application stored (what follows it is the flows', creditloan/flows/applications.py)."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from creditloan.errors import DomainError, ErrorCode
from creditloan.models import (
    Application,
    EnterpriseStatus,
    User,
)
from creditloan.models.applications import ApplicationStatus, GuaranteeMode
from creditloan.selectors import membership_of
from creditloan.values import choice_required, read_amount, read_for_field, text_required

AMOUNT_MIN, AMOUNT_MAX = Decimal("10000"), Decimal("100000000")
TERM_MIN, TERM_MAX = 1, 360
PURPOSE_MAX = 200


def application_submit(
    *,
    applicant: User,
    enterprise_id: int,
    amount,
    term_months: int,
    purpose: str,
    guarantee_mode: str,
) -> Application:
    """A firm's application, submitted by a person who acts for it; a firm the person may not apply for is not
    found, whether or not it exists (the API answers 404 and tells nobody a stranger's code). What follows
    (scoring, then routing) is the flow's (creditloan.flows.applications.application_submit), which the pages and
    the API call. Every check comes before the one write, so it needs no transaction (nor savepoint) of its own: the
    flow's holds the application and the outbox row of its scoring together."""
    amount, term_months = application_terms_checked(
        amount=amount, term_months=term_months, guarantee_mode=guarantee_mode
    )
    if not applicant.is_applicant:
        raise DomainError(ErrorCode.FORBIDDEN, _("only an applicant account can apply for a loan"))
    membership = membership_of(applicant, enterprise_id, may="apply")
    if membership is None:
        raise DomainError(
            ErrorCode.NOT_FOUND,
            _(
                "no firm %(number)d that you may apply for: only its verified legal representative or an agent "
                "allowed to apply may"
            )
            % {"number": enterprise_id},
            field="enterprise",
        )
    enterprise = membership.enterprise
    if enterprise.status != EnterpriseStatus.ACTIVE:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            _("%(uscc)s is %(status)s; only an active firm can apply")
            % {"uscc": enterprise.uscc, "status": enterprise.get_status_display()},
            field="enterprise",
        )
    refused = _("purpose: say what the loan is for, in at most %(most)d characters")
    purpose = text_required(purpose, most=PURPOSE_MAX, field="purpose", refused=refused)
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
    choice_required(
        guarantee_mode,
        GuaranteeMode.values,
        field="guarantee_mode",
        refused=_("guarantee: '%(value)s' is not one of %(allowed)s"),
    )
    return amount, term_months


def _amount(raw) -> Decimal:
    return read_for_field(
        lambda given: read_amount(given, minimum=AMOUNT_MIN, maximum=AMOUNT_MAX),
        raw,
        field="amount",
        labelled=_("amount: %(problem)s"),
    )
