"""Replies leave over a real SMTP server (aiosmtpd) with the right headers, exactly once."""

from datetime import timedelta

import pytest
from django.utils import timezone
from wagtail import hooks

from inbox.mail.send import check_smtp, claim, send_due_messages
from inbox.models import Message
from inbox.services.replies import create_reply
from tests.inbox.outgoing_support import (  # noqa: F401
    CUSTOMER_ADDRESS,
    add_incoming,
    agent_fixture,
    mailbox_fixture,
    on_commit_fixture,
    ticket_fixture,
)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% a tiny invoice\n"


def reply(ticket, agent, on_commit, **kwargs):
    kwargs.setdefault("body_html", "<p>It ships <b>today</b>.</p>")
    with on_commit():
        message = create_reply(ticket, agent, **kwargs)
    message.refresh_from_db()
    return message


def text_and_html(received):
    body = received.message.get_body(preferencelist=("plain",)).get_content()
    html = received.message.get_body(preferencelist=("html",)).get_content()
    return body, html


def test_a_reply_reaches_the_customer_threaded_with_cc_signature_and_attachment(
    smtp_server, ticket, agent, on_commit
):
    add_incoming(ticket, "<second@customer.example>", references="<first@customer.example>")

    message = reply(
        ticket,
        agent,
        on_commit,
        cc=["boss@customer.example"],
        bcc=["audit@shop.example"],
        attachments=[("invoice.pdf", "application/pdf", PDF)],
    )

    assert len(smtp_server.messages) == 1
    received = smtp_server.messages[0]
    assert received.mail_from == "support@shop.example"
    assert received.rcpt_tos == [CUSTOMER_ADDRESS, "boss@customer.example", "audit@shop.example"]
    assert received["From"] == "Shop Support <support@shop.example>"
    assert received["To"] == f"Dana Customer <{CUSTOMER_ADDRESS}>"
    assert received["Cc"] == "boss@customer.example"
    assert received["Bcc"] is None and b"audit@shop.example" not in received.raw
    assert received["Subject"] == f"Re: Where is my order? [#{ticket.pk}]"
    assert received["In-Reply-To"] == "<second@customer.example>"
    assert received["References"].split() == ["<first@customer.example>", "<second@customer.example>"]
    assert received["Message-ID"] == message.message_id
    assert message.message_id.endswith("@shop.example>")
    assert received["Date"] is not None
    assert received["Auto-Submitted"] is None

    text, html = text_and_html(received)
    assert "It ships today." in text and "Shop Support Team" in text
    assert "<b>today</b>" in html and "Shop Support Team" in html
    [attachment] = list(received.message.iter_attachments())
    assert attachment.get_filename() == "invoice.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == PDF

    assert message.delivery_state == Message.Delivery.SENT
    assert message.sent_at is not None and message.send_attempts == 1 and message.delivery_error == ""
    ticket.refresh_from_db()
    assert ticket.waiting_since is None
    assert ticket.message_count == 3


def test_thai_arabic_and_russian_text_decode_correctly_where_the_mail_arrives(
    smtp_server, mailbox, agent, on_commit
):
    from tests.inbox.outgoing_support import make_ticket

    subject = "Заказ не пришёл — คำสั่งซื้อ — الطلب"
    ticket = make_ticket(mailbox, subject=subject, name="Дана Покупатель")
    body = "<p>Здравствуйте! สวัสดีครับ مرحبا بك</p>"

    reply(
        ticket,
        agent,
        on_commit,
        body_html=body,
        attachments=[("счёт №5 ใบแจ้งหนี้.pdf", "application/pdf", PDF)],
    )

    received = smtp_server.messages[0]
    assert received.raw.isascii()  # every relay passes it: encoded words and base64 bodies
    assert received["Subject"] == f"Re: {subject} [#{ticket.pk}]"
    assert received["To"].addresses[0].display_name == "Дана Покупатель"
    text, html = text_and_html(received)
    assert "Здравствуйте! สวัสดีครับ مرحبا بك" in text
    assert "Здравствуйте! สวัสดีครับ مرحبا بك" in html
    [attachment] = list(received.message.iter_attachments())
    assert attachment.get_filename() == "счёт №5 ใบแจ้งหนี้.pdf"
    assert b"filename*0*=utf-8''" in received.raw or b"filename*=utf-8''" in received.raw  # RFC 2231


def test_the_references_chain_is_capped_keeping_the_first_id(smtp_server, ticket, agent, on_commit):
    chain = "<first@customer.example>"
    for number in range(2, 31):
        add_incoming(ticket, f"<m{number}@customer.example>", references=chain)
        chain += f" <m{number}@customer.example>"

    reply(ticket, agent, on_commit)

    references = smtp_server.messages[0]["References"].split()
    assert len(references) == 20
    assert references[0] == "<first@customer.example>"
    assert references[-1] == "<m30@customer.example>"
    assert smtp_server.messages[0]["In-Reply-To"] == "<m30@customer.example>"


