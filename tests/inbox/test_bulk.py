"""Bulk actions of the ticket list, driven through Wagtail's bulk-action URLs as the browser does."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from inbox.models import Message, Notification, Ticket, TicketEvent
from tests.inbox.list_support import (  # noqa: F401  (fixtures)
    admin_user,
    agent,
    bulk_url,
    folder_url,
    fresh_cache,
    listed_ids,
    make_agent,
    make_ticket,
    sales,
    support,
)

pytestmark = pytest.mark.django_db
NEXT = "/admin/inbox/folder/open/"


def messages_of(response):
    return [str(message).strip() for message in get_messages(response.wsgi_request)]


@pytest.fixture
def colleague(django_user_model, support):
    return make_agent(django_user_model, "bob", support, first_name="Bob", last_name="Builder")


def test_the_confirmation_page_lists_the_selected_tickets(client, agent, support):
    tickets = [make_ticket(support, "Broken lamp"), make_ticket(support, "Lost parcel")]
    client.force_login(agent)

    response = client.get(bulk_url("status", tickets, NEXT))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Broken lamp" in html and "Lost parcel" in html
    assert 'name="status"' in html


def test_assign_gives_every_ticket_to_the_agent_and_notifies_them(client, agent, colleague, support):
    tickets = [make_ticket(support, "One"), make_ticket(support, "Two")]
    client.force_login(agent)

    response = client.post(bulk_url("assign", tickets, NEXT), {"assignee": str(colleague.pk)})

    assert response.status_code == 302 and response["Location"] == NEXT
    assert set(Ticket.objects.values_list("assignee", flat=True)) == {colleague.pk}
    assert TicketEvent.objects.filter(kind="assignee", new_value="Bob Builder", actor=agent).count() == 2
    assert Notification.objects.filter(recipient=colleague, kind="assigned").count() == 2
    assert len(mail.outbox) == 2
    assert "2 tickets assigned." in messages_of(response)


def test_assign_offers_only_agents_of_every_selected_mailbox(client, django_user_model, support, sales):
    both = make_agent(django_user_model, "both", support, sales, first_name="Both", last_name="Boxes")
    make_agent(django_user_model, "onlysales", sales, first_name="Only", last_name="Sales")
    tickets = [make_ticket(support, "Support one"), make_ticket(sales, "Sales one")]
    client.force_login(both)

    html = client.get(bulk_url("assign", tickets, NEXT)).content.decode()
    assert "Both Boxes" in html
    assert "Only Sales" not in html

    only_sales = django_user_model.objects.get(username="onlysales")
    response = client.post(bulk_url("assign", tickets, NEXT), {"assignee": str(only_sales.pk)})
    assert response.status_code == 200  # the form comes back with the error
    assert not Ticket.objects.filter(assignee__isnull=False).exists()


def test_unassigning(client, agent, colleague, support):
    ticket = make_ticket(support, "Taken", assignee=colleague)
    client.force_login(agent)

    client.post(bulk_url("assign", [ticket], NEXT), {"assignee": ""})

    ticket.refresh_from_db()
    assert ticket.assignee is None


def test_change_status_closes_tickets_through_the_status_service(client, agent, support):
    tickets = [make_ticket(support, "One"), make_ticket(support, "Two")]
    client.force_login(agent)

    client.post(bulk_url("status", tickets, NEXT), {"status": "closed"})

    assert set(Ticket.objects.values_list("status", flat=True)) == {"closed"}
    assert all(Ticket.objects.values_list("closed_at", flat=True))
    assert TicketEvent.objects.filter(kind="status", new_value="closed").count() == 2
    assert listed_ids(client.get(folder_url("open"))) == []


def test_add_and_remove_tags(client, agent, support):
    first, second = make_ticket(support, "One"), make_ticket(support, "Two")
    second.tags.add("vip")
    client.force_login(agent)

    client.post(bulk_url("add_tags", [first, second], NEXT), {"tags": "vip, Refund request"})
    assert set(first.tags.names()) == {"vip", "Refund request"}
    assert set(second.tags.names()) == {"vip", "Refund request"}
    assert TicketEvent.objects.get(ticket=second, kind="tags_added").new_value == "Refund request"

    html = client.get(bulk_url("remove_tags", [first, second], NEXT)).content.decode()
    assert "Refund request" in html
    client.post(bulk_url("remove_tags", [first, second], NEXT), {"tags": ["vip"]})
    assert set(first.tags.names()) == {"Refund request"}
    assert set(second.tags.names()) == {"Refund request"}


def test_mark_as_spam(client, agent, support):
    ticket = make_ticket(support, "Cheap watches")
    client.force_login(agent)

    client.post(bulk_url("spam", [ticket], NEXT))

    assert listed_ids(client.get(folder_url("spam"))) == [ticket.pk]
    assert listed_ids(client.get(folder_url("open"))) == []


def test_merge_moves_every_message_into_the_oldest_ticket(client, agent, support):
    now = timezone.now()
    oldest = make_ticket(support, "Parcel?", created_at=now - timedelta(days=3), body="where is it")
    newer = make_ticket(
        support,
        "Parcel again",
        created_at=now - timedelta(days=1),
        last_activity_at=now,
        body="still nothing",
    )
    newer.tags.add("angry")
    client.force_login(agent)

    response = client.post(bulk_url("merge", [newer, oldest], NEXT))

    assert response.status_code == 302
    oldest.refresh_from_db()
    newer.refresh_from_db()
    assert newer.merged_into_id == oldest.pk
    assert set(Message.objects.filter(ticket=oldest).values_list("body_text", flat=True)) == {
        "where is it",
        "still nothing",
    }
    assert oldest.message_count == 2
    assert oldest.last_activity_at == newer.last_activity_at
    assert "angry" in oldest.tags.names()
    assert listed_ids(client.get(folder_url("open"))) == [oldest.pk]
    assert f"2 tickets merged into {oldest.token}." in messages_of(response)


def test_merging_tickets_of_different_mailboxes_is_refused_with_a_reason(
    client, django_user_model, support, sales
):
    both = make_agent(django_user_model, "both", support, sales)
    tickets = [make_ticket(support, "A"), make_ticket(sales, "B")]
    client.force_login(both)

    response = client.post(bulk_url("merge", tickets, NEXT))

    assert response.status_code == 200
    assert "Only tickets of the same mailbox can be merged" in response.content.decode()
    assert not Ticket.objects.filter(merged_into__isnull=False).exists()


def test_delete_is_for_administrators_only(client, agent, support):
    ticket = make_ticket(support, "Keep me")
    client.force_login(agent)

    response = client.post(bulk_url("delete", [ticket], NEXT))

    assert response.status_code == 302
    assert "Only administrators may do that." in messages_of(response)
    ticket.refresh_from_db()
    assert ticket.deleted_at is None
    footer = client.get(folder_url("open")).content.decode()
    assert "bulk/inbox/ticket/delete/" not in footer
    assert "bulk/inbox/ticket/assign/" in footer


def test_administrators_delete_softly_and_can_undo(client, admin_user, support):
    ticket = make_ticket(support, "Delete me")
    client.force_login(admin_user)

    response = client.post(bulk_url("delete", [ticket], NEXT), follow=True)

    ticket.refresh_from_db()
    assert ticket.deleted_at is not None
    assert ticket.pk not in listed_ids(client.get(folder_url("open")))
    html = response.content.decode()
    assert "1 ticket deleted." in html
    undo = reverse("inbox_tickets:undo_delete")
    start = html.index(undo)
    undo_url = html[start : html.index('"', start)].replace("&amp;", "&")

    client.get(undo_url)

    ticket.refresh_from_db()
    assert ticket.deleted_at is None
    assert listed_ids(client.get(folder_url("open"))) == [ticket.pk]
    assert list(TicketEvent.objects.filter(ticket=ticket).values_list("kind", flat=True)) == [
        "deleted",
        "restored",
    ]


def test_an_undo_link_works_only_for_the_administrator_who_deleted(
    client, django_user_model, admin_user, support
):
    from django.core import signing

    from inbox.admin.bulk import UNDO_SALT

    ticket = make_ticket(support, "Deleted", deleted_at=timezone.now())
    other_admin = make_agent(django_user_model, "root2", superuser=True)
    token = signing.dumps({"ids": [ticket.pk], "user": admin_user.pk}, salt=UNDO_SALT)
    client.force_login(other_admin)

    client.get(reverse("inbox_tickets:undo_delete"), {"token": token})
    ticket.refresh_from_db()
    assert ticket.deleted_at is not None

    response = client.get(reverse("inbox_tickets:undo_delete"), {"token": token + "x"})
    assert "This undo link is not valid." in messages_of(response)


def test_nothing_selected_or_select_all_is_refused(client, agent, support):
    make_ticket(support, "One")
    client.force_login(agent)
    url = reverse("wagtail_bulk_action", args=["inbox", "ticket", "status"])

    empty = client.post(f"{url}?next={NEXT}", {"status": "closed"})
    assert "Select at least one ticket." in messages_of(empty)
    everything = client.post(f"{url}?id=all&next={NEXT}", {"status": "closed"})
    assert "select them on the page" in messages_of(everything)[-1]
    assert not Ticket.objects.filter(status="closed").exists()


def test_an_oversized_selection_is_refused(client, agent, support):
    from inbox.admin.bulk import MAX_SELECTION

    make_ticket(support, "One")
    client.force_login(agent)
    ids = "&".join(f"id={number}" for number in range(1, MAX_SELECTION + 2))
    url = reverse("wagtail_bulk_action", args=["inbox", "ticket", "status"])

    response = client.post(f"{url}?{ids}&next={NEXT}", {"status": "closed"})

    assert f"Select at most {MAX_SELECTION} tickets at once." in messages_of(response)
    assert not Ticket.objects.filter(status="closed").exists()
