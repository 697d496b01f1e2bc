"""import_mail: history from .eml files, folders, mbox files and Maildirs, threaded, quiet, idempotent."""

import io
import mailbox as mailboxes
import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from inbox.mail import importer
from inbox.mail.importer import import_paths
from inbox.mail.ingest import store_raw
from inbox.models import Attachment, Message, RawMessage, Ticket
from tests.inbox.ingest_support import BASE_DATE, mail, make_mailbox, recorded_actions

pytestmark = pytest.mark.django_db


@pytest.fixture
def mailbox():
    return make_mailbox(auto_reply_enabled=True, smtp_host="127.0.0.1", smtp_port=1, smtp_security="none")


def history():
    """A conversation of three (customer, our reply, customer) plus an unrelated question."""
    first = mail(message_id="<h1@customer.example>", date=BASE_DATE)
    ours = mail(
        sender="support@shop.example",
        sender_name="Shop Support",
        to="dana@customer.example",
        subject="Re: Where is my order? [#77]",
        message_id="<h2@shop.example>",
        in_reply_to="<h1@customer.example>",
        references="<h1@customer.example>",
        date=BASE_DATE + timedelta(hours=1),
        body="It ships tomorrow.",
    )
    again = mail(
        subject="Re: Where is my order?",
        message_id="<h3@customer.example>",
        in_reply_to="<h2@shop.example>",
        references="<h1@customer.example> <h2@shop.example>",
        date=BASE_DATE + timedelta(hours=2),
        body="Thanks!",
    )
    other = mail(
        sender="lee@other.example",
        sender_name="Lee",
        subject="Invoice copy",
        message_id="<o1@other.example>",
        date=BASE_DATE + timedelta(days=1),
        attachments=[("invoice.pdf", "application/pdf", b"%PDF-1.4 fake")],
    )
    return [first, ours, again, other]


def run_import(*paths, name="Support"):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_mail", "--mailbox", name, *map(str, paths), stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def write_eml_tree(root, messages):
    """Files named so that alphabetical order is NOT date order; some in a sub-folder."""
    (root / "sub" / "deeper").mkdir(parents=True)
    names = ["sub/deeper/a.eml", "b.EML", "sub/c.eml", "d.eml"]
    for name, data in zip(names, reversed(messages), strict=True):
        (root / name).write_bytes(data)
    (root / "notes.txt").write_text("not mail")


def test_a_folder_of_eml_files_is_imported_threaded_in_date_order_and_quietly(
    tmp_path, mailbox, django_capture_on_commit_callbacks
):
    write_eml_tree(tmp_path, history())

    with recorded_actions(
        "inbox.message_received", "inbox.ticket_created", "inbox.customer_replied"
    ) as calls:
        with django_capture_on_commit_callbacks(execute=True):
            line, err = run_import(tmp_path)

    assert line == (
        "Imported 4 messages: "
        "2 new tickets, 2 replies threaded, 0 duplicates skipped, 0 quarantined, 0 bounces"
    )
    assert err == ""
    conversation = Ticket.objects.get(subject="Where is my order?")
    kinds = list(conversation.messages.order_by("created_at").values_list("kind", "message_id"))
    assert kinds == [
        ("incoming", "<h1@customer.example>"),
        ("reply", "<h2@shop.example>"),
        ("incoming", "<h3@customer.example>"),
    ]
    assert conversation.message_count == 3
    assert conversation.created_at == BASE_DATE  # history keeps its own dates
    assert conversation.last_activity_at == BASE_DATE + timedelta(hours=2)
    assert conversation.preview == "Thanks!"
    assert RawMessage.objects.filter(source="import", quiet=True, state="processed").count() == 4
    # Imported history: no auto-reply, no ticket_created / customer_replied (which notify agents).
    assert not Message.objects.filter(kind=Message.Kind.AUTO_REPLY).exists()
    assert calls["inbox.ticket_created"] == [] and calls["inbox.customer_replied"] == []
    # ... but plugins mirroring every message see the history (the customer's three, not our reply).
    received = [(call["message"].message_id, call["created"]) for call in calls["inbox.message_received"]]
    assert received == [
        ("<h1@customer.example>", True),
        ("<h3@customer.example>", False),
        ("<o1@other.example>", True),
    ]


def test_importing_the_same_files_again_skips_every_message_as_a_duplicate(tmp_path, mailbox):
    write_eml_tree(tmp_path, history())
    run_import(tmp_path)

    line, _err = run_import(tmp_path)

    assert line == (
        "Imported 4 messages: "
        "0 new tickets, 0 replies threaded, 4 duplicates skipped, 0 quarantined, 0 bounces"
    )
    assert Message.objects.count() == 4 and RawMessage.objects.count() == 4


def test_an_mbox_file_is_imported(tmp_path, mailbox):
    path = tmp_path / "export.mbox"
    box = mailboxes.mbox(str(path))
    for data in history():
        box.add(data)
    box.flush()
    box.close()

    line, _err = run_import(path)

    assert line.startswith("Imported 4 messages: 2 new tickets, 2 replies threaded")
    assert Message.objects.get(message_id="<o1@other.example>").attachments.get().filename == "invoice.pdf"


def test_a_maildir_with_a_subfolder_is_imported(tmp_path, mailbox):
    box = mailboxes.Maildir(str(tmp_path / "Maildir"))
    first, ours, again, other = history()
    box.add(first)
    box.add(again)
    sent = box.add_folder("Sent")
    sent.add(ours)
    box.add(mailboxes.MaildirMessage(other))  # lands in new/ like undelivered-to-client mail

    line, _err = run_import(tmp_path / "Maildir")

    assert line.startswith("Imported 4 messages: 2 new tickets, 2 replies threaded")
    folders = set(RawMessage.objects.values_list("folder", flat=True))
    assert str(tmp_path / "Maildir") in folders and str(tmp_path / "Maildir" / "Sent") in folders


