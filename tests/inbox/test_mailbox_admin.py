"""The Mailbox admin: listing, write-only passwords, agent groups, "Test connection", permissions."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import timezone

from inbox.models import Mailbox

pytestmark = pytest.mark.django_db

SECRET = "never-shown-Pa55!"


@pytest.fixture
def manager(django_user_model):
    group = Group.objects.create(name="Mailbox managers")
    group.permissions.add(
        Permission.objects.get(codename="access_admin"),
        *Permission.objects.filter(content_type__app_label="inbox", codename__endswith="_mailbox"),
    )
    user = django_user_model.objects.create_user("manager", "manager@example.com", "pw")
    user.groups.add(group)
    return user


@pytest.fixture
def agent(django_user_model):
    group = Group.objects.create(name="Agents")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    user = django_user_model.objects.create_user("agent", "agent@example.com", "pw")
    user.groups.add(group)
    return user


def make_mailbox(**fields):
    values = {
        "name": "Support",
        "address": "support@example.com",
        "imap_host": "imap.example.com",
        "imap_username": "support",
        "imap_password": SECRET,
        "smtp_host": "smtp.example.com",
        "smtp_username": "support",
        "smtp_password": SECRET,
    }
    values.update(fields)
    return Mailbox.objects.create(**values)


def form_data(mailbox, **changes):
    data = {
        "name": mailbox.name,
        "address": mailbox.address,
        "sender_name": mailbox.sender_name,
        "active": "on" if mailbox.active else "",
        "poll_interval": mailbox.poll_interval,
        "imap_host": mailbox.imap_host,
        "imap_port": mailbox.imap_port,
        "imap_security": mailbox.imap_security,
        "imap_username": mailbox.imap_username,
        "imap_password": "",
        "imap_folders": mailbox.imap_folders,
        "move_to_folder": mailbox.move_to_folder,
        "smtp_host": mailbox.smtp_host,
        "smtp_port": mailbox.smtp_port,
        "smtp_security": mailbox.smtp_security,
        "smtp_username": mailbox.smtp_username,
        "smtp_password": "",
        "signature": "",
        "auto_reply_subject": "",
        "auto_reply_text": "",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value != ""}


def test_listing_shows_address_state_last_fetch_and_last_error(client, manager):
    make_mailbox(last_fetch_at=timezone.now(), last_error="Cannot reach imap.example.com:993: timeout")
    make_mailbox(name="Sales", address="sales@example.com", active=False)
    client.force_login(manager)
    page = client.get(reverse("inbox_mailboxes:index")).content.decode()
    assert "support@example.com" in page and "sales@example.com" in page
    assert "Last successful fetch" in page and "Last error" in page
    assert "Cannot reach imap.example.com:993: timeout" in page
    assert SECRET not in page


def test_edit_page_never_shows_a_stored_password(client, manager):
    mailbox = make_mailbox()
    client.force_login(manager)
    response = client.get(reverse("inbox_mailboxes:edit", args=[mailbox.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="imap_password"' in page and 'type="password"' in page
    assert SECRET not in page
    assert "A password is stored. Leave blank to keep it, or type a new one." in page


def test_saving_with_blank_passwords_keeps_them_and_a_typed_one_replaces_it(client, manager):
    mailbox = make_mailbox()
    client.force_login(manager)
    url = reverse("inbox_mailboxes:edit", args=[mailbox.pk])
    response = client.post(url, form_data(mailbox, sender_name="Example Support"))
    assert response.status_code == 302, response.content.decode()[:2000]
    mailbox.refresh_from_db()
    assert mailbox.sender_name == "Example Support"
    assert mailbox.imap_password == SECRET and mailbox.smtp_password == SECRET

    client.post(url, form_data(mailbox, smtp_password="brand-new-one"))
    mailbox.refresh_from_db()
    assert mailbox.smtp_password == "brand-new-one" and mailbox.imap_password == SECRET
    page = client.get(url).content.decode()
    assert "brand-new-one" not in page and SECRET not in page


def test_a_new_mailbox_is_created_with_its_agent_groups(client, manager):
    agents = Group.objects.create(name="Tier 1")
    client.force_login(manager)
    draft = Mailbox(name="Billing", address="billing@example.com", imap_host="imap.example.com")
    data = form_data(draft, imap_username="billing", imap_password=SECRET, groups=[agents.pk])
    response = client.post(reverse("inbox_mailboxes:add"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    mailbox = Mailbox.objects.get(name="Billing")
    assert mailbox.imap_password == SECRET
    assert list(mailbox.groups.all()) == [agents]


def test_test_connection_answers_in_plain_language_for_both_servers(
    client, manager, imap_account, smtp_server
):
    mailbox = imap_account.mailbox()
    smtp_server.configure(mailbox)
    client.force_login(manager)
    url = reverse("inbox_mailboxes:test_connection", args=[mailbox.pk])
    edit_page = client.get(reverse("inbox_mailboxes:edit", args=[mailbox.pk])).content.decode()
    assert url in edit_page
    page = client.post(url).content.decode()
    assert "IMAP works: logged in to" in page
    assert "SMTP works: connected to" in page
    assert imap_account.password not in page


def test_test_connection_names_a_wrong_password_and_an_unreachable_smtp(
    client, manager, imap_account, smtp_server
):
    mailbox = imap_account.mailbox(imap_password=SECRET)
    smtp_server.configure(mailbox)
    smtp_server.stop()
    client.force_login(manager)
    page = client.post(reverse("inbox_mailboxes:test_connection", args=[mailbox.pk])).content.decode()
    assert "The IMAP server rejected the user name or password" in page
    assert f"Cannot reach 127.0.0.1:{smtp_server.port}" in page
    assert SECRET not in page


def test_agents_without_the_mailbox_permission_cannot_open_or_test_mailboxes(client, agent):
    mailbox = make_mailbox()
    client.force_login(agent)
    for url in (
        reverse("inbox_mailboxes:index"),
        reverse("inbox_mailboxes:edit", args=[mailbox.pk]),
        reverse("inbox_mailboxes:test_connection", args=[mailbox.pk]),
    ):
        response = client.get(url)
        assert response.status_code in (302, 403), url
        assert SECRET not in response.content.decode()
    assert client.post(reverse("inbox_mailboxes:test_connection", args=[mailbox.pk])).status_code in (
        302,
        403,
    )
