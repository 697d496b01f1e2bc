"""Turning a contact form submission into a ticket.

The submission is written as an RFC 822 message and goes through the same pipeline as mail
(``inbox.mail.ingest``): stored raw first, then threaded into a ticket, so a form post is
never lost even if processing fails (it is quarantined like any other message).
"""

from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid

from inbox.models import RawMessage


def submission_to_email(*, mailbox, name, email, subject, message, extra_fields=(), page_url=""):
    mail = EmailMessage()
    mail["From"] = formataddr((name, email))
    mail["To"] = formataddr((mailbox.sender_name or mailbox.name, mailbox.address))
    mail["Subject"] = subject
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = make_msgid(domain=mailbox.address.rsplit("@", 1)[-1])
    mail["X-Helpdesk-Source"] = "contact-form"
    lines = [message.strip(), ""]
    for label, value in extra_fields:
        lines.append(f"{label}: {value}")
    if page_url:
        lines.append(f"Sent from {page_url}")
    mail.set_content("\n".join(lines).strip() + "\n")
    return mail.as_bytes()


def submit_to_inbox(mailbox, raw):
    """Store the submission as a raw message and process it; returns the ticket or None."""
    from inbox.mail import ingest

    stored = ingest.store_raw(mailbox, raw, source=RawMessage.Source.FORM)
    if stored is None:
        return None  # the same submission was already received (double click, resend)
    ingest.process_raw(stored)
    stored.refresh_from_db()
    message = getattr(stored, "message", None)
    return message.ticket if message else None
