"""A version of each API token, kept in the shared cache, so that a token verified once may be remembered by
every process and still be refused on the very next request after it is revoked, after its account's password
changes or after the account is deactivated.

The version is a random value, replaced on every write to the token or to its account: twice, once when the
write is made and once when it commits. A process reads the version before it reads the token from the
database, and remembers the token under that version: a write committed after the read has replaced it since.
Versions are kept by token (by its digest) for that reason: it is all a process knows before the read. A version
that is missing (never set, or lost with a Redis that was restarted) matches nothing, and a cache that cannot be
reached answers UNKNOWN: the caller then verifies in the database.

Every write reaches this through the models' save and delete signals, not through each service that writes: the
admin's forms, Django's password views, the services and a cascade all save through the ORM, and a path that
forgot to say so would leave a revoked token working. No write to either model goes through `QuerySet.update()`
except the token's `last_used_at`, which says nothing of whether it may be used.
"""

from __future__ import annotations

import logging
import secrets

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from creditloan.models import ApiToken

logger = logging.getLogger(__name__)

UNKNOWN = None
# How long Redis keeps a token's version unread: a version gone is a version changed (the token is read again from the
# database), so this only bounds how many keys the tokens ever used leave behind.
VERSION_KEPT_SECONDS = 24 * 60 * 60


def credentials_cached() -> bool:
    """Whether verified tokens may be remembered: only with a cache every process shares (Redis), since a version
    replaced in one process's own memory would not reach the others."""
    return settings.API_TOKENS_REMEMBERED


def credentials_version(digest: str) -> str | None:
    """The version of the token with this digest, or UNKNOWN when it has none or the cache cannot be reached."""
    try:
        return cache.get(_key(digest))
    except Exception:  # noqa: BLE001 - any failure of the cache means: ask the database
        logger.warning("the credentials cache could not be read; verifying in the database", exc_info=True)
        return UNKNOWN


def credentials_version_start(digest: str) -> str | None:
    """The token's version, set to a new one if it has none; read before the token is read from the database, so
    that a write committed after that read has replaced it. UNKNOWN when the cache cannot be reached."""
    fresh = secrets.token_hex(8)
    try:
        # The one just set, or the one another process or a write set first.
        return fresh if cache.add(_key(digest), fresh, timeout=VERSION_KEPT_SECONDS) else cache.get(_key(digest))
    except Exception:  # noqa: BLE001
        logger.warning("the credentials cache could not be written; verifying in the database", exc_info=True)
        return UNKNOWN


def credentials_changed(digests: list[str]) -> None:
    """Whatever a process remembers of these tokens is stale: now, and again once the write commits."""
    if not credentials_cached() or not digests:
        return
    _replace_versions(digests)
    transaction.on_commit(lambda: _replace_versions(digests))


def _replace_versions(digests: list[str]) -> None:
    try:
        cache.set_many({_key(digest): secrets.token_hex(8) for digest in digests}, timeout=VERSION_KEPT_SECONDS)
    except Exception:  # noqa: BLE001
        # What the processes remember expires within API_TOKEN_REMEMBER_SECONDS; say so loudly meanwhile.
        logger.error("the credentials cache missed a change to %d API tokens", len(digests), exc_info=True)


def _key(digest: str) -> str:
    return f"credentials:{digest}"


def user_saved_or_deleted(sender, instance, **kwargs) -> None:
    """Any change to an account (its password, whether it is active, its role or bank) reaches its tokens."""
    if credentials_cached():
        credentials_changed(list(ApiToken.objects.filter(user_id=instance.pk).values_list("digest", flat=True)))


def token_saved_or_deleted(sender, instance, **kwargs) -> None:
    credentials_changed([instance.digest])
