"""Mailbox server settings: parsing mailbox URLs, opening IMAP connections, plain-language checks.

``parse_server_url`` reads the URLs ``manage.py add_mailbox`` takes (``imaps://user:pass@host/INBOX``,
``smtp+starttls://…`` …). ``open_imap`` logs in to a mailbox's IMAP server and ``check_imap``
answers "does it work?" in words a site owner can act on. Every message here is written so that
it never contains the password, whatever the server or the network did.
"""

import imaplib
import socket
import ssl
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from django.utils.translation import gettext as _
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

DEFAULT_TIMEOUT = 30

# scheme: (protocol, security, default port)
SCHEMES = {
    "imaps": ("imap", "ssl", 993),
    "imap+starttls": ("imap", "starttls", 143),
    "imap": ("imap", "none", 143),
    "smtps": ("smtp", "ssl", 465),
    "smtp+starttls": ("smtp", "starttls", 587),
    "smtp": ("smtp", "none", 25),
}


@dataclass
class ConnectionCheck:
    """The answer to "Test connection": ok, and one sentence for the site owner (never a password)."""

    ok: bool
    message: str


class MailboxURLError(ValueError):
    """A mailbox URL cannot be used; the message names the problem without echoing the URL."""


class MailServerError(Exception):
    """Talking to a mail server failed; ``str()`` is a plain-language sentence without secrets."""


@dataclass
class ServerSettings:
    """What one mailbox URL says: where the server is, how to secure and log in, which folders."""

    protocol: str
    host: str
    port: int
    security: str
    username: str = ""
    password: str = field(default="", repr=False)
    folders: list = field(default_factory=list)

    def imap_fields(self):
        return {
            "imap_host": self.host,
            "imap_port": self.port,
            "imap_security": self.security,
            "imap_username": self.username,
            "imap_password": self.password,
            "imap_folders": ", ".join(self.folders),
        }

    def smtp_fields(self):
        return {
            "smtp_host": self.host,
            "smtp_port": self.port,
            "smtp_security": self.security,
            "smtp_username": self.username,
            "smtp_password": self.password,
        }


ENCODE_HINT = "if the user name or password contains / ? # @ : or %, percent-encode it (/ is %2F, @ is %40)"


def parse_server_url(url, protocol):
    """Parse an ``imap*://`` (protocol "imap") or ``smtp*://`` (protocol "smtp") URL."""
    label = protocol.upper()
    expected = ", ".join(f"{scheme}://" for scheme, spec in SCHEMES.items() if spec[0] == protocol)
    scheme, sep, _rest = (url or "").partition("://")
    scheme = scheme.lower()
    if not sep:
        raise MailboxURLError(f"{label} URL: expected a URL starting with {expected}")
    if SCHEMES.get(scheme, ("",))[0] != protocol:
        # The scheme never holds the password, so naming it is safe.
        raise MailboxURLError(f"{label} URL: unknown scheme {scheme!r}; use {expected}")
    _, security, default_port = SCHEMES[scheme]
    parts = urlsplit(url)
    if parts.query or parts.fragment:
        raise MailboxURLError(f"{label} URL: unexpected '?' or '#' in the URL; {ENCODE_HINT}")
    try:
        port = parts.port or default_port
    except ValueError:
        raise MailboxURLError(f"{label} URL: the port is not a number between 1 and 65535; {ENCODE_HINT}")
    host = parts.hostname or ""
    if not host:
        raise MailboxURLError(f"{label} URL: no host name; expected {scheme}://user:password@host:port")
    username = unquote(parts.username or "")
    password = unquote(parts.password or "")
    path = unquote(parts.path.lstrip("/"))
    if protocol == "imap":
        if not username:
            raise MailboxURLError(f"{label} URL: no user name; expected {scheme}://user:password@{host}")
        folders = [folder.strip() for folder in path.split(",") if folder.strip()] or ["INBOX"]
    else:
        if path:
            raise MailboxURLError(f"{label} URL: an SMTP URL has no folder path; {ENCODE_HINT}")
        if password and not username:
            raise MailboxURLError(f"{label} URL: a password without a user name")
        folders = []
    return ServerSettings(protocol, host, port, security, username, password, folders)


