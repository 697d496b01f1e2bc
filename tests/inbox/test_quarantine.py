"""The Quarantine screen: failed and unmatched mail listed with its error, its source, and "Re-process"."""

import io

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import CommandError, call_command
from django.urls import reverse

from inbox.mail.ingest import process_pending, store_raw
from inbox.models import Message, RawMessage, Ticket
from inbox.services import tickets_in
from tests.inbox.ingest_support import bounce_for, ingest, mail, make_mailbox

pytestmark = pytest.mark.django_db


@pytest.fixture
def mailbox():
    return make_mailbox()


@pytest.fixture
def manager(django_user_model):
    group = Group.objects.create(name="Mailbox managers")
    group.permissions.add(
        Permission.objects.get(codename="access_admin"), Permission.objects.get(codename="change_mailbox")
    )
    user = django_user_model.objects.create_user("manager", "manager@example.com", "pw")
    user.groups.add(group)
    return user


@pytest.fixture
def agent(django_user_model, mailbox):
    group = Group.objects.create(name="Agents")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    mailbox.groups.add(group)
    user = django_user_model.objects.create_user("agent", "agent@example.com", "pw")
    user.groups.add(group)
    return user


@pytest.fixture
def broken(mailbox, monkeypatch):
    """A customer mail whose processing failed (a bug, simulated), quarantined; the fix is undone on exit."""

    def bug(*args, **kwargs):
        raise RuntimeError("simulated bug in ticket creation")

    with monkeypatch.context() as patch:
        patch.setattr(tickets_in, "open_ticket", bug)
        store_raw(mailbox, mail(subject="Refund =?utf-8?q?f=C3=BCr?= order 77"), source="imap")
        process_pending(mailbox)
    return RawMessage.objects.get(state=RawMessage.State.QUARANTINED)


INDEX = "inbox_quarantine:index"


def test_a_manager_sees_quarantined_and_unmatched_mail_with_its_problem(client, manager, mailbox, broken):
    ingest(mailbox, bounce_for("<never-sent@elsewhere.example>"))
    ingest(mailbox, mail(message_id="<fine@customer.example>", subject="All good"))
    client.force_login(manager)

    html = client.get(reverse(INDEX)).content.decode()

    assert "Refund für order 77" in html
    assert "RuntimeError: simulated bug in ticket creation" in html
    assert "Undelivered Mail Returned to Sender" in html
    assert "Delivery failure report for a message we did not send" in html
    assert "All good" not in html  # processed into a ticket: nothing to look at


def test_the_detail_page_shows_the_whole_error_and_the_source_downloads_as_plain_text(
    client, manager, broken
):
    client.force_login(manager)

    page = client.get(reverse("inbox_quarantine:inspect", args=[broken.pk])).content.decode()
    source = client.get(reverse("inbox_quarantine:source", args=[broken.pk]))

    assert "Traceback (most recent call last)" in page and "Re-process" in page
    assert source.status_code == 200
    assert source["Content-Type"] == "text/plain"
    assert source["Content-Disposition"] == f'attachment; filename="raw-message-{broken.pk}.eml"'
    assert source.content == bytes(broken.raw)


def test_re_process_after_the_fix_turns_the_message_into_a_ticket(client, manager, broken):
    client.force_login(manager)

    response = client.post(reverse("inbox_quarantine:inspect", args=[broken.pk]))

    assert response.status_code == 302 and response["Location"] == reverse(INDEX)
    broken.refresh_from_db()
    assert broken.state == RawMessage.State.PROCESSED and broken.attempts == 2
    assert Message.objects.get(raw=broken).ticket.subject == "Refund für order 77"
    assert "Refund" not in client.get(reverse(INDEX)).content.decode()


def test_re_process_that_fails_again_shows_the_new_error(client, manager, broken, monkeypatch):
    monkeypatch.setattr(tickets_in, "open_ticket", lambda *a, **k: 1 / 0)
    client.force_login(manager)

    response = client.post(reverse("inbox_quarantine:inspect", args=[broken.pk]), follow=True)

    assert "Re-processing failed again" in response.content.decode()
    broken.refresh_from_db()
    assert broken.state == RawMessage.State.QUARANTINED and broken.attempts == 2
    assert broken.error.startswith("ZeroDivisionError: division by zero")
    assert not Ticket.objects.exists()


def test_agents_without_mailbox_management_get_nothing(client, agent, broken):
    client.force_login(agent)

    assert client.get(reverse(INDEX)).status_code in (302, 403)
    assert client.get(reverse("inbox_quarantine:inspect", args=[broken.pk])).status_code in (302, 403)
    assert client.post(reverse("inbox_quarantine:inspect", args=[broken.pk])).status_code in (302, 403)
    source = client.get(reverse("inbox_quarantine:source", args=[broken.pk]))
    assert source.status_code in (302, 403) and b"Refund" not in source.content
    broken.refresh_from_db()
    assert broken.state == RawMessage.State.QUARANTINED


def test_the_inbox_settings_menu_offers_the_quarantine_to_managers_only(client, manager, agent):
    client.force_login(manager)
    assert reverse(INDEX) in client.get(reverse("wagtailadmin_home")).content.decode()
    client.force_login(agent)
    assert reverse(INDEX) not in client.get(reverse("wagtailadmin_home")).content.decode()


def test_process_mail_re_processes_quarantined_messages_after_a_fix(broken):
    out = io.StringIO()

    call_command("process_mail", "--quarantined", stdout=out)

    assert out.getvalue().strip() == (
        "Processed 1 messages: "
        "1 new tickets, 0 replies threaded, 0 duplicates skipped, 0 quarantined, 0 bounces"
    )
    broken.refresh_from_db()
    assert broken.state == RawMessage.State.PROCESSED


def test_process_mail_processes_what_a_crash_left_pending_and_leaves_quarantine_alone(mailbox, broken):
    store_raw(mailbox, mail(message_id="<left-pending@customer.example>", subject="Pending"), source="imap")
    out = io.StringIO()

    call_command("process_mail", "--mailbox", "Support", stdout=out)

    assert out.getvalue().startswith("Processed 1 messages: 1 new tickets")
    broken.refresh_from_db()
    assert broken.state == RawMessage.State.QUARANTINED


def test_process_mail_refuses_a_message_already_in_a_ticket(mailbox):
    _outcome, raw = ingest(mailbox, mail())
    err = io.StringIO()

    with pytest.raises(CommandError, match="1 messages were not re-processed"):
        call_command("process_mail", "--id", str(raw.pk), stdout=io.StringIO(), stderr=err)

    assert f"raw message {raw.pk}: This message is already part of ticket [#" in err.getvalue()


def test_process_mail_names_an_unknown_raw_message(mailbox):
    with pytest.raises(CommandError, match="no raw message with id 999"):
        call_command("process_mail", "--id", "999")
