"""Opening an account, changing its mobile, and recovering its password by a code sent to that mobile."""

from __future__ import annotations

import re

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from creditloan.errors import DomainError, ErrorCode
from creditloan.identity.agreements import CURRENT_VERSIONS
from creditloan.identity.services.phones import phone_code_send, phone_code_use, phone_normalise, phone_taken_refusal
from creditloan.models import (
    AgreementAcceptance,
    PhoneCodePurpose,
    Role,
    User,
)

USERNAME = re.compile(r"^[\w.@+-]{3,150}$")


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
        raise phone_taken_refusal()
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
        raise phone_taken_refusal()
    user.phone = phone
    user.save(update_fields=["phone"])
    phone_code_send(phone=phone, purpose=PhoneCodePurpose.CONFIRM, user=user, address=address)
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
