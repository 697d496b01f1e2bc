"""Fetching over IMAP from the real dovecot: new UIDs only, nothing touched on the server, no duplicates."""

import io
import logging

import pytest
from django.core.management import CommandError, call_command
from imapclient import IMAPClient

from inbox.mail.fetch import fetch_mailbox
from inbox.models import Mailbox, MailboxFolderState, Message, RawMessage, Ticket

pytestmark = pytest.mark.django_db


def mail(number, subject=None, sender=None, body=None, extra=""):
    sender = sender or f"customer{number}@example.org"
    return (
        f"From: Customer {number} <{sender}>\r\n"
        f"To: support@example.test\r\n"
        f"Subject: {subject or f'Question number {number}'}\r\n"
        f"Message-ID: <question-{number}@example.org>\r\n"
        f"Date: Mon, 3 Mar 2025 10:{number % 60:02d}:00 +0000\r\n"
        f"{extra}"
        f"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        f"{body or f'Hello, this is question {number}.'}\r\n"
    ).encode()


def test_appended_mail_becomes_tickets_and_the_folder_state_advances(imap_account):
    uids = imap_account.append_many([mail(1), mail(2), mail(3)])
    mailbox = imap_account.mailbox()

    result = fetch_mailbox(mailbox)

    assert result.ok, result.error
    assert (result.fetched, result.stored, result.duplicates) == (3, 3, 0)
    assert Ticket.objects.filter(mailbox=mailbox).count() == 3
    assert set(Message.objects.values_list("subject", flat=True)) == {
        f"Question number {n}" for n in (1, 2, 3)
    }
    assert not RawMessage.objects.filter(state=RawMessage.State.PENDING).exists()
    state = MailboxFolderState.objects.get(mailbox=mailbox, folder="INBOX")
    assert state.last_uid == max(uids)
    assert state.uidvalidity == imap_account.uidvalidity()
    assert sorted(RawMessage.objects.values_list("uid", flat=True)) == uids
    mailbox.refresh_from_db()
    assert mailbox.last_fetch_at is not None and mailbox.last_error == ""


def test_raw_bytes_are_stored_exactly_as_the_server_has_them(imap_account):
    odd = mail(7, body="Caf\xe9 \u2603 trailing spaces   ").replace(
        b"\r\n\r\n", b"\r\nX-Odd:  two  spaces\r\n\r\n", 1
    )
    imap_account.append(odd)
    fetch_mailbox(imap_account.mailbox())
    assert bytes(RawMessage.objects.get().raw) == odd


def test_fetching_again_fetches_only_what_arrived_since(imap_account):
    imap_account.append_many([mail(1), mail(2)])
    mailbox = imap_account.mailbox()
    fetch_mailbox(mailbox)

    again = fetch_mailbox(mailbox)
    assert (again.fetched, again.stored) == (0, 0)

    imap_account.append(mail(3))
    third = fetch_mailbox(mailbox)
    assert (third.fetched, third.stored) == (1, 1)
    assert RawMessage.objects.count() == 3 and Ticket.objects.count() == 3


def test_messages_stay_unseen_and_undeleted_on_the_server(imap_account):
    uids = imap_account.append_many([mail(n) for n in range(1, 6)])
    fetch_mailbox(imap_account.mailbox(), batch_size=2)
    flags = imap_account.flags()
    assert sorted(flags) == uids
    for uid, message_flags in flags.items():
        assert b"\\Seen" not in message_flags, uid
        assert b"\\Deleted" not in message_flags, uid


def test_small_batches_import_everything_in_order(imap_account):
    uids = imap_account.append_many([mail(n) for n in range(1, 12)])
    mailbox = imap_account.mailbox()
    result = fetch_mailbox(mailbox, batch_size=3)
    assert result.stored == 11
    assert result.batches == 4
    assert result.processed.new_tickets == 11
    assert list(RawMessage.objects.order_by("id").values_list("uid", flat=True)) == uids


def test_a_uidvalidity_change_rescans_the_folder_without_duplicates(imap_account):
    imap_account.append_many([mail(1), mail(2), mail(3)])
    mailbox = imap_account.mailbox()
    fetch_mailbox(mailbox)
    old_validity = MailboxFolderState.objects.get(mailbox=mailbox).uidvalidity

    new_validity = imap_account.recreate_folder("INBOX")
    imap_account.append(mail(4))
    result = fetch_mailbox(mailbox)

    assert result.ok, result.error
    assert result.rescanned == ["INBOX"]
    assert (result.fetched, result.stored, result.duplicates) == (4, 1, 3)
    assert RawMessage.objects.count() == 4 and Ticket.objects.count() == 4
    state = MailboxFolderState.objects.get(mailbox=mailbox)
    assert state.uidvalidity == new_validity != old_validity
    assert state.last_uid == max(imap_account.uids())


def test_every_configured_folder_is_fetched_with_its_own_state(imap_account):
    imap_account.create_folder("Support")
    imap_account.append(mail(1))
    imap_account.append_many([mail(2), mail(3)], folder="Support")
    mailbox = imap_account.mailbox(folders="INBOX, Support")

    result = fetch_mailbox(mailbox)

    assert result.stored == 3 and result.folders == 2
    states = dict(MailboxFolderState.objects.filter(mailbox=mailbox).values_list("folder", "last_uid"))
    assert states == {"INBOX": 1, "Support": 2}
    assert set(RawMessage.objects.values_list("folder", flat=True)) == {"INBOX", "Support"}