def test_replies_go_to_the_address_the_customer_last_wrote_from(smtp_server, ticket, agent, on_commit):
    add_incoming(ticket, "<other@customer.example>", from_address="dana.work@customer.example")

    reply(ticket, agent, on_commit)

    assert smtp_server.messages[0].rcpt_tos == ["dana.work@customer.example"]


def test_while_smtp_is_down_the_reply_waits_and_then_leaves_exactly_once(
    smtp_server, ticket, agent, on_commit
):
    smtp_server.stop()

    message = reply(ticket, agent, on_commit)

    assert message.delivery_state == Message.Delivery.QUEUED
    assert message.delivery_error.startswith("not sent yet: ")
    assert "refused" in message.delivery_error and "next attempt at" in message.delivery_error
    assert message.send_attempts == 1
    assert timedelta(seconds=50) < message.next_attempt_at - timezone.now() <= timedelta(minutes=1)

    smtp_server.start()
    assert send_due_messages() == 0  # not due yet: nothing hammers the server
    assert smtp_server.messages == []

    later = message.next_attempt_at + timedelta(seconds=1)
    assert send_due_messages(now=later) == 1
    assert send_due_messages(now=later + timedelta(hours=1)) == 0
    assert len(smtp_server.messages) == 1
    message.refresh_from_db()
    assert message.delivery_state == Message.Delivery.SENT
    assert message.delivery_error == "" and message.send_attempts == 2


def test_a_temporary_451_is_retried_with_growing_delays_until_it_gives_up_after_a_day(
    smtp_server, ticket, agent, on_commit
):
    smtp_server.fail_with(451)
    message = reply(ticket, agent, on_commit)
    assert "451" in message.delivery_error

    delays = []
    now = timezone.now()
    while message.delivery_state == Message.Delivery.QUEUED:
        delays.append(round((message.next_attempt_at - now).total_seconds() / 60))
        now = message.next_attempt_at
        send_due_messages(now=now)
        message.refresh_from_db()

    assert delays[:5] == [1, 5, 15, 60, 180]
    assert all(delay == 180 for delay in delays[4:])
    assert message.delivery_state == Message.Delivery.FAILED
    assert "451" in message.delivery_error and "gave up after" in message.delivery_error
    assert now - message.send_after <= timedelta(hours=24)
    assert smtp_server.messages == []


def test_a_permanent_550_fails_at_once_with_the_reason(smtp_server, ticket, agent, on_commit):
    smtp_server.fail_with(550, text="Message rejected as spam")

    message = reply(ticket, agent, on_commit)

    assert message.delivery_state == Message.Delivery.FAILED
    assert "550" in message.delivery_error and "Message rejected as spam" in message.delivery_error
    assert message.next_attempt_at is None
    assert send_due_messages(now=timezone.now() + timedelta(days=1)) == 0


def test_a_refused_recipient_is_named_in_the_failure(smtp_server, ticket, agent, on_commit):
    smtp_server.fail_with(550, phase="rcpt", text="No such mailbox")

    message = reply(ticket, agent, on_commit)

    assert message.delivery_state == Message.Delivery.FAILED
    assert CUSTOMER_ADDRESS in message.delivery_error and "No such mailbox" in message.delivery_error


def test_when_only_a_cc_is_refused_the_reply_is_sent_and_says_who_missed_it(
    smtp_server, ticket, agent, on_commit
):
    smtp_server.refuse_recipient("gone@customer.example")

    message = reply(ticket, agent, on_commit, cc=["gone@customer.example"])

    assert message.delivery_state == Message.Delivery.SENT
    assert smtp_server.messages[0].rcpt_tos == [CUSTOMER_ADDRESS]
    assert "gone@customer.example" in message.delivery_error


def test_a_message_another_worker_is_sending_is_not_sent_again(smtp_server, ticket, agent, on_commit):
    smtp_server.stop()
    message = reply(ticket, agent, on_commit)
    smtp_server.start()
    due = message.next_attempt_at + timedelta(seconds=1)

    assert claim(message.pk, now=due) is not None  # worker A holds it (mid-send)
    assert claim(message.pk, now=due) is None  # worker B cannot take it
    assert send_due_messages(now=due) == 0
    assert smtp_server.messages == []

    # Worker A died: after a while its claim is taken over and the reply still leaves, once.
    assert send_due_messages(now=due + timedelta(minutes=11)) == 1
    assert send_due_messages(now=due + timedelta(minutes=30)) == 0
    assert len(smtp_server.messages) == 1


def test_a_failing_plugin_on_reply_sent_does_not_fail_the_send(smtp_server, ticket, agent, on_commit):
    heard = []

    def broken_plugin(ticket, message):
        raise RuntimeError("plugin bug")

    def listening_plugin(ticket, message):
        heard.append((ticket.pk, message.pk, message.delivery_state))

    with hooks.register_temporarily(
        [("inbox.reply_sent", broken_plugin), ("inbox.reply_sent", listening_plugin)]
    ):
        message = reply(ticket, agent, on_commit)

    assert message.delivery_state == Message.Delivery.SENT
    assert len(smtp_server.messages) == 1
    assert heard == [(ticket.pk, message.pk, Message.Delivery.SENT)]


