"""Writes of identity: opening an account, one-time codes, real-name identity, claiming a firm, delegating to an
agent, and recovering an account. Refusals that must be remembered (a wrong code, a failed claim) are written
before the refusal is raised, outside any transaction the refusal would roll back."""

from __future__ import annotations

import datetime as dt
import hmac
import re
import secrets

import phonenumbers
from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from creditloan.errors import DomainError, ErrorCode
from creditloan.identifiers import mask_resident_id, validate_resident_id, validate_uscc
from creditloan.identity.agreements import CURRENT_VERSIONS
from creditloan.identity.selectors import delegations_answerable_by
from creditloan.identity.sms import sms_send
from creditloan.models import (
    AgreementAcceptance,
    ClaimAttempt,
    Enterprise,
    EnterpriseMembership,
    MembershipRelation,
    MembershipStatus,
    PhoneCode,
    PhoneCodePurpose,
    Role,
    User,
)
from creditloan.values import read_for_field

CODE_DIGITS = 6
USERNAME = re.compile(r"^[\w.@+-]{3,150}$")
# The longest an agent's delegation may run before the legal representative grants it again.
DELEGATION_LONGEST = dt.timedelta(days=366)
# An agent asks for at most this many firms at once: more is not an agent's work but a crawl.
PENDING_REQUESTS_MOST = 10
AGENT_NOTE_MAX = 200


def phone_normalise(raw: str) -> str:
    """A mainland mobile number as its 11 digits, whatever way it was typed (spaces, dashes, +86)."""
    try:
        number = phonenumbers.parse((raw or "").strip(), "CN")
    except phonenumbers.NumberParseException:
        number = None
    if (
        number is None
        or not phonenumbers.is_valid_number(number)
        or phonenumbers.region_code_for_number(number) != "CN"
        or phonenumbers.number_type(number)
        not in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
    ):
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            _("phone: '%(raw)s' is not a mainland China mobile number (11 digits, starting with 1)") % {"raw": raw},
            field="phone",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL).replace(" ", "")


@transaction.atomic
def account_open(
    *, username: str, password: str, phone: str, email: str = "", accepted: bool, address: str | None = None
) -> User:
    """An applicant's account: a name to sign in with, a password, a mobile number to confirm by a code (sent
    once the account is committed), an optional e-mail, and the current user agreement and privacy notice
    accepted, with their versions and the time."""
    if not accepted:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            _("accept: read and accept the user agreement and the privacy notice to open an account"),
            field="accept",
        )
    username = (username or "").strip()
    if not USERNAME.fullmatch(username):
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            _("username: 3 to 150 letters, digits and @ . + - _ only"),
            field="username",
        )
    if User.objects.filter(username__iexact=username).exists():
        raise DomainError(ErrorCode.CONFLICT, _("username: this name is taken; choose another"), field="username")
    phone = phone_normalise(phone)
    if User.objects.filter(phone=phone, phone_confirmed_at__isnull=False).exists():
        raise _phone_taken()
    email = (email or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise DomainError(
                ErrorCode.INVALID_INPUT, _("email: '%(raw)s' is not an e-mail address") % {"raw": email}, field="email"
            ) from None
    user = User(username=username, email=email, phone=phone, role=Role.APPLICANT)
    _check_password(password, user)
    user.set_password(password)
    user.save()
    now = timezone.now()
    AgreementAcceptance.objects.bulk_create(
        AgreementAcceptance(user=user, document=document, version=version, accepted_at=now, address=address)
        for document, version in CURRENT_VERSIONS.items()
    )
    phone_code_send(phone=phone, purpose=PhoneCodePurpose.CONFIRM, user=user, address=address)
    return user


def _phone_taken() -> DomainError:
    """One account per confirmed number: the refusal wherever a number would become a second account's."""
    return DomainError(
        ErrorCode.CONFLICT,
        _("phone: this number already belongs to an account: sign in, or reset its password by this number"),
        field="phone",
    )


def _check_password(password: str, user: User | None) -> None:
    try:
        password_validation.validate_password(password or "", user)
    except ValidationError as error:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            _("password: %(problem)s") % {"problem": " ".join(error.messages)},
            field="password",
        ) from None


