"""Request bodies sent with `Transfer-Encoding: chunked` and no Content-Length. Django reads a body only as far as
Content-Length says, so such a body reached every view as empty ("the file is empty" for a 201 MB push). This
WSGI layer reads the decoded body (gunicorn decodes the chunks) into a spooled file up to the limit of the
route it is for, then hands Django the file with its length; past the limit it answers 413 itself, in the API's
error shape, without reading the rest. A buffering proxy in front (docs/operations.md) does the same before a
request reaches a node; this keeps a node that is reached directly correct too."""

from __future__ import annotations

import json
import tempfile

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation.trans_real import get_supported_language_variant, parse_accept_lang_header

SPOOL_IN_MEMORY_BYTES = 1 << 20
READ_BYTES = 1 << 16


def body_limit(path: str) -> int:
    """The most a body to this path may hold: a source system's file, or anything else the API and pages take."""
    if path.startswith("/api/v1/sources/"):
        return settings.SOURCE_MAX_BODY_BYTES
    return max(settings.API_MAX_BODY_BYTES, settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0)


class ChunkedBodies:
    def __init__(self, application) -> None:
        self.application = application

    def __call__(self, environ, start_response):
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        if not chunked or environ.get("CONTENT_LENGTH"):
            return self.application(environ, start_response)
        limit = body_limit(environ.get("PATH_INFO", ""))
        # Django reads the whole body while the view runs, before the response is returned: the file can close then.
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY_BYTES) as body:
            size = 0
            stream = environ["wsgi.input"]
            while chunk := stream.read(READ_BYTES):
                size += len(chunk)
                if size > limit:
                    return _too_large(limit, environ, start_response)
                body.write(chunk)
            body.seek(0)
            return self.application(environ | {"wsgi.input": body, "CONTENT_LENGTH": str(size)}, start_response)


def _language(environ) -> str:
    """The request's language, as LocaleMiddleware would choose it from Accept-Language."""
    for code, _quality in parse_accept_lang_header(environ.get("HTTP_ACCEPT_LANGUAGE", "")):
        try:
            return get_supported_language_variant(code)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE


def _too_large(limit: int, environ, start_response):
    with translation.override(_language(environ)):
        message = gettext("The body is over %(limit)s bytes.") % {"limit": limit}
    payload = json.dumps({"code": "too_large", "message": message, "fields": {}}, ensure_ascii=False).encode()
    # The rest of the body is not read: the connection cannot be reused for another request.
    start_response(
        "413 Request Entity Too Large",
        [("Content-Type", "application/json"), ("Content-Length", str(len(payload))), ("Connection", "close")],
    )
    return [payload]
