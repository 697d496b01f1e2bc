"""The mail pipeline: raw bytes stored first, each processed once into a ticket, failures quarantined."""

import os

import pytest
from django.conf import settings
from django.db import transaction

from inbox.mail import ingest
from inbox.mail.ingest import process_pending, process_raw, reprocess, store_raw
from inbox.models import Attachment, Customer, Message, RawMessage, Ticket
from inbox.services import tickets_in
from tests.inbox.ingest_support import CUSTOMER, mail, make_mailbox, message_of
from tests.inbox.ingest_support import ingest as ingest_one

pytestmark = pytest.mark.django_db


@pytest.fixture
def mailbox():
    return make_mailbox()


def stored_files():
    root = os.path.join(settings.MEDIA_ROOT, "attachments")
    return {os.path.join(path, name) for path, _dirs, names in os.walk(root) for name in names}


def test_a_customer_mail_becomes_a_ticket_with_its_customer_and_counters(mailbox):
    outcome, raw = ingest_one(mailbox, mail(body="Order 1234 never arrived.\n\n> old quoted text"))

    assert outcome == "new_ticket"
    assert raw.state == RawMessage.State.PROCESSED and raw.processed_at is not None
    message = message_of(raw)
    ticket = message.ticket
    assert message.kind == Message.Kind.INCOMING
    assert (message.from_address, message.from_name) == (CUSTOMER, "Dana Customer")
    assert message.to == "support@shop.example"
    assert message.message_id == "<first@customer.example>"
    assert ticket.mailbox == mailbox
    assert ticket.subject == "Where is my order?"
    assert ticket.status == Ticket.Status.OPEN
    assert ticket.message_count == 1
    assert ticket.preview == "Order 1234 never arrived."
    assert ticket.waiting_since == ticket.last_activity_at == message.created_at
    assert ticket.customer.name == "Dana Customer"
    assert list(ticket.customer.addresses.values_list("address", flat=True)) == [CUSTOMER]
    assert raw.message_id == "<first@customer.example>" and raw.size == len(bytes(raw.raw))


def test_storing_the_same_bytes_twice_keeps_one_raw_message_even_inside_the_callers_transaction(mailbox):
    data = mail()
    with transaction.atomic():
        first = store_raw(mailbox, data, source=RawMessage.Source.IMAP, folder="INBOX", uidvalidity=7, uid=1)
        second = store_raw(mailbox, data, source=RawMessage.Source.IMAP, folder="INBOX", uidvalidity=7, uid=2)
        # The failed insert was rolled back to its savepoint: the transaction goes on.
        other = store_raw(mailbox, mail(message_id="<other@customer.example>"), source=RawMessage.Source.IMAP)
    assert first is not None and second is None and other is not None
    assert RawMessage.objects.count() == 2
    stored = RawMessage.objects.get(pk=first.pk)
    assert bytes(stored.raw) == data
    assert (stored.state, stored.folder, stored.uidvalidity, stored.uid) == ("pending", "INBOX", 7, 1)


def test_the_same_mail_in_another_mailbox_is_stored_there_too(mailbox):
    sales = make_mailbox(name="Sales", address="sales@shop.example")
    assert store_raw(mailbox, mail(), source=RawMessage.Source.IMAP) is not None
    assert store_raw(sales, mail(), source=RawMessage.Source.IMAP) is not None


def test_process_pending_processes_everything_once_and_nothing_the_second_time(mailbox):
    for number in range(3):
        store_raw(
            mailbox,
            mail(message_id=f"<m{number}@customer.example>", subject=f"Question {number}"),
            source="imap",
        )
    store_raw(
        mailbox, mail(message_id="<m0@customer.example>", subject="Question 0", body="copy"), source="imap"
    )

    first = process_pending(mailbox)
    second = process_pending(mailbox)

    assert (first.new_tickets, first.duplicates, first.quarantined) == (3, 1, 0)
    assert str(first) == "3 new tickets, 0 replies threaded, 1 duplicates skipped, 0 quarantined, 0 bounces"
    assert second.total == 0
    assert Ticket.objects.count() == 3
    assert not RawMessage.objects.filter(state=RawMessage.State.PENDING).exists()


