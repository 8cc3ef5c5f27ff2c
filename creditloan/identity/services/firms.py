"""Acting for a firm: claiming it as its legal representative (经营者 / 负责人) when the verified identity matches the
registry's, and asking to act for it as an agent (经办人)."""

from __future__ import annotations

import datetime as dt
import hmac

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from creditloan.errors import DomainError, ErrorCode
from creditloan.identifiers import validate_uscc
from creditloan.identity.services.real_names import plain_name, resident_id_digest
from creditloan.models import (
    ClaimAttempt,
    Enterprise,
    EnterpriseMembership,
    MembershipRelation,
    MembershipStatus,
    User,
)
from creditloan.values import read_for_field

# An agent asks for at most this many firms at once: more is not an agent's work but a crawl.
PENDING_REQUESTS_MOST = 10


AGENT_NOTE_MAX = 200


def _firm_by_code(uscc: str) -> Enterprise:
    code = read_for_field(validate_uscc, uscc or "", field="uscc", labelled=_("uscc: %(problem)s"))
    enterprise = Enterprise.objects.filter(uscc=code).first()
    if enterprise is None:
        raise DomainError(
            ErrorCode.NOT_FOUND,
            _("uscc: no firm with the code %(uscc)s is registered with the platform") % {"uscc": code},
            field="uscc",
        )
    return enterprise


def _verified_applicant(user: User) -> None:
    if not user.is_applicant:
        raise DomainError(ErrorCode.FORBIDDEN, _("only an applicant account can act for a firm"))
    if not user.identity_verified:
        raise DomainError(
            ErrorCode.FORBIDDEN, _("verify your identity (real name and resident ID) before you act for a firm")
        )


def claim_refused_message() -> str:
    """The one answer to every failed claim, whatever did not match: no oracle for guessing a stranger's ID."""
    return _(
        "uscc: your verified identity does not match the person the registry names for this firm (its legal "
        "representative, operator or person in charge). If you act for it as an agent, ask that person to approve you."
    )


def enterprise_claim(*, user: User, uscc: str, address: str | None = None) -> EnterpriseMembership:
    """The person claims the firm as its legal representative (法定代表人; 经营者 of a 个体工商户; 负责人 of an
    organisation): in force at once if their verified name and ID match the registry's. Every try is recorded;
    failures throttle the account and the firm and are shown to the firm's verified legal representative."""
    _verified_applicant(user)
    enterprise = _firm_by_code(uscc)
    mine = EnterpriseMembership.objects.filter(user=user, enterprise=enterprise).first()
    if mine is not None and mine.status == MembershipStatus.ACTIVE and mine.is_legal_representative:
        raise DomainError(
            ErrorCode.CONFLICT,
            _("uscc: you are already recorded as the legal representative of %(name)s") % {"name": enterprise.name},
            field="uscc",
        )
    now = timezone.now()
    day_ago = now - dt.timedelta(days=1)
    failures = ClaimAttempt.objects.filter(succeeded=False, attempted_at__gte=day_ago)
    if (
        failures.filter(user=user).count() >= settings.CLAIM_FAILURES_PER_ACCOUNT_DAY
        or failures.filter(enterprise=enterprise).count() >= settings.CLAIM_FAILURES_PER_FIRM_DAY
    ):
        raise DomainError(ErrorCode.THROTTLED, _("uscc: too many failed claims; try again tomorrow"), field="uscc")
    registered_id = enterprise.legal_representative_id
    matches = (
        registered_id is not None
        and plain_name(enterprise.legal_representative_name) == plain_name(user.real_name)
        and hmac.compare_digest(resident_id_digest(registered_id.unmasked), user.resident_id_digest)
    )
    ClaimAttempt.objects.create(user=user, enterprise=enterprise, succeeded=matches, attempted_at=now, address=address)
    if not matches:
        raise DomainError(ErrorCode.FORBIDDEN, claim_refused_message(), field="uscc")
    with transaction.atomic():
        # The registry names this person now: whoever it named before no longer acts for the firm as such.
        EnterpriseMembership.objects.filter(
            enterprise=enterprise, relation=MembershipRelation.LEGAL_REPRESENTATIVE, status=MembershipStatus.ACTIVE
        ).exclude(user=user).update(status=MembershipStatus.REVOKED, decided_at=now, decided_by=None)
        membership, _created = EnterpriseMembership.objects.update_or_create(
            user=user,
            enterprise=enterprise,
            defaults={
                "relation": MembershipRelation.LEGAL_REPRESENTATIVE,
                "status": MembershipStatus.ACTIVE,
                "may_apply": True,
                "may_consent": True,
                "may_view_report": True,
                "valid_until": None,
                "decided_at": now,
                "decided_by": None,
            },
        )
    return membership


@transaction.atomic
def agent_request(*, user: User, uscc: str, note: str = "") -> EnterpriseMembership:
    """A verified person asks to act for the firm as its agent (经办人); nothing of the firm is theirs until the
    firm's verified legal representative approves, choosing what and until when."""
    _verified_applicant(user)
    enterprise = _firm_by_code(uscc)
    note = (note or "").strip()
    if len(note) > AGENT_NOTE_MAX:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            _("note: at most %(most)d characters") % {"most": AGENT_NOTE_MAX},
            field="note",
        )
    mine = EnterpriseMembership.objects.select_for_update().filter(user=user, enterprise=enterprise).first()
    # A legal representative's row still pending is a claim made before verification existed: it may become a
    # request; an agent's request waiting, or any membership in force, may not be asked again.
    if mine is not None and (
        mine.status == MembershipStatus.ACTIVE
        or (mine.status == MembershipStatus.PENDING and mine.relation == MembershipRelation.AUTHORISED_AGENT)
    ):
        raise DomainError(
            ErrorCode.CONFLICT,
            _("uscc: you already asked to act for this firm, or act for it"),
            field="uscc",
        )
    if not EnterpriseMembership.objects.filter(
        enterprise=enterprise, relation=MembershipRelation.LEGAL_REPRESENTATIVE, status=MembershipStatus.ACTIVE
    ).exists():
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            _(
                "uscc: the firm's legal representative has not verified on the platform yet; ask them to sign up and "
                "claim the firm, then they can approve you"
            ),
            field="uscc",
        )
    pending = EnterpriseMembership.objects.filter(
        user=user, relation=MembershipRelation.AUTHORISED_AGENT, status=MembershipStatus.PENDING
    ).count()
    if pending >= PENDING_REQUESTS_MOST:
        raise DomainError(
            ErrorCode.THROTTLED,
            _("uscc: you have %(count)d requests waiting; wait for their answers first") % {"count": pending},
            field="uscc",
        )
    fields = {
        "relation": MembershipRelation.AUTHORISED_AGENT,
        "status": MembershipStatus.PENDING,
        "may_apply": False,
        "may_consent": False,
        "may_view_report": False,
        "valid_until": None,
        "note": note,
        "decided_at": None,
        "decided_by": None,
    }
    if mine is None:
        try:
            with transaction.atomic():
                return EnterpriseMembership.objects.create(user=user, enterprise=enterprise, **fields)
        except IntegrityError:  # the same request sent twice at once: the other one is it
            raise DomainError(
                ErrorCode.CONFLICT, _("uscc: you already asked to act for this firm, or act for it"), field="uscc"
            ) from None
    for name, value in fields.items():
        setattr(mine, name, value)
    mine.created_at = timezone.now()
    mine.save()
    return mine
