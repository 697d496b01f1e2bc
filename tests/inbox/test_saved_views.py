"""Saved views: an agent keeps the list's current filters under a name, for themselves or the team."""

import pytest
from django.urls import reverse

from inbox.admin.folders import saved_view_url
from inbox.models import SavedView, Ticket
from tests.inbox.list_support import (  # noqa: F401  (fixtures)
    admin_user,
    agent,
    folder_url,
    fresh_cache,
    listed_ids,
    make_agent,
    make_ticket,
    support,
)

pytestmark = pytest.mark.django_db


def save_view(client, list_query, name, shared=False):
    """Press "Save as view" on the list, then submit the form it opens."""
    list_page = client.get(folder_url("all"), list_query)
    [button] = [b for b in list_page.context["header_buttons"] if "inbox/views/new" in (b.url or "")]
    form_page = client.get(button.url)
    query = form_page.context["form"].initial["query"]
    data = {"name": name, "query": query}
    if shared:
        data["shared"] = "on"
    return client.post(button.url, data)


def test_saving_the_current_filters_and_opening_the_view_again(client, agent, support):
    urgent = make_ticket(support, "Urgent", priority=Ticket.Priority.URGENT)
    make_ticket(support, "Normal", priority=Ticket.Priority.NORMAL)
    client.force_login(agent)

    response = save_view(client, {"priority": "3", "p": "2"}, "Urgent stuff")

    view = SavedView.objects.get()
    assert view.owner == agent and not view.shared
    assert "priority=3" in view.query and "folder=all" in view.query and "p=" not in view.query
    assert response.status_code == 302
    opened = client.get(response["Location"])
    assert listed_ids(opened) == [urgent.pk]
    assert opened.context["header_title"].startswith("Urgent stuff")


def test_views_appear_in_the_inbox_menu(client, django_user_model, agent, support):
    colleague = make_agent(django_user_model, "bob", support)
    SavedView.objects.create(name="My view", owner=agent, query="folder=open")
    SavedView.objects.create(name="Team board", owner=colleague, query="folder=pending", shared=True)
    SavedView.objects.create(name="Bob only", owner=colleague, query="folder=closed")
    client.force_login(agent)

    home = client.get(reverse("wagtailadmin_home")).content.decode()

    assert "My view" in home and "Team board" in home
    assert "Bob only" not in home


def test_a_new_view_shows_in_the_menu_at_once(client, agent, support):
    client.force_login(agent)
    client.get(reverse("wagtailadmin_home"))  # counts and views are now cached

    save_view(client, {"status": "pending"}, "Waiting on customers")

    assert "Waiting on customers" in client.get(reverse("wagtailadmin_home")).content.decode()


def test_a_mailbox_views_scope_is_kept(client, agent, support):
    in_support = make_ticket(support, "Support open")
    client.force_login(agent)
    page = client.get(reverse("inbox_tickets:mailbox", args=[support.pk]))
    [button] = [b for b in page.context["header_buttons"] if "inbox/views/new" in (b.url or "")]
    client.post(
        button.url, {"name": "Support box", "query": client.get(button.url).context["form"].initial["query"]}
    )

    view = SavedView.objects.get()
    url = saved_view_url(view.pk, view.query)
    assert url.startswith(reverse("inbox_tickets:mailbox", args=[support.pk]))
    assert listed_ids(client.get(url)) == [in_support.pk]


def test_owners_rename_and_delete_their_views(client, agent):
    view = SavedView.objects.create(name="Old name", owner=agent, query="folder=open")
    client.force_login(agent)

    client.post(
        reverse("inbox_saved_views:edit", args=[view.pk]),
        {"name": "New name", "query": view.query, "shared": "on"},
    )
    view.refresh_from_db()
    assert view.name == "New name" and view.shared

    client.post(reverse("inbox_saved_views:delete", args=[view.pk]))
    assert not SavedView.objects.exists()


def test_administrators_may_tidy_shared_views(client, agent, admin_user):
    view = SavedView.objects.create(name="Stale", owner=agent, query="folder=open", shared=True)
    client.force_login(admin_user)

    client.post(reverse("inbox_saved_views:delete", args=[view.pk]))

    assert not SavedView.objects.exists()


def test_the_saved_views_page_lists_own_and_shared_views(client, django_user_model, agent, support):
    colleague = make_agent(django_user_model, "bob", support)
    SavedView.objects.create(name="Mine", owner=agent, query="folder=open")
    SavedView.objects.create(name="Shared by Bob", owner=colleague, query="folder=open", shared=True)
    client.force_login(agent)

    html = client.get(reverse("inbox_saved_views:index")).content.decode()

    assert "Mine" in html and "Shared by Bob" in html
    assert reverse("inbox_saved_views:edit", args=[SavedView.objects.get(name="Mine").pk]) in html
    assert (
        reverse("inbox_saved_views:edit", args=[SavedView.objects.get(name="Shared by Bob").pk]) not in html
    )
