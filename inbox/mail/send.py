"""Sending replies and auto-replies over the mailbox's SMTP server, exactly once, with retries.

A stored outgoing message (``delivery_state`` "queued") is *claimed* by a conditional UPDATE
from queued to "sending" with a fresh ``claim_token``; only the worker whose UPDATE changed
the row sends it, so two workers (or the task and the poll loop's safety net) never send one
reply twice. A claim older than ``STALE_CLAIM`` belongs to a worker that died mid-send and may
be taken over. A temporary failure (4xx answers, refused or timed-out connections, a wrong
password the site owner can still fix) puts the message back in the queue for the next
attempt of ``RETRY_DELAYS``; a permanent one (5xx about the message or its recipients), or the
last attempt within ``GIVE_UP_AFTER``, marks it "failed" with the reason in plain language.
"""

import logging
import smtplib
import ssl
import uuid
from datetime import timedelta
from email import policy

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from helpdesk_site.plugins import do_action
from inbox.hookspecs import REPLY_SENT
from inbox.mail.compose import build_mime, envelope_recipients, mailbox_domain
from inbox.mail.connection import ConnectionCheck, explain_network_error, scrub
from inbox.models import Message

logger = logging.getLogger(__name__)

SMTP_TIMEOUT = 30
CHECK_TIMEOUT = 15
RETRY_DELAYS = [timedelta(minutes=minutes) for minutes in (1, 5, 15, 60)]
RETRY_EVERY = timedelta(hours=3)
GIVE_UP_AFTER = timedelta(hours=24)
STALE_CLAIM = timedelta(minutes=10)
OUTGOING_KINDS = (Message.Kind.REPLY, Message.Kind.AUTO_REPLY)


class DeliveryError(Exception):
    """Sending failed; ``str()`` is a plain-language reason without secrets."""

    def __init__(self, reason, temporary):
        super().__init__(reason)
        self.temporary = temporary


def _text(value):
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return " ".join(str(value).split())


def _where(mailbox):
    return f"{mailbox.smtp_host}:{mailbox.smtp_port}"