def scrub(text, *secrets):
    """The text with every secret replaced by ********, for messages built from server answers."""
    text = str(text)
    for secret in secrets:
        if secret:
            text = text.replace(str(secret), "********")
    return text


def explain_network_error(exc, host, port, protocol="IMAP"):
    """One sentence for a failed connection attempt (DNS, refused, unreachable, timeout, TLS)."""
    where = f"{host}:{port}"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return _(
            "The TLS certificate of %(where)s could not be verified (%(reason)s); "
            "check the host name, or the server's certificate."
        ) % {"where": where, "reason": exc.verify_message or exc.reason}
    if isinstance(exc, ssl.SSLError):
        default_port = 993 if protocol == "IMAP" else 465
        return _(
            "TLS handshake failed with %(where)s (%(reason)s): the server may not offer TLS on this port; "
            "try %(protocol)s with STARTTLS or without TLS, or the TLS port %(default_port)s."
        ) % {
            "where": where,
            "reason": exc.reason or exc.__class__.__name__,
            "protocol": protocol,
            "default_port": default_port,
        }
    if isinstance(exc, socket.gaierror):
        return _("Cannot reach %(where)s: the host name %(host)s could not be found (DNS).") % {
            "where": where,
            "host": host,
        }
    if isinstance(exc, ConnectionRefusedError):
        return _("Cannot reach %(where)s: the connection was refused (nothing listens on that port).") % {
            "where": where
        }
    if isinstance(exc, TimeoutError | socket.timeout):
        return _("Cannot reach %(where)s: no answer in time (timeout); check host, port and firewall.") % {
            "where": where
        }
    if isinstance(exc, ConnectionError | EOFError):
        return _("The connection to %(where)s was closed by the server unexpectedly.") % {"where": where}
    if isinstance(exc, OSError):
        return _("Cannot reach %(where)s: %(reason)s.") % {
            "where": where,
            "reason": exc.strerror or exc.__class__.__name__,
        }
    return ""


def _ssl_context():
    return ssl.create_default_context()


def connect_imap(host, port, security, username, password, timeout=DEFAULT_TIMEOUT):
    """An IMAPClient logged in; raises MailServerError with a plain-language reason."""
    where = f"{host}:{port}"
    try:
        client = IMAPClient(
            host, port=port, ssl=security == "ssl", ssl_context=_ssl_context(), timeout=timeout
        )
    except (OSError, EOFError, imaplib.IMAP4.error) as exc:
        raise MailServerError(
            explain_network_error(exc, host, port) or scrub(f"Cannot connect to {where}: {exc}", password)
        ) from None
    try:
        if security == "starttls":
            if not client.has_capability("STARTTLS"):
                raise MailServerError(
                    _(
                        "The IMAP server at %(where)s does not offer STARTTLS; "
                        "use imaps:// (port 993) or, for a local server only, imap://."
                    )
                    % {"where": where}
                )
            client.starttls(_ssl_context())
        client.login(username, password)
    except LoginError:
        _close(client)
        raise MailServerError(
            _("The IMAP server rejected the user name or password (user %(user)s on %(where)s).")
            % {"user": username, "where": where}
        ) from None
    except MailServerError:
        _close(client)
        raise
    except (OSError, EOFError, IMAPClientError, imaplib.IMAP4.error) as exc:
        _close(client)
        raise MailServerError(
            explain_network_error(exc, host, port)
            or scrub(
                _("The IMAP server at %(where)s failed: %(reason)s") % {"where": where, "reason": exc},
                password,
            )
        ) from None
    return client


