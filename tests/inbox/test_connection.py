"""Mailbox URLs and "Test connection" answers, against the real dovecot where a server is involved."""

import socket
import threading

import pytest

from inbox.mail.connection import MailboxURLError, check_imap, parse_server_url
from tests.servers.dovecot import free_port

SECRET = "Tr0ub4dor&3-hush"


@pytest.mark.parametrize(
    "url, protocol, expected",
    [
        ("imaps://bob:pw@imap.example.com/INBOX", "imap", ("imap.example.com", 993, "ssl", ["INBOX"])),
        ("imap+starttls://bob:pw@imap.example.com", "imap", ("imap.example.com", 143, "starttls", ["INBOX"])),
        (
            "imap://bob:pw@localhost:1143/INBOX,Support",
            "imap",
            ("localhost", 1143, "none", ["INBOX", "Support"]),
        ),
        ("smtps://bob:pw@smtp.example.com:465", "smtp", ("smtp.example.com", 465, "ssl", [])),
        ("smtp+starttls://bob:pw@smtp.example.com", "smtp", ("smtp.example.com", 587, "starttls", [])),
        ("smtp://localhost", "smtp", ("localhost", 25, "none", [])),
    ],
)
def test_each_url_scheme_gives_its_security_and_default_port(url, protocol, expected):
    settings = parse_server_url(url, protocol)
    assert (settings.host, settings.port, settings.security, settings.folders) == expected


def test_user_name_password_and_folders_are_percent_decoded():
    settings = parse_server_url(
        "imaps://me%40example.com:p%2Fss%40w%3Ard%25@h/Support%20Mail, Archive", "imap"
    )
    assert settings.username == "me@example.com"
    assert settings.password == "p/ss@w:rd%"
    assert settings.folders == ["Support Mail", "Archive"]


@pytest.mark.parametrize(
    "url, protocol, complaint",
    [
        (f"http://bob:{SECRET}@host/INBOX", "imap", "unknown scheme 'http'"),
        (f"smtps://bob:{SECRET}@host", "imap", "unknown scheme 'smtps'"),
        (f"bob:{SECRET}@host", "imap", "expected a URL starting with imaps://"),
        (f"imaps://bob:{SECRET}@host:99999/INBOX", "imap", "port is not a number"),
        (f"imaps://bob:{SECRET[:6]}/{SECRET[6:]}@host/INBOX", "imap", "port is not a number"),
        (f"imaps://bob:{SECRET}?x@host/INBOX", "imap", "unexpected '?' or '#'"),
        (f"imaps://bob:{SECRET}@/INBOX", "imap", "no host name"),
        (f"imaps://:{SECRET}@host/INBOX", "imap", "no user name"),
        (f"smtps://bob:{SECRET}@host/INBOX", "smtp", "no folder path"),
    ],
)
def test_bad_urls_get_one_clear_line_that_never_contains_the_password(url, protocol, complaint):
    with pytest.raises(MailboxURLError) as error:
        parse_server_url(url, protocol)
    message = str(error.value)
    assert complaint in message
    assert "\n" not in message
    for fragment in (SECRET, SECRET[:6], SECRET[6:]):
        assert fragment not in message


@pytest.mark.django_db
def test_working_settings_say_so_with_the_message_counts(imap_account):
    imap_account.create_folder("Support")
    imap_account.append(b"Subject: one\r\n\r\nbody\r\n")
    check = check_imap(imap_account.mailbox(folders="INBOX, Support"))
    assert check.ok, check.message
    assert "INBOX (1)" in check.message and "Support (0)" in check.message


@pytest.mark.django_db
def test_wrong_password_is_named_as_such_without_echoing_it(imap_account):
    check = check_imap(imap_account.mailbox(imap_password=SECRET))
    assert not check.ok
    assert "The IMAP server rejected the user name or password" in check.message
    assert SECRET not in check.message


@pytest.mark.django_db
def test_missing_folder_lists_the_folders_the_server_has(imap_account):
    imap_account.create_folder("Archive")
    check = check_imap(imap_account.mailbox(folders="INBOX, Suport"))
    assert not check.ok
    assert "Folder 'Suport' does not exist on the server; folders found: Archive, INBOX" in check.message


@pytest.mark.django_db
def test_missing_move_to_folder_is_reported_before_any_fetch(imap_account):
    check = check_imap(imap_account.mailbox(move_to_folder="Imported"))
    assert not check.ok
    assert "Folder 'Imported' does not exist" in check.message


@pytest.mark.django_db
def test_closed_port_says_nothing_listens_there(imap_account):
    port = free_port()
    check = check_imap(imap_account.mailbox(imap_port=port))
    assert not check.ok
    assert check.message.startswith(f"Cannot reach 127.0.0.1:{port}")
    assert "refused" in check.message


@pytest.mark.django_db
def test_unknown_host_says_the_name_could_not_be_found(imap_account):
    check = check_imap(imap_account.mailbox(imap_host="no-such-host.invalid"))
    assert not check.ok
    assert "Cannot reach no-such-host.invalid" in check.message and "DNS" in check.message


@pytest.mark.django_db
def test_tls_to_a_plaintext_port_explains_the_server_may_not_offer_tls(imap_account):
    check = check_imap(imap_account.mailbox(imap_security="ssl"))
    assert not check.ok
    assert check.message.startswith(f"TLS handshake failed with 127.0.0.1:{imap_account.port}")
    assert "the server may not offer TLS on this port" in check.message


@pytest.mark.django_db
def test_starttls_on_a_server_without_it_suggests_another_scheme(imap_account):
    check = check_imap(imap_account.mailbox(imap_security="starttls"))
    assert not check.ok
    assert "does not offer STARTTLS" in check.message


@pytest.mark.django_db
def test_a_server_that_never_answers_times_out_in_plain_words(imap_account):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    accepted = []
    threading.Thread(target=lambda: accepted.append(silent.accept()), daemon=True).start()
    try:
        check = check_imap(imap_account.mailbox(imap_port=silent.getsockname()[1]), timeout=0.5)
    finally:
        silent.close()
        for conn, _addr in accepted:
            conn.close()
    assert not check.ok
    assert "no answer in time (timeout)" in check.message


@pytest.mark.django_db
def test_a_missing_or_undecryptable_password_asks_to_enter_it_again(imap_account):
    check = check_imap(imap_account.mailbox(imap_password=""))
    assert not check.ok
    assert "No IMAP password is stored for mailbox" in check.message and "enter it again" in check.message
