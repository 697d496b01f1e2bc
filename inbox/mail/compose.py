"""Building outgoing mail: subjects with the ticket token, threading headers, the MIME message.

Everything here is pure (no SMTP, no writes): ``build_mime`` turns a stored outgoing
``Message`` (a reply or an auto-reply) into the ``email.message.EmailMessage`` that
``inbox.mail.send`` transmits. Bodies are UTF-8, multipart/alternative (text + HTML) with the
mailbox signature appended, attachments carry RFC 2231 encoded file names, and Bcc never
appears in the headers (it is only in the SMTP envelope, see ``envelope_recipients``).
"""

import re
import uuid
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses

from django.utils import timezone

# At most this many ids in References: the first (the thread's root) and the latest ones.
MAX_REFERENCES = 20
MESSAGE_ID = re.compile(r"<[^<>\s]+>")
# "Re:", "RE :", "Aw:", "Sv:", "Antw:", "Re[2]:" … repeated at the start of a subject.
REPLY_PREFIX = re.compile(r"^\s*(?:(?:re|aw|sv|vs|antw|ref|odp|ynt)\s*(?:\[\d+\]|\(\d+\))?\s*:\s*)+", re.I)


def mailbox_domain(mailbox):
    """The domain our Message-IDs end in: the mailbox address's, in ASCII (IDNA) form."""
    domain = mailbox.address.rpartition("@")[2].strip().lower() or "localhost"
    try:
        return domain.encode("idna").decode("ascii")
    except UnicodeError:
        return "localhost"


def new_message_id(mailbox):
    return f"<{uuid.uuid4().hex}@{mailbox_domain(mailbox)}>"


def normalize_id(value):
    """A Message-ID in angle brackets, whatever way it was stored."""
    value = (value or "").strip()
    if not value:
        return ""
    found = MESSAGE_ID.search(value)
    if found:
        return found.group(0)
    return f"<{value.strip('<>')}>"


def split_ids(text):
    """The Message-IDs in a References/In-Reply-To value, in order."""
    return MESSAGE_ID.findall(text or "")


def cap_references(ids, limit=MAX_REFERENCES):
    """Keep the first id (the thread's root) and the latest ones, as RFC 5322 suggests."""
    if len(ids) <= limit:
        return list(ids)
    return [ids[0], *ids[-(limit - 1) :]]


def reference_chain(parent_references, ticket_ids, parent_id=""):
    """References for a new message: the parent's chain, the ticket's ids, the parent last."""
    seen = set()
    chain = []
    for mid in [*split_ids(parent_references), *map(normalize_id, ticket_ids)]:
        if mid and mid not in seen and mid != parent_id:
            seen.add(mid)
            chain.append(mid)
    if parent_id:
        chain.append(parent_id)
    return cap_references(chain)


def strip_token(subject, ticket):
    """The subject without this ticket's token, wherever it was."""
    return re.sub(rf"\s*\[#{ticket.pk}\]", "", subject or "").strip()


def subject_with_token(subject, ticket, prefix="Re: "):
    """``Re: <subject> [#id]``: one reply prefix, the token exactly once, at the end."""
    base = REPLY_PREFIX.sub("", strip_token(subject, ticket)).strip()
    base = strip_token(base, ticket)
    return " ".join(part for part in (f"{prefix}{base}".strip(), ticket.token) if part)


def looks_like_html(text):
    return bool(re.search(r"<(p|br|div|a|b|i|strong|em|span|table|img|ul|ol|li)\b", text or "", re.I))


def signature_parts(mailbox):
    """The mailbox signature as (html, text); either may be empty."""
    from inbox.mail.html import html_to_text, sanitize_html, text_to_html

    raw = (mailbox.signature or "").strip()
    if not raw:
        return "", ""
    if looks_like_html(raw):
        html = sanitize_html(raw)
        return html, html_to_text(html).strip()
    return text_to_html(raw), raw


def html_document(body_html, signature_html):
    signature = f'<div class="signature">-- <br>{signature_html}</div>' if signature_html else ""
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"></head>'
        f'<body><div dir="auto">{body_html}</div>{signature}</body></html>'
    )


def text_body(body_text, signature_text):
    body = (body_text or "").rstrip()
    if signature_text:
        body = f"{body}\n\n-- \n{signature_text}"
    return body + "\n"


def split_addresses(value):
    """Addresses of a stored comma-separated list (display names dropped), without blanks."""
    return [addr.strip() for _name, addr in getaddresses([value or ""]) if addr.strip()]


def envelope_recipients(message):
    """Everyone the SMTP envelope names: To, Cc and Bcc, each once."""
    seen, result = set(), []
    for value in (message.to, message.cc, message.bcc):
        for address in split_addresses(value):
            if address.lower() not in seen:
                seen.add(address.lower())
                result.append(address)
    return result


def _address(address, name=""):
    local, _at, domain = address.rpartition("@")
    return Address(display_name=name or "", username=local, domain=domain)


def _set_body(part_setter, content, subtype):
    # 7-bit clean bodies pass every relay; base64 is the compact choice for non-Latin text.
    cte = "quoted-printable" if content.isascii() else "base64"
    part_setter(content, subtype=subtype, charset="utf-8", cte=cte)


def _attach(mime, attachment):
    with attachment.file.open("rb") as handle:
        data = handle.read()
    maintype, _slash, subtype = (attachment.content_type or "").partition("/")
    if not maintype or not subtype:
        maintype, subtype = "application", "octet-stream"
    mime.add_attachment(
        data, maintype=maintype, subtype=subtype, filename=attachment.filename or "attachment"
    )
    part = mime.get_payload()[-1]
    if attachment.content_id:
        part["Content-ID"] = normalize_id(attachment.content_id)


def build_mime(message, now=None):
    """The MIME message for a stored reply or auto-reply (see the module docstring)."""
    from inbox.models import Message

    ticket = message.ticket
    mailbox = ticket.mailbox
    mime = EmailMessage(policy=policy.SMTP)
    mime["From"] = _address(mailbox.address, message.from_name or mailbox.sender_name or mailbox.name)
    customer_addresses = {a.lower() for a in ticket.customer.addresses.values_list("address", flat=True)}
    to = [
        _address(address, ticket.customer.name if address.lower() in customer_addresses else "")
        for address in split_addresses(message.to)
    ]
    mime["To"] = to
    cc = [_address(address) for address in split_addresses(message.cc)]
    if cc:
        mime["Cc"] = cc
    mime["Subject"] = message.subject
    mime["Date"] = format_datetime(now or timezone.now())
    mime["Message-ID"] = message.message_id
    if message.in_reply_to:
        mime["In-Reply-To"] = message.in_reply_to
    if message.references:
        mime["References"] = " ".join(split_ids(message.references))
    if message.kind == Message.Kind.AUTO_REPLY:
        mime["Auto-Submitted"] = "auto-replied"
        mime["X-Auto-Response-Suppress"] = "All"

    signature_html, signature_text = signature_parts(mailbox)
    _set_body(mime.set_content, text_body(message.body_text, signature_text), "plain")
    _set_body(mime.add_alternative, html_document(message.body_html, signature_html), "html")
    for attachment in message.attachments.all():
        _attach(mime, attachment)
    return mime
