"""`Idempotency-Key` on writes that must happen once: the first response is kept with the key, and a replay
of the same request returns it without doing anything again.

The key is claimed by inserting its row in the same transaction as the write. A second request with the same
key waits on that row's unique index until the first commits, then finds it and replays it; if the first
fails, its row goes with it and the retry runs afresh. Only successful responses are kept: an error changed
nothing, so sending the request again is safe and may succeed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from creditloan.api.errors import IdempotencyKeyReused
from creditloan.models import IdempotencyRecord

HEADER = "Idempotency-Key"
KEY_MAX = 255


def _fingerprint(operation: str, data) -> str:
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{operation}\n{canonical}".encode()).hexdigest()


def idempotent(request, operation: str, perform: Callable[[], Response]) -> Response:
    """Runs `perform` once per (user, key); `operation` names what is done and to what, e.g.
    "POST /api/v1/offers/12/accept"."""
    key = request.headers.get(HEADER)
    if key is None:
        with transaction.atomic():
            return perform()
    if not key or len(key) > KEY_MAX or not key.isprintable():
        raise exceptions.ValidationError(
            {HEADER: [_("Give 1 to %(most)d printable characters, e.g. a UUID.") % {"most": KEY_MAX}]}
        )
    fingerprint = _fingerprint(operation, request.data)
    with transaction.atomic():
        record = IdempotencyRecord(
            user=request.user,
            key=key,
            operation=operation,
            fingerprint=fingerprint,
            status_code=0,
            body={},
            created_at=timezone.now(),
        )
        if not _claimed(record):
            first = IdempotencyRecord.objects.get(user=request.user, key=key)
            if (first.operation, first.fingerprint) != (operation, fingerprint):
                raise IdempotencyKeyReused()
            return Response(first.body, status=first.status_code, headers={"Idempotent-Replayed": "true"})
        response = perform()
        # What the client received, as JSON: the replay must be byte-for-byte the same answer.
        record.body = json.loads(JSONRenderer().render(response.data) or b"null")
        record.status_code = response.status_code
        record.save(update_fields=["body", "status_code"])
        return response


def _claimed(record: IdempotencyRecord) -> bool:
    """Insert the key's row unless the person's key has one already; whether this one is ours. A conflict does
    nothing rather than fail (ON CONFLICT DO NOTHING), so no savepoint is needed to carry on after it: two
    statements fewer on every write. A first request's row not yet committed is waited for, as the unique index
    made the plain insert wait: committed, it is found and replayed; rolled back, this one is inserted."""
    meta = IdempotencyRecord._meta
    columns = [field for field in meta.concrete_fields if not field.primary_key]
    quote = connection.ops.quote_name
    names = ", ".join(quote(field.column) for field in columns)
    values = [field.get_db_prep_save(getattr(record, field.attname), connection) for field in columns]
    unique = ", ".join(quote(meta.get_field(name).column) for name in ("user", "key"))
    with connection.cursor() as cursor:
        # The model's own table and columns; the values are parameters (hence nosec B608).
        cursor.execute(
            f"INSERT INTO {quote(meta.db_table)} ({names}) VALUES ({', '.join(['%s'] * len(columns))}) "  # nosec B608
            f"ON CONFLICT ({unique}) DO NOTHING RETURNING {quote(meta.pk.column)}",
            values,
        )
        row = cursor.fetchone()
    if row is None:
        return False
    record.pk = row[0]
    record._state.adding = False
    return True
