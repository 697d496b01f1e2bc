"""Walking the MIME tree of one message: which parts are the body, which are attachments.

The rules are described in ``inbox.mail.parse``'s docstring; ``BodyWalker`` implements them and
collects what the parser needs besides the body (attachments, delivery-report fields, the
returned original's Message-ID, charsets that bodies proved wrong, defects).
"""

from __future__ import annotations

import html as html_lib
import io
import mimetypes
import os
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from email import policy
from email.generator import BytesGenerator
from email.message import Message
from email.parser import BytesParser
from email.utils import collapse_rfc2231_value
from urllib.parse import unquote

from django.utils.translation import gettext as _

from inbox.mail import reports, tnef
from inbox.mail.charsets import (
    clean_text,
    codecs_for,
    decode_bytes,
    decode_header_value,
    is_weak_label,
    normalize_label,
)
from inbox.mail.html import html_to_text, sanitize_html, text_to_html
from inbox.mail.reading_policy import READING_POLICY

MAX_DEPTH = 50
MAX_PARTS = 1000
MAX_FILENAME = 200
FORWARD_MARKER = "---------- Forwarded message ----------"

_EXTENSIONS = {
    "text/plain": ".txt",
    "text/html": ".html",
    "image/jpeg": ".jpg",
    "message/rfc822": ".eml",
    "application/octet-stream": ".bin",
    "application/ms-tnef": ".dat",
    "application/vnd.ms-tnef": ".dat",
}
_DEFAULT_NAMES = {
    "application/ms-tnef": "winmail.dat",
    "application/vnd.ms-tnef": "winmail.dat",
    "application/pkcs7-signature": "smime.p7s",
    "application/x-pkcs7-signature": "smime.p7s",
    "application/pkcs7-mime": "smime.p7m",
    "application/x-pkcs7-mime": "smime.p7m",
    "application/pgp-signature": "signature.asc",
    "application/pgp-encrypted": "pgp-encrypted.asc",
    "application/pgp-keys": "public-key.asc",
    "message/delivery-status": "delivery-status.txt",
    "message/global-delivery-status": "delivery-status.txt",
    "text/rfc822-headers": "original-headers.txt",
    "message/global-headers": "original-headers.txt",
    "message/disposition-notification": "disposition-notification.txt",
    "text/calendar": "invite.ics",
}
_UNSAFE_NAME_CHARS = re.compile(r'[<>:"|?*]')
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
_CID = re.compile(r"""cid:([^"'\s>)]+)""", re.IGNORECASE)


@dataclass
class ParsedAttachment:
    filename: str
    content_type: str
    content: bytes
    content_id: str = ""
    is_inline: bool = False

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass
class Content:
    text: str | None = None  # plain text
    html: str | None = None  # raw, not yet sanitized


def safe_filename(name: str, content_type: str, fallback: str) -> str:
    """No path, no control or bidi characters, no leading dots, at most 200 characters, never empty."""
    name = unicodedata.normalize("NFC", re.sub(r"[\t\r\n]+", " ", name or ""))
    name = clean_text(name)
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C" and ch != "\ufffd" or ch == " ")
    name = _UNSAFE_NAME_CHARS.sub("_", " ".join(name.split())).strip(" .")
    if not name:
        name = fallback
    if len(name) > MAX_FILENAME:
        stem, extension = os.path.splitext(name)
        extension = extension[:20]
        name = stem[: MAX_FILENAME - len(extension)].rstrip(" .") + extension
    return name


def extension_for(content_type: str) -> str:
    return _EXTENSIONS.get(content_type) or mimetypes.guess_extension(content_type, strict=False) or ".bin"


def _param(part: Message, name: str, header: str = "content-type") -> str:
    try:
        value = part.get_param(name, header=header)
    except Exception:  # broken parameter syntax
        return ""
    if isinstance(value, tuple):
        try:
            value = collapse_rfc2231_value(value)
        except Exception:  # unknown RFC 2231 charset
            value = value[2]
    return str(value or "").strip()


