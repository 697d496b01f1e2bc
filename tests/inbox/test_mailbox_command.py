"""manage.py add_mailbox: URLs in, a mailbox stored with its password encrypted and never shown."""

import io
import logging

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from inbox.models import Mailbox
from tests.servers.dovecot import free_port

pytestmark = pytest.mark.django_db

SECRET = "Ultra/Secret@Pass:word%1"
ENCODED = "Ultra%2FSecret%40Pass%3Aword%251"


def add_mailbox(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("add_mailbox", *args, stdout=out, stderr=err)
    return out.getvalue() + err.getvalue()


def test_mailbox_is_stored_from_urls_without_contacting_any_server():
    closed = free_port()
    output = add_mailbox(
        "Support",
        "--address",
        "Support@Example.com",
        "--imap",
        f"imap+starttls://help%40example.com:{ENCODED}@127.0.0.1:{closed}/INBOX,Support%20Queue",
        "--smtp",
        f"smtps://help%40example.com:{ENCODED}@127.0.0.1:{closed}",
        "--sender-name",
        "Example Support",
        "--interval",
        "120",
        "--inactive",
    )
    mailbox = Mailbox.objects.get(name="Support")
    assert mailbox.address == "support@example.com"
    assert (mailbox.imap_host, mailbox.imap_port, mailbox.imap_security) == ("127.0.0.1", closed, "starttls")
    assert mailbox.imap_username == "help@example.com" and mailbox.imap_password == SECRET
    assert mailbox.folder_list == ["INBOX", "Support Queue"]
    assert (mailbox.smtp_port, mailbox.smtp_security, mailbox.smtp_password) == (closed, "ssl", SECRET)
    assert mailbox.sender_name == "Example Support"
    assert mailbox.poll_interval == 120 and mailbox.active is False
    assert "Added mailbox Support <support@example.com> (inactive" in output
    assert SECRET not in output and ENCODED not in output


def test_passwords_are_encrypted_in_the_database_and_absent_from_output_and_logs(caplog):
    caplog.set_level(logging.DEBUG)
    output = add_mailbox(
        "Sales",
        "--address",
        "sales@example.com",
        "--imap",
        f"imaps://sales:{ENCODED}@imap.example.com/INBOX",
        "--smtp",
        f"smtp+starttls://sales:{ENCODED}@smtp.example.com",
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT imap_password, smtp_password FROM inbox_mailbox WHERE name = %s", ["Sales"])
        stored = cursor.fetchone()
    for column in stored:
        assert column.startswith("fernet:")
        assert SECRET not in column and ENCODED not in column
    assert Mailbox.objects.get(name="Sales").smtp_password == SECRET
    assert SECRET not in output and SECRET not in caplog.text and ENCODED not in caplog.text
    assert repr(Mailbox.objects.get(name="Sales").imap_password) == "'********'"


@pytest.mark.parametrize(
    "imap, smtp, complaint",
    [
        (f"pop3://u:{ENCODED}@h/INBOX", "smtp://h", "IMAP URL: unknown scheme 'pop3'"),
        (f"imaps://u:{SECRET}@h/INBOX", "smtp://h", "IMAP URL: the port is not a number"),
        ("imaps://u:p@h/INBOX", f"smtps://u:{ENCODED}@h:notaport", "SMTP URL: the port is not a number"),
        ("imaps://u:p@h/INBOX", f"imaps://u:{ENCODED}@h", "SMTP URL: unknown scheme 'imaps'"),
    ],
)
def test_bad_urls_are_refused_in_one_line_without_the_password(imap, smtp, complaint):
    with pytest.raises(CommandError) as error:
        add_mailbox("Support", "--address", "support@example.com", "--imap", imap, "--smtp", smtp)
    assert complaint in str(error.value)
    assert SECRET not in str(error.value) and ENCODED not in str(error.value)
    assert "Secret" not in str(error.value)
    assert not Mailbox.objects.exists()


def test_duplicate_name_or_address_is_refused_clearly():
    urls = ["--imap", "imaps://u:p@h/INBOX", "--smtp", "smtps://u:p@h"]
    add_mailbox("Support", "--address", "support@example.com", *urls)
    with pytest.raises(CommandError, match="a mailbox named 'support' already exists"):
        add_mailbox("support", "--address", "other@example.com", *urls)
    with pytest.raises(CommandError, match="mailbox 'Support' already uses the address support@example.com"):
        add_mailbox("Billing", "--address", "SUPPORT@example.com", *urls)
    with pytest.raises(CommandError, match="'not-an-address' is not a valid email address"):
        add_mailbox("Billing", "--address", "not-an-address", *urls)
    assert Mailbox.objects.count() == 1


def test_check_stores_the_mailbox_only_when_both_servers_answer(imap_account, smtp_auth_server):
    output = add_mailbox(
        "Support",
        "--address",
        "support@example.com",
        "--imap",
        imap_account.url(),
        "--smtp",
        smtp_auth_server.url,
        "--check",
    )
    assert "IMAP: ok: IMAP works" in output
    assert "SMTP: ok: SMTP works" in output
    assert Mailbox.objects.filter(name="Support").exists()
    assert imap_account.password not in output and smtp_auth_server.password not in output


def test_check_with_a_wrong_password_explains_and_stores_nothing(imap_account, smtp_auth_server):
    out = io.StringIO()
    with pytest.raises(CommandError, match="not stored"):
        call_command(
            "add_mailbox",
            "Support",
            "--address",
            "support@example.com",
            "--imap",
            imap_account.url(password=SECRET),
            "--smtp",
            smtp_auth_server.url,
            "--check",
            stdout=out,
        )
    assert "IMAP: FAILED: The IMAP server rejected the user name or password" in out.getvalue()
    assert SECRET not in out.getvalue()
    assert not Mailbox.objects.exists()
