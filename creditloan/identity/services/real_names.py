"""A person's real-name identity: the name and GB 11643 number, kept as an HMAC and a masked form, one verified
account per number."""

from __future__ import annotations

import re

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from creditloan.errors import DomainError, ErrorCode
from creditloan.identifiers import mask_resident_id, validate_resident_id
from creditloan.models import (
    User,
)
from creditloan.values import read_for_field


def resident_id_digest(number: str) -> str:
    """What matching a person to the registry needs of a resident ID: a digest keyed by IDENTITY_DIGEST_KEY, so
    a copy of the database alone does not give the numbers back."""
    return salted_hmac(
        "creditloan.identity.resident_id", number, secret=settings.IDENTITY_DIGEST_KEY or None, algorithm="sha256"
    ).hexdigest()


def plain_name(name: str) -> str:
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