def _content_type(part: Message) -> str:
    try:
        return part.get_content_type().lower()
    except Exception:  # unparseable Content-Type
        return "application/octet-stream"


def _disposition(part: Message) -> str:
    try:
        return (part.get_content_disposition() or "").lower()
    except Exception:  # unparseable Content-Disposition
        return ""


def _raw_header(part: Message, name: str) -> str:
    for key, value in part.raw_items():
        if key.strip().lower() == name:
            return str(value)
    return ""


def raw_payload(part: Message):
    """The sub-parts (a list) or the still-encoded body (str, 8-bit bytes as surrogate escapes).

    ``get_payload()`` without ``decode`` would re-decode 8-bit bodies with the declared charset,
    lossily, and raises on some bogus charset names; the parser's own storage is what we want.
    """
    payload = getattr(part, "_payload", None)
    return payload if isinstance(payload, list | str) else ""


def payload_bytes(part: Message) -> bytes:
    """Transfer-decoded payload of a leaf part; broken base64 is decoded as far as it goes."""
    try:
        data = part.get_payload(decode=True)
    except Exception:  # e.g. a decoder choking on garbage
        data = None
    if data is None:
        payload = raw_payload(part)
        data = payload.encode("utf-8", "surrogateescape") if isinstance(payload, str) else b""
    return data


def entity_bytes(message: Message) -> bytes:
    """The bytes of a (nested) message, with its headers exactly as received."""
    buffer = io.BytesIO()
    try:
        generator_policy = message.policy.clone(linesep="\r\n", refold_source="none")
        BytesGenerator(buffer, mangle_from_=False, policy=generator_policy).flatten(message)
        return buffer.getvalue()
    except Exception:  # a header the generator refuses: fall back to the compat32 serialisation
        try:
            return message.as_bytes(policy=policy.compat32)
        except Exception:
            return str(message).encode("utf-8", "surrogateescape")


def unflow(text: str, delsp: bool) -> str:
    """Undo RFC 3676 format=flowed soft line breaks, keeping quote depth as '>' prefixes."""
    out: list[str] = []
    paragraph: str | None = None
    depth_of_paragraph = 0

    def flush():
        prefix = ">" * depth_of_paragraph + (" " if depth_of_paragraph and paragraph else "")
        out.append(prefix + (paragraph or ""))

    for line in text.split("\n"):
        depth = len(line) - len(line.lstrip(">"))
        content = line[depth:]
        if content.startswith(" "):
            content = content[1:]
        signature = content == "-- "
        if paragraph is not None and (depth != depth_of_paragraph or signature):
            flush()
            paragraph = None
        if paragraph is None:
            paragraph, depth_of_paragraph = content, depth
        else:
            paragraph += content
        if paragraph.endswith(" ") and not signature:
            if delsp:
                paragraph = paragraph[:-1]
            continue
        flush()
        paragraph = None
    if paragraph is not None:
        flush()
    return "\n".join(out)


def _combine(contents: list[Content]) -> Content:
    contents = [content for content in contents if content.text is not None or content.html is not None]
    if not contents:
        return Content()
    if len(contents) == 1:
        return contents[0]
    texts = [c.text if c.text is not None else html_to_text(sanitize_html(c.html or "")) for c in contents]
    text = "\n\n".join(piece.strip("\n") for piece in texts if piece.strip())
    html = None
    if any(content.html is not None for content in contents):
        html = "\n".join(
            c.html if c.html is not None else f"<div>{text_to_html(c.text or '')}</div>" for c in contents
        )
    return Content(text, html)