def test_move_to_folder_moves_only_after_the_messages_are_stored(imap_account):
    imap_account.create_folder("Imported")
    imap_account.append_many([mail(1), mail(2)])
    mailbox = imap_account.mailbox(move_to_folder="Imported")

    result = fetch_mailbox(mailbox)

    assert result.ok, result.error
    assert (result.stored, result.moved) == (2, 2)
    assert imap_account.uids("INBOX") == []
    assert len(imap_account.uids("Imported")) == 2
    assert Ticket.objects.count() == 2


def test_without_move_support_messages_are_copied_then_expunged_by_uid(imap_account, monkeypatch):
    imap_account.create_folder("Imported")
    imap_account.append_many([mail(1), mail(2)])
    mailbox = imap_account.mailbox(move_to_folder="Imported")
    real = IMAPClient.has_capability
    monkeypatch.setattr(IMAPClient, "has_capability", lambda self, name: name != "MOVE" and real(self, name))

    result = fetch_mailbox(mailbox)

    assert result.ok, result.error
    assert (result.stored, result.moved) == (2, 2)
    assert imap_account.uids("INBOX") == []
    copies = imap_account.flags("Imported")
    assert len(copies) == 2
    assert all(not flags & {b"\\Deleted", b"\\Seen"} for flags in copies.values())


def test_wrong_password_is_recorded_in_plain_language_and_other_mailboxes_go_on(
    imap_account, dovecot, caplog
):
    caplog.set_level(logging.DEBUG)  # imapclient logs every command at DEBUG level
    other = dovecot.add_user()
    other.append(mail(1))
    broken = imap_account.mailbox(name="Broken", imap_password="wrong-Secret-123")
    working = other.mailbox(name="Working")

    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="1 of 2 mailboxes could not be fetched"):
        call_command("fetch_mail", "--once", stdout=out, stderr=err)

    broken.refresh_from_db()
    assert broken.last_error.startswith("The IMAP server rejected the user name or password")
    assert broken.last_error_at is not None and broken.last_fetch_at is None
    assert "wrong-Secret-123" not in broken.last_error + out.getvalue() + err.getvalue() + caplog.text
    assert other.password not in caplog.text and "LOGIN" in caplog.text  # the commands were logged, redacted
    assert "Broken: failed: The IMAP server rejected the user name or password" in err.getvalue()
    assert "Working: 1 new" in out.getvalue()
    assert Ticket.objects.filter(mailbox=working).count() == 1


def test_a_successful_fetch_clears_the_last_error(imap_account):
    mailbox = imap_account.mailbox(imap_password="wrong")
    assert not fetch_mailbox(mailbox).ok
    Mailbox.objects.filter(pk=mailbox.pk).update(imap_password=imap_account.password)
    mailbox.refresh_from_db()
    assert fetch_mailbox(mailbox).ok
    mailbox.refresh_from_db()
    assert mailbox.last_error == "" and mailbox.last_fetch_at is not None


def test_a_missing_folder_is_reported_with_the_folders_found(imap_account):
    imap_account.append(mail(1))
    mailbox = imap_account.mailbox(folders="Support")
    result = fetch_mailbox(mailbox)
    assert result.error == "Folder 'Support' does not exist on the server; folders found: INBOX."
    mailbox.refresh_from_db()
    assert mailbox.last_error == result.error


def test_fetch_mail_once_for_a_named_mailbox_and_an_unknown_name(imap_account):
    imap_account.append(mail(1))
    imap_account.mailbox(name="Support", active=False)
    out = io.StringIO()
    call_command("fetch_mail", "--once", "--mailbox", "Support", stdout=out)
    assert "Support: 1 new, 0 duplicates skipped; processed: 1 new tickets" in out.getvalue()
    with pytest.raises(CommandError, match="no mailbox named 'Sales'; mailboxes: Support"):
        call_command("fetch_mail", "--once", "--mailbox", "Sales")


def test_a_message_that_cannot_be_processed_is_quarantined_and_the_rest_go_on(imap_account):
    senderless = b"To: support@example.test\r\nSubject: Who?\r\nMessage-ID: <nobody@x>\r\n\r\nHi\r\n"
    uids = imap_account.append_many([mail(1), senderless, mail(3)])
    mailbox = imap_account.mailbox()

    result = fetch_mailbox(mailbox)

    assert result.ok, result.error
    assert result.stored == 3
    assert Ticket.objects.count() == 2
    quarantined = RawMessage.objects.get(state=RawMessage.State.QUARANTINED)
    assert quarantined.uid == uids[1] and bytes(quarantined.raw) == senderless
    assert "sender" in quarantined.error
    assert MailboxFolderState.objects.get(mailbox=mailbox).last_uid == uids[2]
    assert fetch_mailbox(mailbox).fetched == 0


def test_messages_stored_but_not_yet_moved_are_moved_on_the_next_fetch(imap_account, monkeypatch):
    from inbox.mail import fetch

    imap_account.create_folder("Imported")
    imap_account.append_many([mail(1), mail(2)])
    mailbox = imap_account.mailbox(move_to_folder="Imported")

    def crash(client, uids, target):
        raise OSError("connection lost")  # as if the worker died between the commit and the move

    monkeypatch.setattr(fetch, "_move", crash)
    assert not fetch_mailbox(mailbox).ok
    assert RawMessage.objects.count() == 2 and len(imap_account.uids("INBOX")) == 2
    monkeypatch.undo()

    result = fetch_mailbox(mailbox)

    assert result.ok, result.error
    assert (result.fetched, result.moved) == (0, 2)
    assert imap_account.uids("INBOX") == [] and len(imap_account.uids("Imported")) == 2
    assert RawMessage.objects.count() == 2 and Ticket.objects.count() == 2