def test_process_pending_respects_its_limit_and_the_mailbox(mailbox):
    sales = make_mailbox(name="Sales", address="sales@shop.example")
    for number in range(3):
        store_raw(mailbox, mail(message_id=f"<m{number}@customer.example>"), source="imap")
    store_raw(sales, mail(message_id="<s@customer.example>"), source="imap")

    assert process_pending(mailbox, limit=2).total == 2
    assert RawMessage.objects.filter(state="pending").count() == 2
    assert process_pending(sales).total == 1
    assert RawMessage.objects.filter(mailbox=mailbox, state="pending").count() == 1


def test_attachments_are_stored_with_safe_names_and_sizes(mailbox):
    data = mail(
        attachments=[
            ("../../etc/passwd invoice.pdf", "application/pdf", b"%PDF-1.4 fake"),
            ("фото.png", "image/png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100),
        ]
    )
    _outcome, raw = ingest_one(mailbox, data)

    attachments = list(message_of(raw).attachments.order_by("id"))
    assert [a.size for a in attachments] == [13, 108]
    assert attachments[0].content_type == "application/pdf"
    assert "/" not in attachments[0].filename and attachments[0].filename.endswith("invoice.pdf")
    assert attachments[1].filename == "фото.png"
    for attachment in attachments:
        name = attachment.file.name
        assert name.startswith(f"attachments/{attachment.message.ticket_id}/{attachment.message_id}/")
        assert ".." not in name and name.isascii()
    with attachments[1].file.open("rb") as handle:
        assert handle.read() == b"\x89PNG\r\n\x1a\n" + b"\x00" * 100


def test_a_customer_is_found_again_by_address_whatever_its_case_and_gets_a_name(mailbox):
    ingest_one(mailbox, mail(sender_name=None, message_id="<a@customer.example>"))
    assert Customer.objects.get().name == ""
    ingest_one(
        mailbox, mail(sender="Dana@Customer.Example", message_id="<b@customer.example>", subject="Other")
    )

    customer = Customer.objects.get()
    assert customer.name == "Dana Customer"
    assert customer.tickets.count() == 2


def test_a_message_without_any_sender_is_quarantined_and_the_next_one_still_imports(mailbox):
    store_raw(mailbox, mail(sender=None, message_id="<nobody@customer.example>"), source="imap")
    store_raw(mailbox, mail(message_id="<fine@customer.example>"), source="imap")

    summary = process_pending(mailbox)

    assert (summary.quarantined, summary.new_tickets) == (1, 1)
    bad = RawMessage.objects.get(message_id="<nobody@customer.example>")
    assert bad.state == RawMessage.State.QUARANTINED
    assert bad.error.startswith("NoSender: The message has no sender address")
    assert bad.attempts == 1
    assert not Message.objects.filter(raw=bad).exists()


def test_a_failure_after_attachments_were_written_rolls_back_everything_and_a_reprocess_succeeds(
    mailbox, monkeypatch
):
    real_after_commit = tickets_in._after_commit

    def broken(*args, **kwargs):
        raise RuntimeError("plugin registry exploded")

    monkeypatch.setattr(tickets_in, "_after_commit", broken)
    before = stored_files()
    data = mail(attachments=[("invoice.pdf", "application/pdf", b"%PDF-1.4 fake")])
    store_raw(mailbox, data, source="imap")
    store_raw(mailbox, mail(message_id="<second@customer.example>", subject="Other"), source="imap")

    summary = process_pending(mailbox)

    assert summary.quarantined == 2
    raw = RawMessage.objects.get(message_id="<first@customer.example>")
    assert raw.state == RawMessage.State.QUARANTINED and raw.attempts == 1
    assert "RuntimeError: plugin registry exploded" in raw.error
    assert "Traceback" in raw.error and "_after_commit" not in raw.error.splitlines()[0]
    assert not Ticket.objects.exists() and not Message.objects.exists() and not Attachment.objects.exists()
    assert stored_files() == before  # the written attachment file was removed again

    monkeypatch.setattr(tickets_in, "_after_commit", real_after_commit)  # "the fix"
    assert reprocess(raw) == "new_ticket"

    raw.refresh_from_db()
    assert raw.state == RawMessage.State.PROCESSED and raw.attempts == 2
    [attachment] = message_of(raw).attachments.all()
    assert attachment.file.storage.exists(attachment.file.name)


def test_reprocessing_a_message_already_in_a_ticket_is_refused(mailbox):
    _outcome, raw = ingest_one(mailbox, mail())
    with pytest.raises(ingest.NotReprocessable, match=r"already part of ticket \[#\d+\]"):
        reprocess(raw)


def test_processing_a_raw_message_twice_returns_its_outcome_without_doing_it_again(mailbox):
    _outcome, raw = ingest_one(mailbox, mail())
    assert process_raw(raw) == "new_ticket"
    assert Message.objects.count() == 1


def test_the_plugin_actions_fire_after_commit_for_a_new_ticket_and_a_reply(
    mailbox, django_capture_on_commit_callbacks
):
    from tests.inbox.ingest_support import recorded_actions

    with recorded_actions(
        "inbox.message_received", "inbox.ticket_created", "inbox.customer_replied"
    ) as calls:
        with django_capture_on_commit_callbacks() as callbacks:
            _outcome, raw = ingest_one(mailbox, mail())
        assert calls["inbox.ticket_created"] == []  # nothing before the commit
        for callback in callbacks:
            callback()
        with django_capture_on_commit_callbacks(execute=True):
            _outcome, reply = ingest_one(
                mailbox, mail(message_id="<second@customer.example>", in_reply_to="<first@customer.example>")
            )

    first, second = message_of(raw), message_of(reply)
    assert calls["inbox.message_received"] == [
        {"message": first, "ticket": first.ticket, "created": True},
        {"message": second, "ticket": second.ticket, "created": False},
    ]
    assert calls["inbox.ticket_created"] == [{"ticket": first.ticket, "message": first}]
    assert calls["inbox.customer_replied"] == [{"ticket": second.ticket, "message": second}]


def test_a_quarantined_message_fires_no_action(mailbox, django_capture_on_commit_callbacks):
    from tests.inbox.ingest_support import recorded_actions

    with recorded_actions("inbox.message_received", "inbox.ticket_created") as calls:
        with django_capture_on_commit_callbacks(execute=True):
            outcome, _raw = ingest_one(mailbox, mail(sender=None))
    assert outcome == "quarantined"
    assert calls == {"inbox.message_received": [], "inbox.ticket_created": []}


def test_a_new_ticket_gets_the_mailbox_auto_reply_over_smtp(smtp_server, django_capture_on_commit_callbacks):
    mailbox = make_mailbox(auto_reply_enabled=True, auto_reply_text="Thanks, we will answer within a day.")
    smtp_server.configure(mailbox)

    with django_capture_on_commit_callbacks(execute=True):
        _outcome, raw = ingest_one(mailbox, mail())

    ticket = message_of(raw).ticket
    auto = ticket.messages.get(kind=Message.Kind.AUTO_REPLY)
    assert auto.to == CUSTOMER and auto.in_reply_to == "<first@customer.example>"
    [received] = smtp_server.messages
    assert received.rcpt_tos == [CUSTOMER]
    assert received["Auto-Submitted"] == "auto-replied"


def test_no_auto_reply_to_a_machine_or_to_a_reply(smtp_server, django_capture_on_commit_callbacks):
    mailbox = make_mailbox(auto_reply_enabled=True)
    smtp_server.configure(mailbox)

    with django_capture_on_commit_callbacks(execute=True):
        ingest_one(mailbox, mail(message_id="<bulk@news.example>", headers={"Precedence": "bulk"}))
        ingest_one(mailbox, mail(message_id="<a@customer.example>"))
        ingest_one(mailbox, mail(message_id="<b@customer.example>", in_reply_to="<a@customer.example>"))

    assert Ticket.objects.count() == 2
    assert Message.objects.filter(kind=Message.Kind.AUTO_REPLY).count() == 1
    assert len(smtp_server.messages) == 1


def test_process_pending_with_a_parser_pool_gives_the_same_result(mailbox):
    from inbox.mail.parsing_pool import ParserPool

    store_raw(mailbox, mail(), source="imap")
    store_raw(
        mailbox,
        mail(message_id="<r@customer.example>", in_reply_to="<first@customer.example>"),
        source="imap",
    )
    store_raw(mailbox, b"\x00\x01\x02 not mail \xff" * 20, source="imap")

    with ParserPool(2) as pool:
        summary = process_pending(mailbox, pool=pool)

    assert (summary.new_tickets, summary.replies, summary.quarantined) == (1, 1, 1)
    assert Ticket.objects.get().message_count == 2
    assert RawMessage.objects.get(state="quarantined").error.startswith(
        "MessageParseError: This is not an email"
    )
