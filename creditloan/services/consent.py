"""Consent (授权): a firm's grant of its records to named banks for a purpose and a time, and its withdrawal."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from creditloan.errors import DomainError, ErrorCode
from creditloan.models import (
    CONSENT_SOURCES,
    Authorisation,
    AuthorisationPurpose,
    Bank,
    Enterprise,
    User,
)
from creditloan.services.acting import acting_for_required, locked_for
from creditloan.values import choice_required

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

    acting_for_required(user, enterprise, may="consent", refused=_("you may not grant authorisations for %(uscc)s"))
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
    choice_required(
        purpose,
        AuthorisationPurpose.values,
        field="purpose",
        refused=_("purpose: '%(value)s' is not one of %(allowed)s"),
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
    text = _consent_words(enterprise, sources=sources, purpose=purpose, banks=banks, expires_on=expires_on)
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
    authorisation = locked_for(
        Authorisation,
        authorisation_id,
        user=user,
        may="consent",
        missing=_("no authorisation #%(number)s of yours"),
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


def _consent_words(enterprise, *, sources, purpose: str, banks, expires_on: dt.date) -> str:
    """The words the firm agrees to, in Chinese then in English, each naming the sources, the purpose and the
    banks in its own language, whatever the language of the page the grant was made on: they are kept as agreed."""
    source_names = dict(CONSENT_SOURCES)
    with translation.override("zh-hans"):
        chinese = (
            f"本人代表{enterprise.name}（{enterprise.uscc}）授权信易贷平台使用本企业的"
            f"{'、'.join(str(source_names[source]) for source in sources)}数据，"
            f"用于{AuthorisationPurpose(purpose).label}，并向{'、'.join(bank.name for bank in banks)}提供，"
            f"有效期至{expires_on:%Y年%m月%d日}。"
        )
    with translation.override("en"):
        english = (
            f"On behalf of {enterprise.name} ({enterprise.uscc}) I authorise the platform to use the firm's "
            f"{', '.join(str(source_names[source]).lower() for source in sources)} data for "
            f"{str(AuthorisationPurpose(purpose).label).lower()} and to share it with "
            f"{', '.join(bank.name for bank in banks)}, until {expires_on:%Y-%m-%d}."
        )
    return f"{chinese}\n{english}"