def explain_smtp_error(exc, mailbox):
    """A DeliveryError for whatever smtplib or the network raised."""
    where = _where(mailbox)
    password = str(mailbox.smtp_password)
    if isinstance(exc, DeliveryError):
        return exc
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        # The site owner can fix the password while the reply waits: keep retrying.
        return DeliveryError(
            _("The SMTP server rejected the user name or password (user %(user)s on %(where)s).")
            % {"user": mailbox.smtp_username, "where": where},
            temporary=True,
        )
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return DeliveryError(
            _(
                "The SMTP server at %(where)s does not support %(what)s; "
                "check the mailbox's SMTP security setting."
            )
            % {"where": where, "what": _text(exc) or "AUTH"},
            temporary=True,
        )
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        refused = exc.recipients
        codes = [code for code, _msg in refused.values()]
        detail = "; ".join(f"{addr}: {code} {_text(msg)}" for addr, (code, msg) in refused.items())
        return DeliveryError(
            scrub(_("The SMTP server refused the recipients (%(detail)s).") % {"detail": detail}, password),
            temporary=all(400 <= code < 500 for code in codes),
        )
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return DeliveryError(
            scrub(
                _("The SMTP server refused the sender address %(sender)s: %(code)s %(text)s.")
                % {"sender": _text(exc.sender), "code": exc.smtp_code, "text": _text(exc.smtp_error)},
                password,
            ),
            temporary=exc.smtp_code < 500,
        )
    if isinstance(exc, smtplib.SMTPDataError):
        return DeliveryError(
            scrub(
                _("The SMTP server did not accept the message: %(code)s %(text)s.")
                % {"code": exc.smtp_code, "text": _text(exc.smtp_error)},
                password,
            ),
            temporary=exc.smtp_code < 500,
        )
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return DeliveryError(
            _("The SMTP server at %(where)s closed the connection unexpectedly.") % {"where": where},
            temporary=True,
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        # Greeting, EHLO or STARTTLS answers: a server problem, not this message's.
        return DeliveryError(
            scrub(
                _("The SMTP server at %(where)s answered %(code)s %(text)s.")
                % {"where": where, "code": exc.smtp_code, "text": _text(exc.smtp_error)},
                password,
            ),
            temporary=True,
        )
    if isinstance(exc, OSError):
        return DeliveryError(explain_network_error(exc, mailbox.smtp_host, mailbox.smtp_port, "SMTP"), True)
    if isinstance(exc, smtplib.SMTPException):
        return DeliveryError(
            scrub(
                _("The SMTP server at %(where)s failed: %(reason)s") % {"where": where, "reason": exc},
                password,
            ),
            temporary=True,
        )
    raise exc


def open_smtp(mailbox, timeout=SMTP_TIMEOUT):
    """An SMTP connection to the mailbox's server, secured and logged in as configured."""
    if not mailbox.smtp_host:
        raise DeliveryError(_("No SMTP server is set for mailbox %(name)s.") % {"name": mailbox.name}, True)
    host, port = mailbox.smtp_host, mailbox.smtp_port
    local_hostname = mailbox_domain(mailbox)  # avoids a slow reverse DNS lookup for EHLO
    connection = None
    try:
        if mailbox.smtp_security == "ssl":
            connection = smtplib.SMTP_SSL(
                host,
                port,
                local_hostname=local_hostname,
                timeout=timeout,
                context=ssl.create_default_context(),
            )
        else:
            connection = smtplib.SMTP(host, port, local_hostname=local_hostname, timeout=timeout)
        connection.ehlo()
        if mailbox.smtp_security == "starttls":
            if not connection.has_extn("starttls"):
                raise DeliveryError(
                    _(
                        "The SMTP server at %(where)s does not offer STARTTLS; use smtps:// (port 465) "
                        "or, for a local server only, smtp://."
                    )
                    % {"where": _where(mailbox)},
                    temporary=True,
                )
            connection.starttls(context=ssl.create_default_context())
            connection.ehlo()
        if mailbox.smtp_username:
            connection.login(mailbox.smtp_username, str(mailbox.smtp_password))
    except Exception as exc:
        _close(connection)
        raise explain_smtp_error(exc, mailbox) from None
    return connection


def _close(connection):
    if connection is None:
        return
    try:
        connection.quit()
    except Exception:
        connection.close()


def transmit(message):
    """Hand the message to the SMTP server; returns the recipients it refused (others got it)."""
    mailbox = message.ticket.mailbox
    try:
        mime = build_mime(message)
    except (OSError, ValueError) as exc:  # e.g. an attachment file missing from storage
        raise DeliveryError(
            _("The message could not be built: %(reason)s") % {"reason": exc}, False
        ) from None
    recipients = envelope_recipients(message)
    if not recipients:
        raise DeliveryError(_("The message has no recipient address."), temporary=False)
    international = not all(address.isascii() for address in [mailbox.address, *recipients])
    raw = mime.as_bytes(policy=policy.SMTPUTF8 if international else policy.SMTP)
    connection = open_smtp(mailbox)
    try:
        refused = connection.sendmail(
            mailbox.address, recipients, raw, mail_options=["SMTPUTF8"] if international else []
        )
    except Exception as exc:
        raise explain_smtp_error(exc, mailbox) from None
    finally:
        _close(connection)
    return refused


def next_attempt_at(message, attempts, now):
    """When to try again after ``attempts`` failed attempts, or None when it is time to give up."""
    delay = RETRY_DELAYS[attempts - 1] if attempts <= len(RETRY_DELAYS) else RETRY_EVERY
    started = message.send_after or message.created_at
    when = now + delay
    return when if when <= started + GIVE_UP_AFTER else None


def due_filter(now):
    """Outgoing messages a sender may claim now: queued and due, or claimed by a dead worker."""
    due = Q(delivery_state=Message.Delivery.QUEUED) & (Q(send_after__isnull=True) | Q(send_after__lte=now))
    due &= Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    stale = Q(delivery_state=Message.Delivery.SENDING, claimed_at__lt=now - STALE_CLAIM)
    return Q(kind__in=OUTGOING_KINDS) & (due | stale)


def claim(message_id, now=None):
    """Claim one message for sending; its claim token, or None when it is not ours to send."""
    now = now or timezone.now()
    token = uuid.uuid4().hex
    claimed = Message.objects.filter(due_filter(now), pk=message_id).update(
        delivery_state=Message.Delivery.SENDING, claimed_at=now, claim_token=token
    )
    return token if claimed == 1 else None


def _format_time(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M %Z")


def _record(message, token, **fields):
    fields.update(claim_token="", claimed_at=None)
    Message.objects.filter(pk=message.pk, claim_token=token).update(**fields)
    for name, value in fields.items():
        setattr(message, name, value)


def _record_failure(message, token, error, attempts, now):
    reason = str(error).rstrip(". ")
    retry_at = next_attempt_at(message, attempts, now) if error.temporary else None
    if retry_at is not None:
        logger.warning("message %s not sent yet (attempt %d): %s", message.pk, attempts, reason)
        _record(
            message,
            token,
            delivery_state=Message.Delivery.QUEUED,
            send_attempts=attempts,
            next_attempt_at=retry_at,
            delivery_error=_("not sent yet: %(reason)s; next attempt at %(when)s")
            % {"reason": reason, "when": _format_time(retry_at)},
        )
        return
    if error.temporary:
        reason = _("%(reason)s (gave up after %(count)d attempts)") % {"reason": reason, "count": attempts}
    logger.warning("message %s failed: %s", message.pk, reason)
    _record(
        message,
        token,
        delivery_state=Message.Delivery.FAILED,
        send_attempts=attempts,
        next_attempt_at=None,
        delivery_error=reason,
    )


def send_message(message, *, now=None):
    """Send one outgoing message now if it is due and nobody else is sending it; record the outcome.

    Sets ``delivery_state`` (sent, queued for a retry, or failed), ``sent_at``,
    ``send_attempts`` and a plain-language ``delivery_error``, and fires
    ``inbox.reply_sent`` after an agent's reply left. Does nothing for a message that is not
    due, was undone, or is being sent by another worker.
    """
    now = now or timezone.now()
    token = claim(message.pk, now)
    if token is None:
        return
    message.refresh_from_db()
    attempts = message.send_attempts + 1
    try:
        refused = transmit(message)
    except DeliveryError as exc:
        _record_failure(message, token, exc, attempts, now)
        return
    except Exception as exc:  # a bug must not leave the message claimed forever
        logger.exception("sending message %s failed unexpectedly", message.pk)
        _record_failure(
            message,
            token,
            DeliveryError(_("Unexpected error: %(error)s") % {"error": exc}, True),
            attempts,
            now,
        )
        return
    partial = ""
    if refused:
        partial = _("Not delivered to %(detail)s.") % {
            "detail": "; ".join(f"{addr} ({code} {_text(msg)})" for addr, (code, msg) in refused.items())
        }
    _record(
        message,
        token,
        delivery_state=Message.Delivery.SENT,
        sent_at=timezone.now(),
        send_attempts=attempts,
        next_attempt_at=None,
        delivery_error=partial,
    )
    if message.kind == Message.Kind.REPLY:
        do_action(REPLY_SENT, ticket=message.ticket, message=message)


def send_due_messages(now=None, limit=100):
    """Send every queued message whose time has come; the worker's poll loop calls this each tick.

    A safety net beside the send task: it finds what a lost task, a backend without deferred
    tasks or a crashed worker left behind. Safe to run anywhere, any number of times at once
    (each message is claimed before it is sent). Returns how many messages it tried to send.
    """
    now = now or timezone.now()
    due = Message.objects.filter(due_filter(now)).select_related("ticket__mailbox").order_by("id")[:limit]
    unreachable = set()
    tried = 0
    for message in due:
        if message.ticket.mailbox_id in unreachable:
            continue  # its server just failed; the next tick tries again
        send_message(message, now=now)
        tried += 1
        if message.delivery_state == Message.Delivery.QUEUED and message.send_attempts:
            unreachable.add(message.ticket.mailbox_id)
    return tried


def check_smtp(mailbox, timeout=CHECK_TIMEOUT):
    """Connect, secure and log in as configured; the answer in plain language."""
    try:
        connection = open_smtp(mailbox, timeout=timeout)
    except DeliveryError as exc:
        return ConnectionCheck(False, str(exc))
    try:
        connection.noop()
    except Exception as exc:
        return ConnectionCheck(False, str(explain_smtp_error(exc, mailbox)))
    finally:
        _close(connection)
    if mailbox.smtp_username:
        return ConnectionCheck(
            True,
            _("SMTP works: connected to %(where)s and logged in as %(user)s.")
            % {"where": _where(mailbox), "user": mailbox.smtp_username},
        )
    return ConnectionCheck(
        True, _("SMTP works: connected to %(where)s (no login is configured).") % {"where": _where(mailbox)}
    )
