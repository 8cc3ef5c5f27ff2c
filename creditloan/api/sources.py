"""Source systems push records: a registry, a tax or customs bureau, a bank. Each holds a key for its one
source. The body is a CSV or JSON-lines file in the format `manage.py describe_formats` documents; it goes
through the same import service as `manage.py import_records`, with the same rejected rows, as one batch."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import authentication, exceptions, parsers, permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from creditloan.api.errors import RequestTooLarge
from creditloan.api.serializers import BatchOut
from creditloan.flows.records import records_import
from creditloan.ingestion.services import ImportSource
from creditloan.models import SourceKey, token_digest

FORMAT_OF_MEDIA_TYPE = {
    "text/csv": "csv",
    "application/x-ndjson": "jsonl",
    "application/jsonl": "jsonl",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
}


class SourceSystem:
    """Who pushes: not a person, a source system holding a key."""

    is_authenticated = True
    is_anonymous = False
    role = None

    def __init__(self, key: SourceKey) -> None:
        self.key = key
        self.pk = None

    def __str__(self) -> str:
        return f"source system {self.key.source} ({self.key.prefix}…)"


class SourceKeyAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer src_…`, looked up by its hash; a person's token is not a source key."""

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if len(header) != 2 or header[0] != "Bearer":
            return None
        key = SourceKey.objects.filter(digest=token_digest(header[1])).first()
        if key is None:
            raise exceptions.AuthenticationFailed(_("Unknown source key."))
        if key.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("This source key has been revoked."))
        SourceKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
        return SourceSystem(key), key

    def authenticate_header(self, request) -> str:
        return "Bearer"


class SourceKeyScheme(OpenApiAuthenticationExtension):
    target_class = SourceKeyAuthentication
    name = "sourceKey"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "A source system's key (src_…)."}


class PushesItsOwnSource(permissions.BasePermission):
    message = "This key may push records of its own source only."

    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, SourceKey) and request.auth.source == view.kwargs.get("source")


class RecordFileParser(parsers.BaseParser):
    """The body, spooled to a temporary file as it arrives, refused with 413 past SOURCE_MAX_BODY_BYTES."""

    media_type = "*/*"

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.SOURCE_MAX_BODY_BYTES
        size = 0
        with tempfile.NamedTemporaryFile(prefix="push-", suffix=".upload", delete=False) as spooled:
            try:
                while stream is not None and (chunk := stream.read(1 << 20)):
                    size += len(chunk)
                    if size > limit:
                        raise RequestTooLarge(_("The body is over %(limit)s bytes.") % {"limit": limit})
                    spooled.write(chunk)
            except BaseException:
                # Too large, or the client went away mid-body: nothing is left behind in the temp folder.
                Path(spooled.name).unlink(missing_ok=True)
                raise
        return {"path": Path(spooled.name), "size": size}


@extend_schema(
    request={
        "text/csv": OpenApiTypes.BINARY,
        "application/x-ndjson": OpenApiTypes.BINARY,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": OpenApiTypes.BINARY,
    },
    responses={201: BatchOut},
    parameters=[OpenApiParameter("X-File-Name", location="header", required=False, description="Kept with the batch.")],
)
class PushRecords(APIView):
    """One file of records of the key's source, imported as one batch: rows that break the format are
    rejected with their reasons and the rest land; a file that cannot be read at all changes nothing."""

    authentication_classes = [SourceKeyAuthentication]
    permission_classes = [PushesItsOwnSource]
    parser_classes = [RecordFileParser]

    def post(self, request, source: str):
        media_type, *media_params = (part.strip() for part in (request.content_type or "").split(";"))
        media_type = media_type.lower()
        # `text/csv; charset=gbk` names the encoding; without it, it is detected (docs/data-formats.md).
        named = (param.partition("=") for param in media_params)
        charset = next((value.strip('"') for key, _eq, value in named if key.strip().lower() == "charset"), None)
        file_format = FORMAT_OF_MEDIA_TYPE.get(media_type)
        if file_format is None:
            raise exceptions.UnsupportedMediaType(
                media_type,
                _("Send text/csv, application/x-ndjson or an .xlsx workbook, not %(type)s.")
                % {"type": media_type or "—"},
            )
        if "path" not in request.data:
            # DRF does not call the parser for a body it takes to be empty (no Content-Length, or 0).
            raise exceptions.ValidationError({"body": [_("The file is empty; send it with its Content-Length.")]})
        upload = request.data["path"]
        try:
            if request.data["size"] == 0:
                raise exceptions.ValidationError({"body": [_("The file is empty.")]})
            name = request.headers.get("X-File-Name") or f"{source}-push.{file_format}"
            batch = records_import(
                files=[
                    ImportSource(source=source, path=upload, file_format=file_format, name=name[:255], encoding=charset)
                ],
                origin=f"api:{request.auth.prefix}",
            )
        finally:
            upload.unlink(missing_ok=True)
        return Response(BatchOut(batch).data, status=status.HTTP_201_CREATED)