@transaction.atomic
def phone_change(*, user: User, phone: str, address: str | None = None) -> User:
    """Before it is confirmed, a mistyped number can be replaced; a code goes to the new one."""
    if user.phone_confirmed:
        raise DomainError(ErrorCode.INVALID_TRANSITION, _("phone: your number is already confirmed"), field="phone")
    phone = phone_normalise(phone)
    if User.objects.filter(phone=phone, phone_confirmed_at__isnull=False).exclude(pk=user.pk).exists():
        raise _phone_taken()
    user.phone = phone
    user.save(update_fields=["phone"])
    phone_code_send(phone=phone, purpose=PhoneCodePurpose.CONFIRM, user=user, address=address)
    return user


def _code_digest(phone: str, purpose: str, code: str) -> str:
    return salted_hmac("creditloan.identity.phone_code", f"{phone}:{purpose}:{code}", algorithm="sha256").hexdigest()


@transaction.atomic
def phone_code_send(*, phone: str, purpose: str, user: User | None = None, address: str | None = None) -> PhoneCode:
    """A new one-time code to the number, by SMS once committed. Refused while the number was sent one less
    than a minute ago, or too many in the last hour, or the address asked for too many."""
    if not phone:
        raise DomainError(ErrorCode.INVALID_INPUT, _("phone: give your mobile number first"), field="phone")
    now = timezone.now()
    hour_ago = now - dt.timedelta(hours=1)
    to_number = PhoneCode.objects.filter(phone=phone, sent_at__gte=hour_ago)
    last = to_number.order_by("-sent_at").first()
    wait = settings.PHONE_CODE_RESEND_SECONDS
    if last is not None and (now - last.sent_at).total_seconds() < wait:
        left = wait - int((now - last.sent_at).total_seconds())
        raise DomainError(
            ErrorCode.THROTTLED,
            _("code: a code was sent to this number just now; ask again in %(seconds)d seconds") % {"seconds": left},
            field="code",
        )
    if to_number.count() >= settings.PHONE_CODES_PER_NUMBER_HOUR or (
        address is not None
        and PhoneCode.objects.filter(address=address, sent_at__gte=hour_ago).count()
        >= settings.PHONE_CODES_PER_ADDRESS_HOUR
    ):
        raise DomainError(
            ErrorCode.THROTTLED,
            _("code: too many codes were asked for in the last hour; try again later"),
            field="code",
        )
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    minutes = settings.PHONE_CODE_MINUTES
    sent = PhoneCode.objects.create(
        phone=phone,
        purpose=purpose,
        user=user,
        digest=_code_digest(phone, purpose, code),
        address=address,
        sent_at=now,
        expires_at=now + dt.timedelta(minutes=minutes),
    )
    # The message is in Chinese, as Chinese SMS gateways require a registered signature and template.
    text = (
        f"【信易贷】您的验证码是{code}，{minutes}分钟内有效，用于"
        f"{'确认手机号' if purpose == PhoneCodePurpose.CONFIRM else '重置密码'}。请勿告诉他人。"
    )
    # A gateway that fails is logged, not a 500 after the account was committed: the person asks for a new code.
    transaction.on_commit(lambda: sms_send(phone=phone, text=text), robust=True)
    return sent


def phone_code_use(*, phone: str, purpose: str, code: str, user: User | None = None) -> PhoneCode:
    """The latest code sent to the number for the purpose, if this is it: used up by this call. A wrong code
    counts a try, kept even though the refusal follows; after the last try the code is void."""
    sent = PhoneCode.objects.filter(phone=phone, purpose=purpose, used_at__isnull=True)
    if user is not None:
        sent = sent.filter(user=user)
    latest = sent.order_by("-sent_at").first()
    now = timezone.now()
    if latest is None or latest.expires_at <= now:
        raise DomainError(
            ErrorCode.INVALID_INPUT, _("code: the code has expired or none was sent; ask for a new one"), field="code"
        )
    tries = settings.PHONE_CODE_TRIES
    # The try is counted before the code is compared, in one statement, so guesses sent at once cannot all pass
    # the count while it still reads 0.
    counted = PhoneCode.objects.filter(pk=latest.pk, used_at__isnull=True, attempts__lt=tries).update(
        attempts=F("attempts") + 1
    )
    if not counted:
        raise DomainError(ErrorCode.THROTTLED, _("code: too many wrong tries; ask for a new code"), field="code")
    typed = re.sub(r"\s", "", code or "")
    if not hmac.compare_digest(latest.digest, _code_digest(phone, purpose, typed)):
        left = tries - latest.attempts - 1
        if left <= 0:
            raise DomainError(ErrorCode.THROTTLED, _("code: too many wrong tries; ask for a new code"), field="code")
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            _("code: that is not the code we sent (%(left)d tries left)") % {"left": left},
            field="code",
        )
    if not PhoneCode.objects.filter(pk=latest.pk, used_at__isnull=True).update(used_at=now):
        raise DomainError(
            ErrorCode.INVALID_INPUT, _("code: the code has expired or none was sent; ask for a new one"), field="code"
        )
    return latest