def test_reply_sent_is_not_fired_while_the_reply_has_not_left(smtp_server, ticket, agent, on_commit):
    heard = []
    smtp_server.fail_with(451)
    with hooks.register_temporarily("inbox.reply_sent", lambda ticket, message: heard.append(message.pk)):
        reply(ticket, agent, on_commit)
    assert heard == []


def test_the_send_task_is_deferred_and_re_enqueued_on_a_backend_that_supports_it(
    smtp_server, ticket, agent, on_commit, settings
):
    from django_tasks import task_backends

    from inbox.tasks import send_outgoing_message

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    backend = task_backends["default"]

    message = reply(ticket, agent, on_commit, undo_seconds=20)
    [queued] = backend.results
    assert queued.args == [message.pk]
    assert queued.task.run_after == message.send_after

    assert (
        send_outgoing_message.call(message.pk) == Message.Delivery.QUEUED
    )  # too early: re-checks, does nothing
    assert smtp_server.messages == []

    Message.objects.filter(pk=message.pk).update(send_after=timezone.now() - timedelta(seconds=1))
    smtp_server.fail_with(421, phase="mail")
    assert send_outgoing_message.call(message.pk) == Message.Delivery.QUEUED
    message.refresh_from_db()
    retry = backend.results[-1]
    assert len(backend.results) == 2 and retry.task.run_after == message.next_attempt_at

    smtp_server.succeed()
    Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    assert send_outgoing_message.call(message.pk) == Message.Delivery.SENT
    assert len(smtp_server.messages) == 1 and len(backend.results) == 2


def test_check_smtp_says_it_works_against_the_real_server(smtp_server, mailbox):
    result = check_smtp(mailbox)
    assert result.ok, result.message
    assert f"127.0.0.1:{smtp_server.port}" in result.message


def test_check_smtp_explains_a_closed_port_in_plain_language(mailbox):
    from tests.servers.smtp import free_port

    mailbox.smtp_port = free_port()
    result = check_smtp(mailbox)
    assert not result.ok
    assert "connection was refused" in result.message and str(mailbox.smtp_port) in result.message


def test_check_smtp_explains_a_rejected_login_without_showing_the_password(smtp_auth_server, mailbox):
    smtp_auth_server.configure(mailbox)
    assert check_smtp(mailbox).ok
    assert "logged in as agent@example.com" in check_smtp(mailbox).message

    mailbox.smtp_password = "wrong-Password-42"
    mailbox.save()
    result = check_smtp(mailbox)
    assert not result.ok
    assert "rejected the user name or password" in result.message
    assert "wrong-Password-42" not in result.message
    assert smtp_auth_server.logins[-1] == ("agent@example.com", False)


def test_replies_log_in_when_the_mailbox_has_a_user_name(smtp_auth_server, mailbox, ticket, agent, on_commit):
    smtp_auth_server.configure(mailbox)

    message = reply(ticket, agent, on_commit)

    assert message.delivery_state == Message.Delivery.SENT
    assert len(smtp_auth_server.messages) == 1
    assert smtp_auth_server.logins == [("agent@example.com", True)]


def test_the_auth_test_server_refuses_mail_without_a_login(smtp_auth_server):
    import smtplib

    with smtplib.SMTP(smtp_auth_server.host, smtp_auth_server.port, timeout=5) as connection:
        with pytest.raises(smtplib.SMTPSenderRefused) as refused:
            connection.sendmail("a@example.com", ["b@example.com"], b"Subject: hi\r\n\r\nhi\r\n")
    assert refused.value.smtp_code == 530
    assert smtp_auth_server.messages == []


def test_check_smtp_explains_a_server_without_starttls(smtp_server, mailbox):
    mailbox.smtp_security = "starttls"
    result = check_smtp(mailbox)
    assert not result.ok
    assert "does not offer STARTTLS" in result.message


def test_check_smtp_explains_ssl_against_a_plain_server(smtp_server, mailbox):
    mailbox.smtp_security = "ssl"
    result = check_smtp(mailbox)
    assert not result.ok
    assert "TLS handshake failed" in result.message


def test_a_wrong_smtp_password_keeps_the_reply_queued_until_it_is_fixed(
    smtp_auth_server, mailbox, ticket, agent, on_commit
):
    smtp_auth_server.configure(mailbox)
    mailbox.smtp_password = "typo-Password-7"
    mailbox.save()

    message = reply(ticket, agent, on_commit)

    assert message.delivery_state == Message.Delivery.QUEUED
    assert "not sent yet: The SMTP server rejected the user name or password" in message.delivery_error
    assert "typo-Password-7" not in message.delivery_error

    mailbox.smtp_password = smtp_auth_server.password
    mailbox.save()
    send_due_messages(now=message.next_attempt_at)
    message.refresh_from_db()
    assert message.delivery_state == Message.Delivery.SENT
    assert len(smtp_auth_server.messages) == 1