def open_imap(mailbox, timeout=DEFAULT_TIMEOUT):
    """Log in to the mailbox's IMAP server (see ``connect_imap``)."""
    if not mailbox.imap_host:
        raise MailServerError(_("No IMAP server is set for mailbox %(name)s.") % {"name": mailbox.name})
    if mailbox.imap_username and not mailbox.imap_password:
        # An empty value is also what a password encrypted with a replaced key reads as.
        raise MailServerError(
            _(
                "No IMAP password is stored for mailbox %(name)s "
                "(or it was encrypted with another key); enter it again."
            )
            % {"name": mailbox.name}
        )
    return connect_imap(
        mailbox.imap_host,
        mailbox.imap_port,
        mailbox.imap_security,
        mailbox.imap_username,
        str(mailbox.imap_password),
        timeout=timeout,
    )


def _close(client):
    try:
        client.logout()
    except Exception:
        try:
            client.shutdown()
        except Exception:
            pass  # the connection is already gone


def list_folder_names(client):
    return [name for _flags, _delimiter, name in client.list_folders()]


def missing_folder_message(folder, client):
    names = list_folder_names(client)
    return _("Folder '%(folder)s' does not exist on the server; folders found: %(found)s.") % {
        "folder": folder,
        "found": ", ".join(sorted(names)) or _("none"),
    }


def check_imap(mailbox, timeout=15):
    """Log in, check every configured folder (and the move-to folder) exists; plain-language result."""
    try:
        client = open_imap(mailbox, timeout=timeout)
    except MailServerError as exc:
        return ConnectionCheck(False, str(exc))
    try:
        names = set(list_folder_names(client))
        wanted = list(mailbox.folder_list)
        if mailbox.move_to_folder:
            wanted.append(mailbox.move_to_folder)
        for folder in wanted:
            if folder not in names and not (folder.upper() == "INBOX" and "INBOX" in names):
                return ConnectionCheck(False, missing_folder_message(folder, client))
        counts = []
        for folder in mailbox.folder_list:
            status = client.folder_status(folder, [b"MESSAGES"])
            counts.append(f"{folder} ({status[b'MESSAGES']})")
    except (OSError, EOFError, IMAPClientError, imaplib.IMAP4.error) as exc:
        return ConnectionCheck(
            False,
            explain_network_error(exc, mailbox.imap_host, mailbox.imap_port)
            or scrub(_("The IMAP server failed: %(reason)s") % {"reason": exc}, mailbox.imap_password),
        )
    finally:
        _close(client)
    return ConnectionCheck(
        True,
        _("IMAP works: logged in to %(where)s as %(user)s; messages per folder: %(counts)s.")
        % {
            "where": f"{mailbox.imap_host}:{mailbox.imap_port}",
            "user": mailbox.imap_username,
            "counts": ", ".join(counts),
        },
    )


def mailbox_from_urls(name, address, imap_url, smtp_url, **fields):
    """An unsaved Mailbox built from ``add_mailbox``'s arguments; MailboxURLError names what is wrong.

    Checks what can be checked without a network: the URLs, the address, and that neither the
    name nor the address is taken.
    """
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    from inbox.models import Mailbox

    name = (name or "").strip()
    address = (address or "").strip().lower()
    if not name:
        raise MailboxURLError("the mailbox needs a name")
    try:
        validate_email(address)
    except ValidationError:
        raise MailboxURLError(f"{address!r} is not a valid email address") from None
    imap = parse_server_url(imap_url, "imap")
    smtp = parse_server_url(smtp_url, "smtp")
    if Mailbox.objects.filter(name__iexact=name).exists():
        raise MailboxURLError(f"a mailbox named {name!r} already exists")
    existing = Mailbox.objects.filter(address__iexact=address).first()
    if existing is not None:
        raise MailboxURLError(f"mailbox {existing.name!r} already uses the address {address}")
    return Mailbox(name=name, address=address, **imap.imap_fields(), **smtp.smtp_fields(), **fields)