def phone_confirm(*, user: User, code: str) -> User:
    """The person typed the code sent to their number: the number is theirs."""
    if user.phone_confirmed:
        return user
    phone_code_use(phone=user.phone, purpose=PhoneCodePurpose.CONFIRM, code=code, user=user)
    user.phone_confirmed_at = timezone.now()
    try:
        with transaction.atomic():
            user.save(update_fields=["phone_confirmed_at"])
    except IntegrityError:
        user.phone_confirmed_at = None
        raise _phone_taken() from None
    return user


def password_reset_request(*, phone: str, address: str | None = None) -> None:
    """A reset code to the number, if an account has confirmed it. The answer is the same either way, so the
    page does not tell a stranger whose number has an account."""
    phone = phone_normalise(phone)
    user = User.objects.filter(phone=phone, phone_confirmed_at__isnull=False, is_active=True).first()
    if user is None:
        return
    try:
        phone_code_send(phone=phone, purpose=PhoneCodePurpose.RESET, user=user, address=address)
    except DomainError as error:
        # A throttled number would otherwise answer differently from a number without an account.
        if error.code != ErrorCode.THROTTLED:
            raise


def password_reset_confirm(*, phone: str, code: str, password: str) -> User:
    """The code sent to the account's number and a new password: every session and API token issued under the
    old password stops working."""
    phone = phone_normalise(phone)
    # The same answers whether or not an account has the number: the password's own rules first, with nobody's
    # name to compare it to, then the code; only a right code lets it be compared to the account's name.
    _check_password(password, None)
    user = User.objects.filter(phone=phone, phone_confirmed_at__isnull=False, is_active=True).first()
    if user is None:
        raise DomainError(
            ErrorCode.INVALID_INPUT, _("code: the code has expired or none was sent; ask for a new one"), field="code"
        )
    phone_code_use(phone=phone, purpose=PhoneCodePurpose.RESET, code=code, user=user)
    _check_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    return user


def resident_id_digest(number: str) -> str:
    """What matching a person to the registry needs of a resident ID: a digest keyed by IDENTITY_DIGEST_KEY, so
    a copy of the database alone does not give the numbers back."""
    return salted_hmac(
        "creditloan.identity.resident_id", number, secret=settings.IDENTITY_DIGEST_KEY or None, algorithm="sha256"
    ).hexdigest()


def _plain_name(name: str) -> str:
    """A name as the registry would write it: no spaces, one kind of middle dot (for names like 阿卜杜·热合曼)."""
    return re.sub(r"[\s\u3000]", "", re.sub(r"[·•・‧.]", "·", name or "")).casefold()


