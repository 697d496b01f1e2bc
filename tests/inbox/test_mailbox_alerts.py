"""A mailbox that stops receiving mail is announced to its agents on the inbox and the dashboard."""

import pytest
from django.urls import reverse

from inbox.mail.fetch import fetch_mailbox
from inbox.models import Message
from inbox.services.replies import create_reply, resend
from tests.inbox.list_support import make_agent, make_mailbox
from tests.inbox.outgoing_support import make_mailbox as make_outgoing_mailbox
from tests.inbox.outgoing_support import make_ticket as make_outgoing_ticket
from tests.inbox.outgoing_support import on_commit_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


def alert_of(html):
    start = html.find("data-mailbox-alerts")
    return "" if start < 0 else html[start : html.find("</div>", start)]


def test_agents_see_why_their_mailbox_stopped_receiving_mail_until_a_fetch_succeeds(
    client, django_user_model, imap_account
):
    mailbox = imap_account.mailbox(name="Support", imap_password="not-the-password")
    client.force_login(make_agent(django_user_model, "maria", mailbox))

    assert fetch_mailbox(mailbox).error
    alert = alert_of(client.get(reverse("inbox_tickets:index")).content.decode())
    assert "Support" in alert
    assert "rejected the user name or password" in alert
    assert "not-the-password" not in alert
    assert "no mail fetched yet" in alert
    assert "Ask an administrator" in alert  # an agent cannot fix it and is told who can
    assert "Support" in alert_of(client.get(reverse("wagtailadmin_home")).content.decode())

    mailbox.imap_password = imap_account.password
    mailbox.save()
    assert fetch_mailbox(mailbox).ok
    assert alert_of(client.get(reverse("inbox_tickets:index")).content.decode()) == ""
    assert alert_of(client.get(reverse("wagtailadmin_home")).content.decode()) == ""


def test_the_alert_is_only_for_agents_of_that_mailbox_and_links_administrators_to_its_settings(
    client, django_user_model
):
    broken = make_mailbox("Billing")
    broken.imap_host = "imap.billing.example"
    broken.last_error = "The IMAP server at imap.billing.example:993 cannot be reached."
    broken.save()
    make_mailbox("Sales")
    sales_agent = make_agent(django_user_model, "sven", make_mailbox("Other"))
    client.force_login(sales_agent)
    assert alert_of(client.get(reverse("inbox_tickets:index")).content.decode()) == ""
    assert alert_of(client.get(reverse("wagtailadmin_home")).content.decode()) == ""

    client.force_login(make_agent(django_user_model, "root", superuser=True))
    alert = alert_of(client.get(reverse("inbox_tickets:index")).content.decode())
    assert "cannot be reached" in alert
    assert reverse("inbox_mailboxes:edit", args=[broken.pk]) in alert

    broken.active = False  # a paused mailbox is not expected to receive mail
    broken.save()
    assert alert_of(client.get(reverse("inbox_tickets:index")).content.decode()) == ""


def test_a_reply_the_server_refused_is_announced_with_its_reason_until_it_is_resent(
    client, django_user_model, smtp_server, on_commit
):
    mailbox = make_outgoing_mailbox(smtp_server)
    ticket = make_outgoing_ticket(mailbox)
    agent = make_agent(django_user_model, "maria", mailbox)
    outsider = make_agent(django_user_model, "sven", make_mailbox("Other"))
    smtp_server.fail_with(550, text="Message rejected as spam")
    with on_commit():
        reply = create_reply(ticket, agent, body_html="<p>Here is your refund.</p>")

    client.force_login(agent)
    html = client.get(reverse("inbox_tickets:index")).content.decode()
    start = html.find("data-failed-replies")
    alert = html[start : html.find("</ul>", start)]
    assert start > 0 and "A reply could not be sent." in alert
    assert reverse("inbox_ticket:detail", args=[ticket.pk]) in alert
    assert "Message rejected as spam" in alert

    client.force_login(outsider)
    assert "data-failed-replies" not in client.get(reverse("inbox_tickets:index")).content.decode()

    smtp_server.succeed()
    with on_commit():
        resend(reply, agent)
    reply.refresh_from_db()
    assert reply.delivery_state == Message.Delivery.SENT
    client.force_login(agent)
    assert "data-failed-replies" not in client.get(reverse("inbox_tickets:index")).content.decode()
