"""A private dovecot IMAP server for tests and the benchmark (see /work/shared/TESTING.md).

``DovecotServer`` runs ``dovecot -F -c CONFIG`` from a temporary directory on a free port of
127.0.0.1, with a passwd-file and a Maildir per user. ``ImapAccount`` is one such
user with helpers to APPEND messages (returning their UIDs), read flags and rebuild a folder
so that its UIDVALIDITY changes. The fixtures at the bottom give each test a fresh user, so
tests never see each other's mail although the server lives for the whole session.
"""

import base64
import itertools
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from imapclient import IMAPClient

try:
    import pytest
except ImportError:  # the benchmark uses the server without pytest
    pytest = None

APPENDUID = re.compile(rb"APPENDUID (\d+) ([\d:,]+)", re.IGNORECASE)

CONFIG = """\
protocols = imap
listen = 127.0.0.1
base_dir = {dir}/run
state_dir = {dir}/state
log_path = {dir}/dovecot.log
info_log_path = {dir}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
mail_location = maildir:{dir}/mail/%u/Maildir
mail_fsync = never
mail_max_userip_connections = 100
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {dir}/users/%u
}}
auth_failure_delay = 0
# Without the penalty socket, auth cannot slow down every login after one wrong password.
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
userdb {{
  driver = static
  args = uid=dovecot gid=dovecot home={dir}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""


class DovecotUnavailable(Exception):
    """dovecot is not installed or could not start; the message says why."""


def dovecot_binary():
    return shutil.which("dovecot") or next(
        (path for path in ("/usr/sbin/dovecot", "/usr/local/sbin/dovecot") if os.path.exists(path)), None
    )


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_port(port, timeout, process, log):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise DovecotUnavailable(f"dovecot exited with status {process.returncode}: {log()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
                if sock.recv(64).startswith(b"* OK"):
                    return
        except OSError:
            time.sleep(0.05)
    raise DovecotUnavailable(f"dovecot did not answer on 127.0.0.1:{port} within {timeout} s: {log()}")


class DovecotServer:
    """One private dovecot instance; ``start()`` it, ``stop()`` it (waits for the master to exit)."""

    def __init__(self):
        self.binary = dovecot_binary()
        self.host = "127.0.0.1"
        self.port = None
        self.dir = None
        self.process = None
        self._names = itertools.count(1)

    def start(self):
        if self.binary is None:
            raise DovecotUnavailable(
                "dovecot is not installed (Debian package dovecot-imapd); "
                "run scripts/install_test_services.sh as root to install it"
            )
        self.dir = Path(tempfile.mkdtemp(prefix="helpdesk-dovecot-"))
        try:
            self._launch()
        except BaseException:
            self.stop()  # removes the temporary directory too
            raise
        return self

    def _launch(self):
        # dovecot's auth and mail processes run as the dovecot user: they must reach these paths.
        self.dir.chmod(0o755)
        for sub in ("run", "state", "mail", "users"):
            (self.dir / sub).mkdir()
        try:
            shutil.chown(self.dir / "mail", "dovecot", "dovecot")
        except (PermissionError, LookupError) as exc:
            raise DovecotUnavailable(
                f"the private dovecot must run as root with a 'dovecot' system user ({exc})"
            ) from None
        self.port = free_port()
        config = self.dir / "dovecot.conf"
        config.write_text(CONFIG.format(dir=self.dir, port=self.port))
        self.process = subprocess.Popen(
            [self.binary, "-F", "-c", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        _wait_for_port(self.port, 10, self.process, self.log_tail)

    def log_tail(self, lines=15):
        chunks = []
        if self.process is not None and self.process.poll() is not None and self.process.stderr:
            chunks.append(self.process.stderr.read().decode(errors="replace"))
        log = self.dir / "dovecot.log" if self.dir else None
        if log and log.exists():
            chunks.append("\n".join(log.read_text(errors="replace").splitlines()[-lines:]))
        return "\n".join(chunk for chunk in chunks if chunk).strip() or "(no log output)"

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        if self.process is not None and self.process.stderr:
            self.process.stderr.close()
        self.process = None
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def add_user(self, username=None, password=None):
        """A new user with an empty INBOX; any password characters are allowed (stored base64)."""
        username = username or f"user{next(self._names)}"
        password = password if password is not None else f"secret-{username}"
        encoded = base64.b64encode(password.encode()).decode()
        # One passwd-file per user: dovecot re-reads a changed shared file only now and then.
        (self.dir / "users" / username).write_text(f"{username}:{{PLAIN.BASE64}}{encoded}::::::\n")
        return ImapAccount(self, username, password)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()


class ImapAccount:
    """A user of the private dovecot, with the helpers tests need to put mail in and look at it."""

    def __init__(self, server, username, password):
        self.server = server
        self.host = server.host
        self.port = server.port
        self.username = username
        self.password = password

    def url(self, folders="INBOX", scheme="imap", password=None):
        from urllib.parse import quote

        secret = quote(self.password if password is None else password, safe="")
        user = quote(self.username, safe="")
        return f"{scheme}://{user}:{secret}@{self.host}:{self.port}/{folders}"

    def mailbox(self, name=None, folders="INBOX", **fields):
        """A saved Mailbox that fetches from this account (needs the test database)."""
        from inbox.models import Mailbox

        name = name or f"Support {self.username}"
        values = {
            "address": f"{self.username}@example.test",
            "imap_host": self.host,
            "imap_port": self.port,
            "imap_security": "none",
            "imap_username": self.username,
            "imap_password": self.password,
            "imap_folders": folders,
            "smtp_host": "127.0.0.1",
            "smtp_port": 25,
            "smtp_security": "none",
        }
        values.update(fields)
        return Mailbox.objects.create(name=name, **values)

    def client(self):
        client = IMAPClient(self.host, port=self.port, ssl=False, timeout=30)
        client.login(self.username, self.password)
        return client

    def create_folder(self, folder):
        with self.client() as client:
            if not client.folder_exists(folder):
                client.create_folder(folder)

    def append(self, raw, folder="INBOX", flags=()):
        """APPEND one message; returns its UID."""
        with self.client() as client:
            response = client.append(folder, raw, flags=flags)
        return _uids_from(response)[0]

    def append_many(self, raws, folder="INBOX", chunk=200):
        """APPEND many messages with MULTIAPPEND; returns their UIDs in order."""
        uids = []
        with self.client() as client:
            for start in range(0, len(raws), chunk):
                response = client.multiappend(folder, list(raws[start : start + chunk]))
                uids.extend(_uids_from(response))
        return uids

    def uidvalidity(self, folder="INBOX"):
        with self.client() as client:
            return client.folder_status(folder, [b"UIDVALIDITY"])[b"UIDVALIDITY"]

    def flags(self, folder="INBOX"):
        """{uid: set of flags} of every message in the folder (read-only: changes nothing)."""
        with self.client() as client:
            client.select_folder(folder, readonly=True)
            return {uid: set(flags) for uid, flags in client.get_flags(client.search("ALL")).items()}

    def uids(self, folder="INBOX"):
        with self.client() as client:
            client.select_folder(folder, readonly=True)
            return sorted(client.search("ALL"))

    def recreate_folder(self, folder="INBOX"):
        """Rebuild the folder with the same messages under a new UIDVALIDITY (what a server
        migration or restore does); returns the new UIDVALIDITY."""
        before = self.uidvalidity(folder)
        with self.client() as client:
            client.select_folder(folder, readonly=True)
            uids = client.search("ALL")
            raws = [data[b"BODY[]"] for _, data in sorted(client.fetch(uids, ["BODY.PEEK[]"]).items())]
            client.close_folder()
            if folder.upper() == "INBOX":
                # INBOX cannot be deleted over IMAP: empty it, then make dovecot forget its UIDs.
                client.select_folder(folder)
                if uids:
                    client.delete_messages(uids)
                    client.expunge()
                client.close_folder()
            else:
                client.delete_folder(folder)
        if folder.upper() == "INBOX":
            maildir = self.server.dir / "mail" / self.username / "Maildir"
            for path in maildir.glob("dovecot*"):
                if path.name != "dovecot-uidvalidity" and not path.name.startswith("dovecot-uidvalidity."):
                    path.unlink()
        else:
            self.create_folder(folder)
        if raws:
            self.append_many(raws, folder)
        after = self.uidvalidity(folder)
        assert after != before, f"UIDVALIDITY of {folder} did not change ({before})"
        return after


def _uids_from(response):
    match = APPENDUID.search(response if isinstance(response, bytes) else str(response).encode())
    if not match:
        raise AssertionError(f"the server did not answer APPEND with APPENDUID: {response!r}")
    uids = []
    for part in match.group(2).decode().split(","):
        low, _, high = part.partition(":")
        uids.extend(range(int(low), int(high or low) + 1))
    return uids


if pytest is not None:
    from tests.servers import service_missing

    @pytest.fixture(scope="session")
    def dovecot():
        """The session's private dovecot; skipped (failed under CI=true) when dovecot is missing."""
        server = DovecotServer()
        try:
            server.start()
        except DovecotUnavailable as exc:
            service_missing(str(exc))
        yield server
        server.stop()

    @pytest.fixture
    def imap_account(dovecot):
        """A fresh dovecot user with an empty INBOX, for one test."""
        return dovecot.add_user()
