"""The poller's tick sends replies that are due, so nothing waits on a lost task."""

import threading

import pytest
from wagtail import hooks

from helpdesk_site.plugins.core_hooks import WORKER_TICK
from inbox.mail import fetch
from inbox.models import Message
from inbox.services.replies import create_reply
from tests.inbox.ticket_page_support import make_agent, make_customer, make_mailbox, make_ticket


@pytest.mark.django_db(transaction=True)
def test_the_poller_tick_sends_a_queued_reply_once_its_undo_window_has_passed(
    smtp_server, django_user_model, monkeypatch
):
    mailbox = make_mailbox("Support")
    smtp_server.configure(mailbox)
    agent = make_agent(django_user_model, "maria", mailbox)
    ticket = make_ticket(mailbox, make_customer())
    reply = create_reply(ticket, agent, body_html="<p>On its way</p>", undo_seconds=1)
    assert Message.objects.get(pk=reply.pk).delivery_state == Message.Delivery.QUEUED

    stop = threading.Event()
    ticks = []

    def stop_after_the_reply_left():
        ticks.append(1)
        if Message.objects.get(pk=reply.pk).delivery_state == Message.Delivery.SENT or len(ticks) > 20:
            stop.set()

    monkeypatch.setattr(fetch, "TICK_SECONDS", 0.2)
    with hooks.register_temporarily(WORKER_TICK, stop_after_the_reply_left, order=100):
        fetch.poll_forever(stop_event=stop)

    assert Message.objects.get(pk=reply.pk).delivery_state == Message.Delivery.SENT
    assert len(smtp_server.messages) == 1
