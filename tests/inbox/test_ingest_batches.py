"""Processing pending mail in batches: one transaction per batch, one savepoint per message.

These tests commit for real (``transaction=True``), so what they read back is what the batch's
commit left in the database, on SQLite and on PostgreSQL.
"""

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from inbox.mail.ingest import process_pending, store_raw
from inbox.models import Customer, Message, RawMessage, Ticket
from inbox.services import tickets_in
from tests.inbox.ingest_support import BASE_DATE, CUSTOMER, mail, make_mailbox

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_batch_with_one_poisoned_message_commits_the_others_and_quarantines_that_one(monkeypatch):
    mailbox = make_mailbox()
    store_raw(mailbox, mail(message_id="<order@customer.example>"), source="imap")
    store_raw(
        mailbox,
        mail(message_id="<again@customer.example>", in_reply_to="<order@customer.example>", body="Any news?"),
        source="imap",
    )
    # Fails after its customer, ticket and message rows were written: all of that must go.
    store_raw(
        mailbox,
        mail(sender="eve@customer.example", sender_name="Eve", subject="Poison", message_id="<poison@x>"),
        source="imap",
    )
    store_raw(
        mailbox, mail(sender=None, message_id="<nobody@customer.example>", subject="No sender"), source="imap"
    )
    store_raw(
        mailbox,
        mail(message_id="<third@customer.example>", in_reply_to="<again@customer.example>", body="Hello?"),
        source="imap",
    )
    store_raw(
        mailbox,
        mail(sender="eve@customer.example", sender_name="Eve", subject="Fine", message_id="<fine@x>"),
        source="imap",
    )
    real_save_message = tickets_in.save_message

    def save_then_fail(message, parsed, files):
        saved = real_save_message(message, parsed, files)
        if parsed.message_id == "<poison@x>":
            raise RuntimeError("the disk said no")
        return saved

    monkeypatch.setattr(tickets_in, "save_message", save_then_fail)

    summary = process_pending(mailbox)

    assert (summary.new_tickets, summary.replies, summary.quarantined) == (2, 2, 2)
    assert not RawMessage.objects.filter(state=RawMessage.State.PENDING).exists()
    poison = RawMessage.objects.get(message_id="<poison@x>")
    assert poison.state == RawMessage.State.QUARANTINED and "RuntimeError: the disk said no" in poison.error
    nobody = RawMessage.objects.get(message_id="<nobody@customer.example>")
    assert nobody.state == RawMessage.State.QUARANTINED and nobody.error.startswith("NoSender")
    assert not Message.objects.filter(raw__in=[poison, nobody]).exists()
    assert not Ticket.objects.filter(subject="Poison").exists()

    order = Ticket.objects.get(subject="Where is my order?")
    assert order.message_count == 3
    assert list(order.messages.order_by("id").values_list("body_text", flat=True))[1:] == [
        "Any news?",
        "Hello?",
    ]
    # Eve's customer row of the rolled-back message is gone; her next mail created her again.
    eve = Customer.objects.get(addresses__address="eve@customer.example")
    assert list(eve.tickets.values_list("subject", flat=True)) == ["Fine"]


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_a_lock_conflict_with_another_worker_leaves_the_message_pending_instead_of_quarantined():
    mailbox = make_mailbox()
    store_raw(mailbox, mail(message_id="<order@customer.example>"), source="imap")
    process_pending(mailbox)
    ticket = Ticket.objects.get()
    store_raw(
        mailbox,
        mail(message_id="<again@customer.example>", in_reply_to="<order@customer.example>", body="Any news?"),
        source="imap",
    )
    locked, release = threading.Event(), threading.Event()

    def agent_holding_the_ticket():
        try:
            with transaction.atomic():
                Ticket.objects.select_for_update().get(pk=ticket.pk)
                locked.set()
                release.wait(30)
        finally:
            connections.close_all()

    holder = threading.Thread(target=agent_holding_the_ticket)
    holder.start()
    try:
        assert locked.wait(30)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '300ms'")
        try:
            blocked = process_pending(mailbox)
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET lock_timeout")
    finally:
        release.set()
        holder.join(30)

    assert blocked.total == 0
    raw = RawMessage.objects.get(message_id="<again@customer.example>")
    assert (raw.state, raw.error, raw.attempts) == (RawMessage.State.PENDING, "", 0)

    assert process_pending(mailbox).replies == 1
    ticket.refresh_from_db()
    assert ticket.message_count == 2


def test_a_batch_in_one_go_keeps_every_tickets_counters_true_with_about_one_statement_per_message():
    """Three interleaved threads in one batch: replies find parents stored earlier in the same batch,
    and each ticket ends with the right count, activity time, preview and waiting state."""
    mailbox = make_mailbox()
    hour = timedelta(hours=1)
    for thread in range(3):
        store_raw(
            mailbox,
            mail(
                subject=f"Order {thread}",
                message_id=f"<t{thread}.0@customer.example>",
                date=BASE_DATE,
                attachments=[
                    (f"receipt-{thread}.pdf", "application/pdf", b"PDF-1.4 receipt " + str(thread).encode())
                ],
            ),
            source="import",
            quiet=True,
        )
    for position in range(1, 10):
        for thread in range(3):
            ours = position % 2 == 1
            store_raw(
                mailbox,
                mail(
                    sender="support@shop.example" if ours else CUSTOMER,
                    sender_name="Shop" if ours else "Dana Customer",
                    to=CUSTOMER if ours else "support@shop.example",
                    subject=f"Re: Order {thread}",
                    message_id=f"<t{thread}.{position}@{'shop' if ours else 'customer'}.example>",
                    in_reply_to=f"<t{thread}.{position - 1}@{'customer' if ours else 'shop'}.example>",
                    date=BASE_DATE + position * hour + thread * timedelta(minutes=1),
                    body=f"Message {position} of thread {thread}",
                ),
                source="import",
                quiet=True,
            )

    with CaptureQueriesContext(connection) as queries:
        summary = process_pending(mailbox)

    assert (summary.new_tickets, summary.replies, summary.quarantined) == (3, 27, 0)
    for thread in range(3):
        ticket = Ticket.objects.get(subject=f"Order {thread}")
        assert ticket.message_count == 10 == ticket.messages.count()
        newest = BASE_DATE + 9 * hour + thread * timedelta(minutes=1)
        assert ticket.last_activity_at == newest
        assert ticket.preview == f"Message 9 of thread {thread}"
        # Our reply (odd positions) came last: nobody is waiting; the customer's last mail was position 8.
        assert ticket.waiting_since is None
        assert ticket.last_customer_message_at == newest - hour
        first = ticket.messages.order_by("id").first()
        attachment = first.attachments.get()
        assert attachment.filename == f"receipt-{thread}.pdf"
        assert attachment.file.name.startswith(f"attachments/{ticket.pk}/{first.pk}/")
        assert attachment.file.read() == b"PDF-1.4 receipt " + str(thread).encode()
    # A constant per batch (claim, known messages, customers, one INSERT for all 30 messages and
    # one for their attachments, ticket counters, states, search index) plus a few per new ticket;
    # one message at a time it was 4 to 6 statements per message.
    assert len(queries) <= 40, "\n".join(query["sql"][:100] for query in queries)