def test_a_message_stored_by_an_interrupted_import_is_processed_by_the_next(tmp_path, mailbox):
    messages = history()
    write_eml_tree(tmp_path, messages)
    store_raw(mailbox, messages[0], source=RawMessage.Source.IMPORT, quiet=True)  # stored, never processed

    result = import_paths(mailbox, [str(tmp_path)])

    assert (result.messages, result.summary.new_tickets, result.summary.duplicates) == (4, 2, 0)
    assert not RawMessage.objects.filter(state="pending").exists()


def test_a_broken_message_in_the_history_is_quarantined_and_the_rest_imported(tmp_path, mailbox):
    (tmp_path / "good.eml").write_bytes(history()[3])
    (tmp_path / "broken.eml").write_bytes(b"\x00\x01\x02 not a mail at all \xff\xfe" * 10)

    line, _err = run_import(tmp_path)

    assert line.endswith("1 new tickets, 0 replies threaded, 0 duplicates skipped, 1 quarantined, 0 bounces")
    broken = RawMessage.objects.get(state=RawMessage.State.QUARANTINED)
    assert broken.error.startswith("MessageParseError: This is not an email message")


def test_an_unknown_mailbox_is_a_clear_error(tmp_path, mailbox):
    (tmp_path / "a.eml").write_bytes(history()[0])
    with pytest.raises(CommandError, match=r"no mailbox named 'Nope'; mailboxes: Support"):
        run_import(tmp_path, name="Nope")
    assert not RawMessage.objects.exists()


def test_a_missing_path_is_a_clear_error_and_nothing_is_imported(tmp_path, mailbox):
    (tmp_path / "a.eml").write_bytes(history()[0])
    with pytest.raises(CommandError, match=r"nothing imported: .*missing\.mbox: no such file or directory"):
        run_import(tmp_path / "a.eml", tmp_path / "missing.mbox")
    assert not RawMessage.objects.exists()


def test_an_empty_file_is_reported_and_fails_the_command_after_importing_the_rest(tmp_path, mailbox):
    (tmp_path / "a.eml").write_bytes(history()[0])
    (tmp_path / "empty.eml").write_bytes(b"")
    out, err = io.StringIO(), io.StringIO()

    with pytest.raises(CommandError, match="1 files or messages could not be read"):
        call_command("import_mail", "--mailbox", "Support", str(tmp_path), stdout=out, stderr=err)

    assert "empty.eml: empty file, nothing to import" in err.getvalue()
    assert out.getvalue().startswith("Imported 1 messages: 1 new tickets")


def test_import_never_touches_imap(tmp_path, mailbox):
    mailbox.imap_host = "imap.unreachable.invalid"
    mailbox.save()
    (tmp_path / "a.eml").write_bytes(history()[0])

    line, _err = run_import(tmp_path / "a.eml")

    assert line.startswith("Imported 1 messages: 1 new tickets")
    mailbox.refresh_from_db()
    assert mailbox.last_fetch_at is None and mailbox.last_error == ""


def test_a_parser_process_that_dies_quarantines_its_message_and_the_import_goes_on(
    tmp_path, mailbox, monkeypatch
):
    from inbox.mail import parsing_pool

    real_parse = parsing_pool.parse_message

    def parse_or_die(raw):
        if b"crash-the-parser" in raw:
            os._exit(1)  # what the kernel's OOM killer does to a worker, as seen from the pool
        return real_parse(raw)

    monkeypatch.setattr(parsing_pool, "parse_message", parse_or_die)  # inherited by the forked workers
    monkeypatch.setattr(importer, "parse_workers", lambda: 2)
    messages = history()
    messages[2] = messages[2].replace(b"Thanks!", b"Thanks! crash-the-parser")
    for number, data in enumerate(messages):
        (tmp_path / f"{number}.eml").write_bytes(data)

    line, _err = run_import(tmp_path)

    assert line.endswith("2 new tickets, 1 replies threaded, 0 duplicates skipped, 1 quarantined, 0 bounces")
    dead = RawMessage.objects.get(state=RawMessage.State.QUARANTINED)
    assert b"crash-the-parser" in bytes(dead.raw)
    assert "The parser process died while reading this message" in dead.error


CORPUS = Path(__file__).resolve().parent / "corpus"


def test_the_odd_message_corpus_imports_without_a_crash_or_a_lost_message(mailbox):
    files = sorted(CORPUS.glob("*.eml"))

    result = import_paths(mailbox, [str(CORPUS)])

    assert result.messages == len(files) and result.problems == []
    assert result.summary.total == len(files)
    raws = list(RawMessage.objects.all())
    assert len(raws) == len(files)  # every file stored, byte for byte
    assert {bytes(raw.raw) for raw in raws} == {path.read_bytes() for path in files}
    for raw in raws:
        linked = Message.objects.filter(raw=raw).exists()
        # Each is in a ticket, or kept aside with the reason, or quarantined with its error.
        assert linked or raw.error or raw.state == RawMessage.State.DUPLICATE, (raw.folder, raw.state)
        assert raw.state != RawMessage.State.PENDING
    for attachment in Attachment.objects.all():
        assert attachment.file.name.isascii() and ".." not in attachment.file.name
        assert attachment.file.storage.exists(attachment.file.name)
