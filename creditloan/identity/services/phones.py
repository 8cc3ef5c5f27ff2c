"""Mobile numbers and their one-time codes: read as a mainland number, sent (throttled per number and per
address), used once within their time and tries, and the account's number confirmed."""

from __future__ import annotations

import datetime as dt
import hmac
import re
import secrets

import phonenumbers
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from creditloan.errors import DomainError, ErrorCode
from creditloan.identity.sms import sms_send
from creditloan.models import (
    PhoneCode,
    PhoneCodePurpose,
    User,
)

CODE_DIGITS = 6


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
        raise phone_taken_refusal() from None
    return user


def phone_taken_refusal() -> DomainError:
    """One account per confirmed number: the refusal wherever a number would become a second account's."""
    return DomainError(
        ErrorCode.CONFLICT,
        _("phone: this number already belongs to an account: sign in, or reset its password by this number"),
        field="phone",
    )
