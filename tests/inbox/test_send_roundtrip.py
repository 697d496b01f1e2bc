"""The whole loop with real servers: mail in over IMAP (dovecot), auto-reply and agent reply out over
SMTP (aiosmtpd), and the customer's answer to our reply threading back into the same ticket."""

import pytest

from inbox.mail.fetch import fetch_mailbox
from inbox.models import Message, Ticket
from inbox.services.replies import create_reply
from tests.inbox.outgoing_support import agent_fixture, on_commit_fixture  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.imap]

CUSTOMER = "kim@customer.example"


def customer_mail(message_id, subject, body, extra=""):
    return (
        f"From: Kim Customer <{CUSTOMER}>\r\n"
        "To: support@example.test\r\n"
        f"Subject: {subject}\r\n"
        f"Message-ID: {message_id}\r\n"
        "Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n"
        f"{extra}"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "\r\n"
        f"{body}\r\n"
    ).encode()


@pytest.fixture
def mailbox(imap_account, smtp_server):
    mailbox = imap_account.mailbox(
        sender_name="Example Support", auto_reply_enabled=True, auto_reply_text="We got it, thank you."
    )
    return smtp_server.configure(mailbox)


def fetch(mailbox, on_commit):
    with on_commit():
        result = fetch_mailbox(mailbox)
    assert result.ok, result.error
    return result


def test_mail_in_auto_reply_out_agent_reply_out_and_the_answer_threads_back(
    imap_account, mailbox, smtp_server, agent, on_commit
):
    imap_account.append(customer_mail("<q1@customer.example>", "Broken zipper", "My zipper broke."))
    fetch(mailbox, on_commit)

    ticket = Ticket.objects.get()
    [auto_reply] = smtp_server.messages
    assert auto_reply.rcpt_tos == [CUSTOMER]
    assert auto_reply["Auto-Submitted"] == "auto-replied"
    assert auto_reply["In-Reply-To"] == "<q1@customer.example>"
    assert auto_reply["Subject"] == f"Re: Broken zipper [#{ticket.pk}]"

    with on_commit():
        create_reply(ticket, agent, body_html="<p>Send us a photo, please.</p>")
    reply = smtp_server.messages[1]
    assert reply["In-Reply-To"] == "<q1@customer.example>"
    assert reply["From"] == f"Example Support <{mailbox.address}>"

    # Outlook style: only In-Reply-To, no References, and the subject edited without the token.
    imap_account.append(
        customer_mail(
            "<q2@customer.example>",
            "RE: zipper photo",
            "Here it is.",
            extra=f"In-Reply-To: {reply['Message-ID']}\r\n",
        )
    )
    fetch(mailbox, on_commit)

    assert Ticket.objects.count() == 1
    kinds = list(ticket.messages.order_by("created_at", "id").values_list("kind", flat=True))
    assert kinds == [
        Message.Kind.INCOMING,
        Message.Kind.AUTO_REPLY,
        Message.Kind.REPLY,
        Message.Kind.INCOMING,
    ]
    assert len(smtp_server.messages) == 2  # no second auto-reply for a reply in the thread


def test_an_auto_responder_answering_us_gets_no_auto_reply_back(
    imap_account, mailbox, smtp_server, on_commit
):
    imap_account.append(
        customer_mail(
            "<ooo@customer.example>",
            "Out of office",
            "I am away until Monday.",
            extra="Auto-Submitted: auto-replied\r\n",
        )
    )
    fetch(mailbox, on_commit)

    assert Ticket.objects.count() == 1
    assert smtp_server.messages == []
