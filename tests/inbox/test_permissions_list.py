"""An agent of mailbox Support meets nothing of mailbox Sales: list, folders, counts, search, bulk, views."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from inbox.models import SavedView, Ticket, TicketEvent
from inbox.queries import compute_menu_state
from tests.inbox.list_support import (  # noqa: F401  (fixtures)
    agent,
    bulk_url,
    folder_url,
    fresh_cache,
    listed_ids,
    mailbox_url,
    make_agent,
    make_ticket,
    sales,
    sales_agent,
    support,
)

pytestmark = pytest.mark.django_db
NEXT = "/admin/inbox/folder/open/"


@pytest.fixture
def tickets(support, sales, sales_agent):
    return {
        "mine": make_ticket(support, "Support ticket", body="the secret word is walrus"),
        "theirs": make_ticket(sales, "Sales ticket", body="the secret word is walrus", assignee=sales_agent),
    }


def test_no_folder_lists_another_mailboxs_tickets(client, agent, tickets):
    client.force_login(agent)
    for key in ("unassigned", "mine", "others", "open", "pending", "closed", "spam", "all"):
        assert tickets["theirs"].pk not in listed_ids(client.get(folder_url(key))), key


def test_another_mailboxs_entry_is_not_found(client, agent, sales, tickets):
    client.force_login(agent)
    assert client.get(mailbox_url(sales)).status_code == 404
    assert client.get(reverse("inbox_tickets:mailbox_results", args=[sales.pk])).status_code == 404


def test_the_menu_counts_and_lists_only_granted_mailboxes(client, agent, tickets):
    state = compute_menu_state(agent)
    assert [mailbox["name"] for mailbox in state["mailboxes"]] == ["Support"]
    assert state["folders"]["open"] == 1
    assert state["folders"]["others"] == 0

    client.force_login(agent)
    home = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "Support (1)" in home
    assert "Sales" not in home


def test_search_does_not_reach_another_mailbox(client, agent, tickets):
    client.force_login(agent)
    assert listed_ids(client.get(folder_url("all"), {"q": "walrus"})) == [tickets["mine"].pk]


def test_filtering_by_another_mailbox_shows_nothing_and_says_why(client, agent, sales, tickets):
    client.force_login(agent)
    response = client.get(folder_url("all"), {"mailbox": str(sales.pk)})
    assert listed_ids(response) == []
    assert "Some filters could not be applied" in response.content.decode()


def test_filter_choices_name_only_granted_mailboxes_and_their_agents(client, agent, tickets):
    client.force_login(agent)
    form = client.get(folder_url("open")).context["filters"].form
    assert [label for _value, label in form.fields["mailbox"].choices] == ["Support"]
    assignees = [str(label) for _value, label in form.fields["assignee"].choices]
    assert "Anna Agent" in assignees
    assert "Sam Sales" not in assignees


def test_every_bulk_action_refuses_a_selection_reaching_into_another_mailbox(client, agent, tickets):
    client.force_login(agent)
    selection = [tickets["mine"], tickets["theirs"]]
    forms = {
        "assign": {"assignee": str(agent.pk)},
        "status": {"status": "closed"},
        "add_tags": {"tags": "hacked"},
        "remove_tags": {"tags": ["vip"]},
        "spam": {},
        "merge": {},
        "delete": {},
    }
    for action, data in forms.items():
        page = client.get(bulk_url(action, selection, NEXT))
        assert page.status_code == 302, action
        response = client.post(bulk_url(action, selection, NEXT), data)
        assert response.status_code == 302, action
        assert response["Location"] == NEXT
        [message] = [str(m).strip() for m in get_messages(response.wsgi_request)][-1:]
        assert "Nothing was changed" in message or "Only administrators" in message, action

    for ticket in Ticket.objects.all():
        assert ticket.status == "open" and ticket.merged_into_id is None and ticket.deleted_at is None
        assert "hacked" not in ticket.tags.names()
    assert Ticket.objects.get(pk=tickets["mine"].pk).assignee_id is None
    assert not TicketEvent.objects.exists()


def test_a_bulk_action_on_only_another_mailboxs_ticket_is_refused(client, agent, tickets):
    client.force_login(agent)
    response = client.post(bulk_url("status", [tickets["theirs"]], NEXT), {"status": "closed"})
    assert response.status_code == 302
    assert Ticket.objects.get(pk=tickets["theirs"].pk).status == "open"


def test_saved_views_of_others_stay_private_unless_shared(client, agent, sales_agent, tickets):
    private = SavedView.objects.create(name="Sam's private", owner=sales_agent, query="folder=open")
    shared = SavedView.objects.create(name="Team view", owner=sales_agent, query="folder=open", shared=True)
    client.force_login(agent)

    listing = client.get(reverse("inbox_saved_views:index")).content.decode()
    assert "Team view" in listing and "Sam&#x27;s private" not in listing and "Sam's private" not in listing
    assert client.get(reverse("inbox_saved_views:edit", args=[private.pk])).status_code in (302, 404)
    assert client.get(reverse("inbox_saved_views:edit", args=[shared.pk])).status_code in (302, 404)
    client.post(reverse("inbox_saved_views:delete", args=[shared.pk]))
    assert SavedView.objects.filter(pk=shared.pk).exists()


def test_a_shared_view_shows_the_viewer_only_their_own_mailboxes(client, agent, sales, sales_agent, tickets):
    view = SavedView.objects.create(
        name="Sales open", owner=sales_agent, shared=True, query=f"folder=all&mailbox={sales.pk}"
    )
    client.force_login(agent)
    from inbox.admin.folders import saved_view_url

    response = client.get(saved_view_url(view.pk, view.query))

    assert response.status_code == 200
    assert listed_ids(response) == []


def test_a_user_without_mailboxes_has_no_inbox(client, django_user_model, tickets):
    nobody = make_agent(django_user_model, "newbie")
    client.force_login(nobody)

    home = client.get(reverse("wagtailadmin_home")).content.decode()

    assert "All open" not in home
    assert listed_ids(client.get(folder_url("all"))) == []
    assert client.get(reverse("inbox_saved_views:index")).status_code in (302, 403)


def test_anonymous_visitors_are_sent_to_the_login(client, tickets):
    response = client.get(folder_url("open"))
    assert response.status_code == 302
    assert reverse("wagtailadmin_login") in response["Location"]
