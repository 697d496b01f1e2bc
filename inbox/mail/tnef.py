"""Files inside Outlook's ``winmail.dat`` (TNEF, ``application/ms-tnef``).

Outlook sends attachments wrapped in one TNEF blob when it mails in "rich text" format; most
mail clients show only a useless ``winmail.dat``. The parser keeps the blob itself as an
attachment (nothing is dropped) and adds the files found inside it as attachments of their own,
decoded with ``tnefparse``. A blob that cannot be decoded stays just the blob, with a note.
"""

import logging
import mimetypes

from tnefparse import TNEF

logger = logging.getLogger(__name__)

TNEF_TYPES = {"application/ms-tnef", "application/vnd.ms-tnef"}
# Unpacking stops after this many files (a blob can claim any number).
MAX_FILES = 200


class TnefError(Exception):
    """The blob is not TNEF Outlook could have written."""


def unpack(data: bytes) -> list[tuple[str, str, bytes]]:
    """``(filename, content type, content)`` of each file inside the TNEF blob."""
    try:
        tnef = TNEF(data)
    except Exception:  # tnefparse raises ValueError, struct.error, IndexError … on bad input
        try:  # a wrong checksum alone should not hide the files
            tnef = TNEF(data, do_checksum=False)
        except Exception as exc:
            raise TnefError(str(exc) or type(exc).__name__) from None
    files = []
    for attachment in tnef.attachments[:MAX_FILES]:
        content = attachment.data or b""
        if not isinstance(content, bytes) or not content:
            continue  # an embedded Outlook item or an empty slot: the blob itself keeps it
        try:
            name = attachment.long_filename() or attachment.name
        except Exception:  # undecodable name bytes
            name = ""
        content_type = mimetypes.guess_type(name)[0] if name else None
        files.append((name, content_type or "application/octet-stream", content))
    return files
