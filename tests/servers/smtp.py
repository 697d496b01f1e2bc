"""A real SMTP server for tests: aiosmtpd running in a thread of the test process.

``SmtpServer`` listens on a free port of 127.0.0.1 and keeps every envelope it accepts as a
``ReceivedMail`` (envelope sender, envelope recipients, raw bytes and the parsed message).
Failure tests make it answer ``451`` (temporary) or ``550`` (permanent) with ``fail_with``, or
take it down with ``stop`` and bring it back on the same port with ``start``. With
``credentials`` it requires AUTH LOGIN/PLAIN (without TLS) and rejects any other login.

Fixtures: ``smtp_server`` (open relay, fresh state per test) and ``smtp_auth_server``
(requires a login; ``.username`` and ``.password`` are the accepted ones).
"""

import email
import socket
import threading
from dataclasses import dataclass
from email import policy

try:
    import pytest
except ImportError:  # the benchmark uses the server without pytest
    pytest = None

try:
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword
except ImportError:  # pragma: no cover - aiosmtpd is in requirements-test.txt
    Controller = None

PHASES = ("mail", "rcpt", "data")


@dataclass
class ReceivedMail:
    """One message as the SMTP server received it."""

    mail_from: str
    rcpt_tos: list
    raw: bytes
    message: email.message.EmailMessage

    def __getitem__(self, header):
        return self.message[header]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Handler:
    """The aiosmtpd handler: collects envelopes, or answers with the configured failure."""

    def __init__(self, server):
        self.server = server

    def _failure(self, phase):
        failure = self.server.failure
        if failure and failure[1] == phase:
            return failure[0]
        return None

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.server.credentials and not session.authenticated:
            return "530 5.7.0 Authentication required"
        reply = self._failure("mail")
        if reply:
            return reply
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self._failure("rcpt") or self.server.refused_recipients.get(address.lower())
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        reply = self._failure("data")
        if reply:
            return reply
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
        parsed = email.message_from_bytes(raw, policy=policy.default)
        self.server._received(ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), raw, parsed))
        return "250 Message accepted for delivery"


class SmtpServer:
    """An aiosmtpd server on 127.0.0.1 that records what it receives (see the module docstring)."""

    host = "127.0.0.1"

    def __init__(self, port=None, credentials=None):
        if Controller is None:
            raise RuntimeError("aiosmtpd is not installed")
        self.port = port or free_port()
        self.credentials = credentials
        self.messages = []
        self.logins = []
        self.failure = None
        self.refused_recipients = {}
        self._lock = threading.Lock()
        self._controller = None

    @property
    def username(self):
        return self.credentials[0] if self.credentials else ""

    @property
    def password(self):
        return self.credentials[1] if self.credentials else ""

    @property
    def running(self):
        return self._controller is not None

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        accepted = isinstance(auth_data, LoginPassword) and (
            auth_data.login.decode(),
            auth_data.password.decode(),
        ) == tuple(self.credentials)
        self.logins.append(
            (auth_data.login.decode() if isinstance(auth_data, LoginPassword) else "", accepted)
        )
        return AuthResult(success=accepted, handled=False)

    def start(self):
        if self._controller is not None:
            return self
        options = {}
        if self.credentials:
            # Login is enforced in handle_MAIL: aiosmtpd's auth_required warns when TLS is not required.
            options = {"authenticator": self._authenticate, "auth_require_tls": False}
        controller = Controller(
            _Handler(self), hostname=self.host, port=self.port, ready_timeout=10, **options
        )
        controller.start()
        self._controller = controller
        return self

    def stop(self):
        """Take the server down: connections to its port are refused until ``start``."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def fail_with(self, code=451, phase="data", text=None):
        """Answer ``code`` at MAIL, RCPT or DATA from now on (451 temporary, 550 permanent)."""
        if phase not in PHASES:
            raise ValueError(f"phase must be one of {PHASES}")
        default = "Try again later" if 400 <= code < 500 else "Rejected"
        self.failure = (f"{code} {text or default}", phase)

    def refuse_recipient(self, address, code=550, text="No such user here"):
        """Refuse one recipient at RCPT while accepting the others."""
        self.refused_recipients[address.lower()] = f"{code} {text}"

    def succeed(self):
        self.failure = None
        self.refused_recipients.clear()

    def reset(self):
        """Forget received mail and failures, and make sure the server is up."""
        self.succeed()
        with self._lock:
            self.messages.clear()
            self.logins.clear()
        self.start()

    def _received(self, mail):
        with self._lock:
            self.messages.append(mail)

    def configure(self, mailbox, save=True):
        """Point a Mailbox's SMTP settings at this server (plain SMTP, no TLS)."""
        mailbox.smtp_host = self.host
        mailbox.smtp_port = self.port
        mailbox.smtp_security = "none"
        mailbox.smtp_username = self.username
        mailbox.smtp_password = self.password
        if save:
            mailbox.save()
        return mailbox

    @property
    def url(self):
        auth = f"{self.username}:{self.password}@" if self.credentials else ""
        return f"smtp://{auth}{self.host}:{self.port}"


def _start_or_report(server):
    try:
        return server.start()
    except Exception as exc:  # the port was taken, or the thread did not come up
        from tests.servers import service_missing

        service_missing(f"aiosmtpd SMTP test server could not start: {exc}")


if pytest is not None:

    @pytest.fixture(scope="session")
    def _smtp_session_server():
        if Controller is None:
            from tests.servers import INSTALL_HINT, service_missing

            service_missing(
                f"aiosmtpd is not installed; pip install -r requirements-test.txt ({INSTALL_HINT})"
            )
        server = _start_or_report(SmtpServer())
        yield server
        server.stop()

    @pytest.fixture
    def smtp_server(_smtp_session_server):
        """The session's SMTP server, emptied, answering 250 and running at the start of the test."""
        _smtp_session_server.reset()
        yield _smtp_session_server
        _smtp_session_server.succeed()

    @pytest.fixture
    def smtp_auth_server():
        """An SMTP server that requires AUTH with ``.username`` / ``.password`` (no TLS needed)."""
        if Controller is None:
            from tests.servers import service_missing

            service_missing("aiosmtpd is not installed; pip install -r requirements-test.txt")
        server = _start_or_report(SmtpServer(credentials=("agent@example.com", "s3cret-pass")))
        yield server
        server.stop()