class BodyWalker:
    def __init__(self, hints: list[str]):
        self.hints = list(hints)
        self.defects: list[str] = []
        self.charset_overrides: dict[str, str] = {}
        self.report_blocks: list[dict[str, str]] | None = None
        self.report_type = ""
        self.returned_message_id = ""
        self._attachments: list[tuple[ParsedAttachment, bool]] = []  # (attachment, inside a forward)
        self._parts = 0
        self._nesting = 0
        self._unnamed = 0

    # -- entry points
    def walk(self, message: Message) -> Content:
        return self._entity(message, depth=0, top=True)

    def finish_attachments(self, sanitized_html: str) -> list[ParsedAttachment]:
        """Mark cid-referenced parts inline; drop a forward's own attachments (they stay in its .eml)."""
        referenced = {unquote(match).strip("<>").lower() for match in _CID.findall(sanitized_html or "")}
        result = []
        for attachment, nested in self._attachments:
            attachment.is_inline = (
                attachment.content_type.startswith("image/")
                and bool(attachment.content_id)
                and attachment.content_id.lower() in referenced
            )
            if nested and not attachment.is_inline:
                continue
            result.append(attachment)
        return result

    # -- the tree
    def _entity(
        self, part: Message, depth: int, top=False, in_report=False, alternative=False, resource=False
    ):
        self._parts += 1
        if self._parts > MAX_PARTS:
            self._defect(
                _("The message has more than %(count)d MIME parts; the rest is only in the raw message.")
                % {"count": MAX_PARTS}
            )
            return Content()
        content_type = _content_type(part)
        if content_type.startswith("multipart/") and depth < MAX_DEPTH:
            return self._multipart(part, content_type, depth, in_report, alternative)
        if content_type.startswith("multipart/"):
            self._defect(
                _("MIME parts nested deeper than %(depth)d levels were kept as attachments.")
                % {"depth": MAX_DEPTH}
            )
            self._attach(part, "message/rfc822", "nested-parts.eml", raw=entity_bytes(part))
            return Content()
        if content_type in ("message/rfc822", "message/global"):
            return self._forwarded(part, depth, in_report)
        if content_type in ("message/delivery-status", "message/global-delivery-status"):
            self._delivery_status(part)
            return Content()
        if content_type in ("text/rfc822-headers", "message/global-headers"):
            data = payload_bytes(part)
            headers = BytesParser(policy=READING_POLICY).parsebytes(data, headersonly=True)
            self._returned(_raw_header(headers, "message-id"))
            self._attach(part, content_type, "", raw=data)
            return Content()
        disposition = _disposition(part)
        filename = self._filename(part)
        maintype, _slash, subtype = content_type.partition("/")
        is_text = maintype == "text" and subtype in ("plain", "html")
        if is_text and not resource and disposition != "attachment" and (not filename or top or alternative):
            return self._text(part, subtype)
        self._attach(part, content_type, filename)
        if content_type in tnef.TNEF_TYPES:
            self._unpack_tnef(payload_bytes(part))
        return Content()

    def _unpack_tnef(self, data: bytes) -> None:
        try:
            files = tnef.unpack(data)
        except tnef.TnefError as exc:
            self._defect(
                _("The winmail.dat attachment could not be unpacked (%(reason)s); it is kept as it is.")
                % {"reason": exc}
            )
            return
        for name, content_type, content in files:
            self._unnamed += 1
            fallback = f"attachment-{self._unnamed}{extension_for(content_type)}"
            self._add(ParsedAttachment(safe_filename(name, content_type, fallback), content_type, content))

    def _multipart(self, part, content_type, depth, in_report, alternative):
        children = raw_payload(part)
        if not isinstance(children, list):
            recovered = self._recover_boundary(part, content_type)
            if recovered is None:
                self._defect(_("A multipart section has no usable boundary; it was read as plain text."))
                return self._text(part, "plain")
            part, children = recovered, raw_payload(recovered)
        children = [child for child in children if isinstance(child, Message)]
        subtype = content_type.split("/", 1)[1]
        if subtype == "alternative":
            contents = [
                self._entity(child, depth + 1, in_report=in_report, alternative=True) for child in children
            ]
            html = next((c.html for c in reversed(contents) if c.html is not None), None)
            texts = [c.text for c in contents if c.text is not None]
            # An empty plain alternative next to real HTML: render the HTML instead.
            text = next(
                (t for t in texts if t.strip()), None if html is not None else next(iter(texts), None)
            )
            return Content(text, html)
        if subtype == "related" and children:
            start = _param(part, "start").strip("<> ").lower()
            root = next((i for i, c in enumerate(children) if start and _content_id(c).lower() == start), 0)
            contents = []
            for index, child in enumerate(children):
                is_root = index == root
                contents.append(
                    self._entity(
                        child,
                        depth + 1,
                        in_report=in_report,
                        alternative=alternative and is_root,
                        resource=not is_root,
                    )
                )
            return contents[root]
        if subtype == "report" and self._nesting == 0:
            self.report_type = _param(part, "report-type").lower()
            if (
                self.report_type in ("delivery-status", "global-delivery-status")
                and self.report_blocks is None
            ):
                self.report_blocks = []
            in_report = True
        return _combine([self._entity(child, depth + 1, in_report=in_report) for child in children])

    def _recover_boundary(self, part: Message, content_type: str) -> Message | None:
        payload = raw_payload(part)
        if not isinstance(payload, str):
            return None
        body = payload.encode("utf-8", "surrogateescape")
        found = re.findall(rb'(?m)^--([^\s"]{1,200}?)(?:--)?[ \t]*\r?\n(?=[A-Za-z-]+:)', body)
        if not found:
            return None
        boundary = Counter(found).most_common(1)[0][0]
        header = f'Content-Type: {content_type}; boundary="'.encode() + boundary + b'"\r\n\r\n'
        recovered = BytesParser(policy=READING_POLICY).parsebytes(header + body)
        if not recovered.is_multipart():
            return None
        self._defect(
            _("A multipart section had a missing or wrong boundary; it was recovered from the body.")
        )
        return recovered

    def _text(self, part: Message, subtype: str) -> Content:
        data = payload_bytes(part)
        declared = _param(part, "charset")
        if subtype == "html" and not declared:
            meta = _META_CHARSET.search(data[:4096])
            declared = meta.group(1).decode("ascii", "ignore") if meta else ""
        decoded = decode_bytes(data, declared, self.hints)
        label = normalize_label(declared)
        if label and not codecs_for(label) and label not in ("unknown-8bit", "x-unknown", "unknown"):
            self._defect(
                _("Unknown charset “%(declared)s”; the text was read as %(used)s.")
                % {"declared": declared, "used": decoded.charset}
            )
        elif decoded.overruled:
            self._defect(
                _("The text was labelled %(declared)s but is %(used)s; it was read as %(used)s.")
                % {"declared": declared, "used": decoded.charset}
            )
            if is_weak_label(label):
                self.charset_overrides.setdefault(label, decoded.charset)
        if "\ufffd" in decoded.text and b"\xef\xbf\xbd" not in data:
            self._defect(
                _("The text contains bytes that are not valid %(charset)s; they are shown as \ufffd.")
                % {"charset": decoded.charset}
            )
        text = clean_text(decoded.text.replace("\r\n", "\n").replace("\r", "\n"))
        if subtype == "html":
            return Content(None, text)
        if _param(part, "format").lower() == "flowed":
            text = unflow(text, _param(part, "delsp").lower() == "yes")
        return Content(text, None)

    def _forwarded(self, part: Message, depth: int, in_report: bool) -> Content:
        payload = raw_payload(part)
        if isinstance(payload, list) and payload and isinstance(payload[0], Message):
            nested = payload[0]
            data = entity_bytes(nested)
        else:
            data = payload_bytes(part)
            nested = BytesParser(policy=READING_POLICY).parsebytes(data) if data.strip() else None
        subject = self._nested_header(nested, "subject") if nested is not None else ""
        stem = subject[:150] or _("forwarded-message")
        self._add(
            ParsedAttachment(
                safe_filename(f"{stem}.eml", "message/rfc822", "message.eml"),
                "message/rfc822",
                data,
                _content_id(part),
            )
        )
        if nested is None:
            return Content()
        if in_report:
            self._returned(_raw_header(nested, "message-id"))
            return Content()
        if _disposition(part) == "attachment" or depth >= MAX_DEPTH:
            return Content()
        self._nesting += 1
        try:
            inner = self._entity(nested, depth + 1, top=True)
        finally:
            self._nesting -= 1
        fields = [
            (label, self._nested_header(nested, name))
            for label, name in (
                ("From", "from"),
                ("Date", "date"),
                ("Subject", "subject"),
                ("To", "to"),
                ("Cc", "cc"),
            )
        ]
        fields = [(label, value) for label, value in fields if value]
        inner_text = inner.text if inner.text is not None else html_to_text(sanitize_html(inner.html or ""))
        text = (
            "\n".join([FORWARD_MARKER] + [f"{label}: {value}" for label, value in fields])
            + "\n\n"
            + inner_text
        )
        html = None
        if inner.html is not None:
            head = "<br>".join(
                [html_lib.escape(FORWARD_MARKER)]
                + [f"{label}: {html_lib.escape(value)}" for label, value in fields]
            )
            html = f"<div><p>{head}</p>{inner.html}</div>"
        return Content(text, html)

    def _nested_header(self, message: Message, name: str) -> str:
        value = _raw_header(message, name)
        return " ".join(decode_header_value(value[:4000], self.hints, self.charset_overrides).split())

    def _delivery_status(self, part: Message) -> None:
        payload = raw_payload(part)
        if isinstance(payload, list):
            blocks = [
                "\n".join(f"{key}: {value}" for key, value in block.raw_items())
                for block in payload
                if isinstance(block, Message)
            ]
            data = "\n\n".join(blocks).replace("\r\n", "\n").encode("utf-8", "surrogateescape")
        else:
            data = payload_bytes(part)
        text = clean_text(decode_bytes(data, None, self.hints).text)
        if self._nesting == 0:
            self.report_blocks = (self.report_blocks or []) + reports.parse_status_fields(text)
        self._attach(part, _content_type(part), "", raw=text.encode("utf-8"))

    def _returned(self, message_id: str) -> None:
        if self._nesting == 0 and not self.returned_message_id and message_id.strip():
            ids = re.findall(r"<([^<>]+)>", message_id)
            token = "".join((ids[0] if ids else message_id).split()).strip("<>")
            self.returned_message_id = f"<{token[:996]}>" if token else ""

    # -- attachments
    def _filename(self, part: Message) -> str:
        try:
            name = part.get_filename()
        except Exception:  # broken Content-Disposition parameters
            name = None
        if not name:
            name = _param(part, "filename", "content-disposition") or _param(part, "name")
        name = str(name or "")
        if "=?" in name or any("\udc80" <= ch <= "\udcff" for ch in name):
            name = decode_header_value(name, self.hints, self.charset_overrides)
        return name

    def _attach(self, part: Message, content_type: str, filename: str, raw: bytes | None = None) -> None:
        data = payload_bytes(part) if raw is None else raw
        if not filename:
            filename = _DEFAULT_NAMES.get(content_type, "")
        if not filename:
            self._unnamed += 1
            filename = f"attachment-{self._unnamed}{extension_for(content_type)}"
        fallback = f"attachment-{self._unnamed + 1}{extension_for(content_type)}"
        self._add(
            ParsedAttachment(
                safe_filename(filename, content_type, fallback), content_type, data, _content_id(part)
            )
        )

    def _add(self, attachment: ParsedAttachment) -> None:
        self._attachments.append((attachment, self._nesting > 0))

    def _defect(self, text: str) -> None:
        if text not in self.defects:
            self.defects.append(text)


def _content_id(part: Message) -> str:
    value = " ".join(_raw_header(part, "content-id").split())
    return value.strip().strip("<>").strip()[:250]