@transaction.atomic
def identity_verify(*, user: User, real_name: str, resident_id: str) -> User:
    """实名认证: the person's name and resident ID number (GB 11643). The number is kept as a keyed digest and a
    masked form; it is never shown whole again. A deployment checks the pair against the public-security
    identity service here (docs/security.md); this platform checks the number's form and that no other account
    holds it."""
    if not user.is_applicant:
        raise DomainError(ErrorCode.FORBIDDEN, _("only an applicant account states a real-name identity"))
    if not user.phone_confirmed:
        raise DomainError(ErrorCode.INVALID_TRANSITION, _("confirm your mobile number first"))
    if user.identity_verified:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            _("your identity is already verified; to change it, contact the platform"),
        )
    name = re.sub(r"\s+", " ", (real_name or "").strip())
    if not 2 <= len(name) <= 50 or re.search(r"[\d@#$%^&*()_+=<>?/\\|{}\[\]~`!,;:\"]", name):
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            _("real_name: your name as on your resident identity card, 2 to 50 characters, without digits"),
            field="real_name",
        )
    number = read_for_field(
        validate_resident_id, resident_id or "", field="resident_id", labelled=_("resident_id: %(problem)s")
    )
    digest = resident_id_digest(number)
    already = _("resident_id: this number is verified on another account; sign in to it, or recover it by its mobile")
    if User.objects.filter(resident_id_digest=digest).exclude(pk=user.pk).exists():
        raise DomainError(ErrorCode.CONFLICT, already, field="resident_id")
    user.real_name, user.resident_id_digest, user.resident_id_masked = name, digest, mask_resident_id(number)
    user.identity_verified_at = timezone.now()
    try:
        with transaction.atomic():
            user.save(update_fields=["real_name", "resident_id_digest", "resident_id_masked", "identity_verified_at"])
    except IntegrityError:
        raise DomainError(ErrorCode.CONFLICT, already, field="resident_id") from None
    return user


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
        and _plain_name(enterprise.legal_representative_name) == _plain_name(user.real_name)
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


# What the legal representative may do with an agent's request or delegation: from which states, to which.
DELEGATION_MOVES = {
    "approve": ({MembershipStatus.PENDING}, MembershipStatus.ACTIVE),
    "refuse": ({MembershipStatus.PENDING}, MembershipStatus.REFUSED),
    "revoke": ({MembershipStatus.PENDING, MembershipStatus.ACTIVE}, MembershipStatus.REVOKED),
}


def _delegation_move(*, by: User, membership_id: int, event: str, **fields) -> EnterpriseMembership:
    """One answer of the legal representative to an agent of a firm they represent, under a row lock: the move
    must start from a state the table allows; `fields` are what the answer sets besides the state."""
    delegation = (
        delegations_answerable_by(by).select_for_update().filter(pk=membership_id).select_related("user", "enterprise")
    ).first()
    if delegation is None:
        raise DomainError(
            ErrorCode.NOT_FOUND,
            _("no request #%(number)s to a firm you represent") % {"number": membership_id},
            field="delegation",
        )
    allowed, target = DELEGATION_MOVES[event]
    if delegation.status not in allowed:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            _("request #%(number)d was already answered: %(status)s")
            % {"number": delegation.pk, "status": delegation.get_status_display()},
        )
    fields |= {"status": target, "decided_at": timezone.now(), "decided_by": by}
    for name, value in fields.items():
        setattr(delegation, name, value)
    delegation.save(update_fields=list(fields))
    return delegation


@transaction.atomic
def delegation_approve(
    *,
    by: User,
    membership_id: int,
    may_apply: bool,
    may_consent: bool,
    may_view_report: bool,
    valid_until: dt.date,
) -> EnterpriseMembership:
    """The legal representative lets the agent act for the firm: what they may do, until when."""
    if not (may_apply or may_consent or may_view_report):
        raise DomainError(
            ErrorCode.INVALID_INPUT, _("permissions: choose at least one thing the agent may do"), field="permissions"
        )
    today = timezone.localdate()
    if not isinstance(valid_until, dt.date) or not today <= valid_until <= today + DELEGATION_LONGEST:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            _("valid_until: a day from today to %(last)s") % {"last": today + DELEGATION_LONGEST},
            field="valid_until",
        )
    return _delegation_move(
        by=by,
        membership_id=membership_id,
        event="approve",
        may_apply=may_apply,
        may_consent=may_consent,
        may_view_report=may_view_report,
        valid_until=valid_until,
    )


@transaction.atomic
def delegation_refuse(*, by: User, membership_id: int) -> EnterpriseMembership:
    return _delegation_move(by=by, membership_id=membership_id, event="refuse")


@transaction.atomic
def delegation_revoke(*, by: User, membership_id: int) -> EnterpriseMembership:
    """The legal representative ends an agent's delegation at once, or a request before answering it."""
    return _delegation_move(by=by, membership_id=membership_id, event="revoke")
