"""Attachment downloads: permission-checked, never rendered by the browser unless a safe image.

Everything is sent as a download (``Content-Disposition: attachment`` with an RFC 5987
``filename*``); only PNG, JPEG, GIF and WebP may be shown inline (previews and ``cid:``
images). SVG and HTML are always downloads, since they can carry script.
"""

import re
import unicodedata
from urllib.parse import quote

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.http import require_GET

from inbox.models import Attachment
from inbox.permissions import ticket_for

SAFE_INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
MIME_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$")
UNSAFE_FILENAME_CHARS = re.compile(r'[\x00-\x1f\x7f"\\/:*?<>|;]+')


def attachment_url(ticket_id, attachment, inline=False):
    url = reverse("inbox_ticket:attachment", args=[ticket_id, attachment.pk])
    return f"{url}?inline=1" if inline else url


def clean_content_type(value):
    value = (value or "").split(";")[0].strip().lower()
    return value if MIME_TYPE.match(value) else "application/octet-stream"


def is_previewable(attachment):
    return clean_content_type(attachment.content_type) in SAFE_INLINE_TYPES


def safe_filename(name):
    """The file name without path parts or characters that break headers; never empty."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = UNSAFE_FILENAME_CHARS.sub("_", name).strip(" .")
    return name or "attachment"


def content_disposition(disposition, filename):
    """``attachment; filename="ascii"; filename*=UTF-8''percent-encoded`` (RFC 6266 / RFC 5987)."""
    filename = safe_filename(filename)
    ascii_name = filename.encode("ascii", "replace").decode("ascii").replace("?", "_")
    return f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


@require_GET
def download(request, pk, attachment_id):
    ticket = ticket_for(request.user, pk)
    attachment = get_object_or_404(Attachment, pk=attachment_id, message__ticket=ticket)
    inline = request.GET.get("inline") == "1" and is_previewable(attachment)
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404("The attachment's file is missing from storage.")
    content_type = clean_content_type(attachment.content_type) if inline else "application/octet-stream"
    response = FileResponse(handle, content_type=content_type)
    response["Content-Disposition"] = content_disposition(
        "inline" if inline else "attachment", attachment.filename
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response
