"""Recognising machine-made mail: delivery reports (bounces) and automatic replies.

Used by ``inbox.mail.parse``; pure functions on already-decoded values.

A message is a bounce when it is a ``multipart/report`` with ``report-type=delivery-status`` (or
any report holding a ``message/delivery-status`` part) in which at least one recipient failed or
was delayed, or when it comes from ``MAILER-DAEMON``/``postmaster`` with a subject that says the
mail could not be delivered (qmail, Exchange and older Sendmail bounces have no DSN part). A
report in which every recipient was delivered/relayed/expanded is a success notification: not a
bounce, but an automatic message (``x_autoreply``).

The reason is built from the per-recipient fields of the DSN: ``Diagnostic-Code`` (``smtp;``
prefix removed), ``Status`` and ``Final-Recipient``, e.g. ``550 5.1.1 <nobody@example.org>: User
unknown (status 5.1.1, recipient nobody@example.org)``; without a DSN, the first line of the
bounce text that carries an SMTP status code.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

_BOUNCE_SENDERS = {"mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon", "mail.daemon"}
_BOUNCE_SUBJECT = re.compile(
    r"undeliver|undelivered|delivery status notification|delivery (?:failure|has failed|failed)"
    r"|returned mail|failure notice|mail delivery (?:failed|system|subsystem)|non[- ]?delivery"
    r"|could not be delivered|nicht zustellbar|unzustellbar|non remis|impossible de remettre"
    r"|no se puede entregar|no entregado|недоставлен|не доставлено|не может быть доставлено"
    r"|kunne ikke leveres|onbestelbaar|olevererbart|ไม่สามารถส่ง",
    re.IGNORECASE,
)
_SMTP_CODE = re.compile(
    r"\b[45]\d\d[ -][245]\.\d{1,3}\.\d{1,3}\b|\b[245]\.\d{1,3}\.\d{1,3}\b|\b[45]\d\d\s+\S"
)
_MESSAGE_ID_LINE = re.compile(r"^\s*message-id\s*:\s*(<[^<>\s]+>|\S+@\S+)", re.IGNORECASE | re.MULTILINE)
_FAILED_ACTIONS = {"failed", "delayed", ""}

_AUTO_SUBJECT = re.compile(
    r"^\s*(?:auto(?:matic)?[ -]?(?:reply|response|antwort)|out of (?:the )?office|autosvar"
    r"|automatische antwort|abwesenheitsnotiz|réponse automatique|respuesta automática"
    r"|автоматический ответ|автоответ|ตอบกลับอัตโนมัติ|رد تلقائي|fuera de la oficina)\b",
    re.IGNORECASE,
)


def parse_status_fields(text: str) -> list[dict[str, str]]:
    """The header-like blocks of a message/delivery-status body, as lower-cased-name dicts."""
    blocks: list[dict[str, str]] = []
    current: dict[str, str] = {}
    name = ""
    for line in text.replace("\r\n", "\n").split("\n"):
        if not line.strip():
            if current:
                blocks.append(current)
            current, name = {}, ""
        elif line[0] in " \t" and name:
            current[name] += " " + line.strip()
        elif ":" in line:
            name, value = line.split(":", 1)
            name = name.strip().lower()
            current[name] = value.strip()
    if current:
        blocks.append(current)
    return blocks


def _strip_type(value: str) -> str:
    """'rfc822; a@b' -> 'a@b', 'smtp; 550 ...' -> '550 ...'."""
    kind, separator, rest = value.partition(";")
    if separator and re.fullmatch(r"\s*[\w.-]+\s*", kind):
        return rest.strip()
    return value.strip()


def dsn_summary(blocks: list[dict[str, str]]) -> tuple[bool, str]:
    """(some recipient failed or was delayed, human-readable reason) from DSN field blocks."""
    recipients = [block for block in blocks if "final-recipient" in block or "original-recipient" in block]
    reasons = []
    failed = not recipients
    for block in recipients:
        action = block.get("action", "").strip().lower()
        if action in _FAILED_ACTIONS:
            failed = True
        else:
            continue
        recipient = _strip_type(block.get("final-recipient") or block.get("original-recipient", ""))
        status = block.get("status", "").strip()
        diagnostic = " ".join(_strip_type(block.get("diagnostic-code", "")).split())
        details = []
        if action == "delayed":
            details.append(_("delayed"))
        if status:
            details.append(_("status %(status)s") % {"status": status})
        if recipient:
            details.append(_("recipient %(recipient)s") % {"recipient": recipient})
        reason = diagnostic or _("Delivery failed")
        reasons.append(f"{reason} ({', '.join(details)})" if details else reason)
    return failed, "; ".join(reasons)[:2000]


def looks_like_daemon_bounce(from_address: str, from_name: str, subject: str, return_path: str) -> bool:
    local = from_address.split("@", 1)[0].lower()
    from_daemon = local in _BOUNCE_SENDERS or "mail delivery" in from_name.lower()
    null_sender = return_path.strip() == "<>"  # bounces are sent with an empty envelope sender
    return bool(_BOUNCE_SUBJECT.search(subject)) and (from_daemon or null_sender)


def reason_from_text(text: str) -> str:
    """The first line of a bounce text that carries an SMTP code, else its first sentence."""
    lines = [" ".join(line.split()) for line in text.splitlines()]
    for line in lines:
        if _SMTP_CODE.search(line):
            return line[:500]
    for line in lines:
        if line and not line.startswith(">"):
            return line[:500]
    return ""


def message_id_from_text(text: str) -> str:
    match = _MESSAGE_ID_LINE.search(text)
    if not match:
        return ""
    value = match.group(1).strip("<>")
    return f"<{value}>"


def is_auto_reply(headers: dict[str, str], subject: str) -> bool:
    """Auto-Submitted other than "no", X-Autoreply/X-Autorespond, X-Auto-Response-Suppress All/OOF,
    Precedence auto_reply, or an "Automatic reply:"/"Out of office" subject."""
    auto_submitted = headers.get("auto-submitted", "").strip().lower()
    if auto_submitted and not auto_submitted.startswith("no"):
        return True
    if headers.get("x-autoreply") or headers.get("x-autorespond") or headers.get("x-autogenerated"):
        return True
    suppress = headers.get("x-auto-response-suppress", "").lower()
    if any(token in suppress for token in ("all", "oof", "autoreply")):
        return True
    if headers.get("precedence", "").strip().lower() == "auto_reply":
        return True
    return bool(_AUTO_SUBJECT.search(subject))
