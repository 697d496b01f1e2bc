"""Notifications to agents: customer replies, assignments, mentions; by email and in the admin."""

# ruff: noqa: F811  (pytest fixtures imported from ticket_page_support are test arguments)

import pytest
from django.core import mail
from django.urls import reverse

from helpdesk_site.plugins import do_action
from inbox import notifications
from inbox.hookspecs import CUSTOMER_REPLIED
from inbox.models import Notification, NotificationPreference, RawMessage, Ticket
from tests.inbox.ticket_page_support import (  # noqa: F401
    add_message,
    agent,
    agent_client,
    colleague,
    detail_url,
    fresh_cache,
    media_in_tmp,
    outsider,
    sales,
    support,
    ticket,
)

pytestmark = pytest.mark.django_db


def test_the_assignee_hears_when_the_customer_replies_by_email_and_in_the_admin(ticket, agent):
    Ticket.objects.filter(pk=ticket.pk).update(assignee=agent)
    ticket.refresh_from_db()
    message = add_message(ticket, minutes_ago=0, body_text="Any news about my parcel?")
    do_action(CUSTOMER_REPLIED, ticket=ticket, message=message)
    notification = Notification.objects.get()
    assert (notification.recipient, notification.kind, notification.message) == (
        agent,
        "customer_replied",
        message,
    )
    assert notification.excerpt == "Any news about my parcel?"
    assert mail.outbox[0].to == [agent.email]
    assert mail.outbox[0].subject == f"{ticket.token} The customer replied: Where is my parcel?"
    assert f"http://127.0.0.1:8000/admin/inbox/ticket/{ticket.pk}/" in mail.outbox[0].body


def test_followers_hear_too_but_not_about_imported_history(ticket, agent, colleague):
    ticket.followers.add(colleague)
    raw = RawMessage.objects.create(mailbox=ticket.mailbox, dedupe_key="k1", raw=b"x", quiet=True)
    quiet = add_message(ticket, minutes_ago=0, raw=raw)
    notifications.notify_customer_replied(ticket, quiet)
    assert not Notification.objects.exists()
    loud = add_message(ticket, minutes_ago=0)
    notifications.notify_customer_replied(ticket, loud)
    assert [n.recipient for n in Notification.objects.all()] == [colleague]


def test_preferences_choose_email_and_admin_separately(ticket, agent):
    NotificationPreference.objects.create(user=agent, customer_replied_email=False, assigned_admin=False)
    Ticket.objects.filter(pk=ticket.pk).update(assignee=agent)
    ticket.refresh_from_db()
    notifications.notify_customer_replied(ticket, add_message(ticket, minutes_ago=0))
    assert Notification.objects.filter(kind="customer_replied").count() == 1 and not mail.outbox
    notifications.notify_assigned(ticket, agent, actor=None)
    assert not Notification.objects.filter(kind="assigned").exists()
    assert len(mail.outbox) == 1


def test_an_agent_who_lost_access_to_the_mailbox_is_not_notified(ticket, outsider):
    assert notifications.notify(outsider, Notification.Kind.ASSIGNED, ticket) is None
    assert not mail.outbox


def test_mentions_match_user_names_but_not_email_addresses(ticket, agent, colleague):
    found = notifications.mentioned_users(ticket, "Ask @Anna, or write to maria@agents.example, or @nobody")
    assert found == [colleague]


def test_the_menu_shows_the_unread_count_and_opening_the_ticket_reads_them(
    agent_client, ticket, agent, colleague
):
    notifications.notify(agent, Notification.Kind.MENTIONED, ticket, actor=colleague)
    notifications.notify(agent, Notification.Kind.ASSIGNED, ticket, actor=colleague)
    home = agent_client.get(reverse("wagtailadmin_home")).content.decode()
    assert "Notifications (2)" in home
    listing = agent_client.get(reverse("inbox_notifications:index")).content.decode()
    assert "Mentioned you" in listing and "Assigned to you" in listing and "Anna Berg" in listing
    agent_client.get(detail_url(ticket))
    assert notifications.unread_count(agent) == 0
    assert "Notifications (2)" not in agent_client.get(reverse("wagtailadmin_home")).content.decode()


def test_mark_all_read(agent_client, ticket, agent):
    notifications.notify(agent, Notification.Kind.ASSIGNED, ticket)
    agent_client.post(reverse("inbox_notifications:mark_read"))
    assert notifications.unread_count(agent) == 0


def test_a_user_sees_only_their_own_notifications(client, ticket, agent, colleague):
    notifications.notify(agent, Notification.Kind.ASSIGNED, ticket)
    client.force_login(colleague)
    assert "Assigned to you" not in client.get(reverse("inbox_notifications:index")).content.decode()
    mine = Notification.objects.get()
    client.post(reverse("inbox_notifications:mark_read"), {"id": mine.pk})
    mine.refresh_from_db()
    assert mine.read_at is None


def test_preferences_screen_saves_the_choices(agent_client, agent):
    url = reverse("inbox_notifications:preferences")
    assert "Email me when a customer replies to my ticket" in agent_client.get(url).content.decode()
    agent_client.post(url, {"customer_replied_admin": "on", "assigned_email": "on", "mentioned_email": "on"})
    prefs = NotificationPreference.objects.get(user=agent)
    assert (prefs.customer_replied_email, prefs.customer_replied_admin) == (False, True)
    assert (prefs.assigned_email, prefs.assigned_admin, prefs.mentioned_admin) == (True, False, False)


def test_the_account_page_has_the_same_choices(agent_client, agent):
    account = agent_client.get(reverse("wagtailadmin_account")).content.decode()
    assert "Inbox notifications" in account
    assert 'name="inbox_notifications-mentioned_email"' in account


def test_a_real_customer_reply_through_the_mail_pipeline_notifies_the_assignee(
    ticket, agent, django_capture_on_commit_callbacks
):
    from inbox.mail.ingest import process_pending, store_raw
    from inbox.models import RawMessage

    Ticket.objects.filter(pk=ticket.pk).update(assignee=agent)
    first = ticket.messages.get()
    raw = (
        "From: Anna Smith <anna@customer.example>\r\n"
        f"To: {ticket.mailbox.address}\r\n"
        f"Subject: Re: Where is my parcel? {ticket.token}\r\n"
        "Message-ID: <second@customer.example>\r\n"
        f"In-Reply-To: {first.message_id}\r\n"
        f"References: {first.message_id}\r\n"
        "Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        "Still waiting, any news?\r\n"
    ).encode()
    with django_capture_on_commit_callbacks(execute=True):
        store_raw(ticket.mailbox, raw, source=RawMessage.Source.IMAP)
        process_pending(ticket.mailbox)
    assert ticket.messages.count() == 2
    notification = Notification.objects.get(recipient=agent)
    assert notification.kind == "customer_replied" and "Still waiting" in notification.excerpt
    assert [m.to for m in mail.outbox] == [[agent.email]]
