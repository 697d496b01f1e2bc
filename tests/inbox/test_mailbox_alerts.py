"""A mailbox that stops receiving mail is announced to its agents on the inbox and the dashboard."""

import pytest
from django.urls import reverse

from inbox.mail.fetch import fetch_mailbox
from tests.inbox.list_support import make_agent, make_mailbox

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
