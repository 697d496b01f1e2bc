"""inbox.services.tickets: the rules behind assigning, prioritising, tagging, merging and deleting."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from inbox.models import Ticket, TicketEvent, TicketRead
from inbox.queries import mark_seen, unread_ticket_ids
from inbox.services import tickets as services
from tests.inbox.list_support import (  # noqa: F401  (fixtures)
    admin_user,
    agent,
    fresh_cache,
    make_agent,
    make_ticket,
    sales,
    sales_agent,
    support,
)

pytestmark = pytest.mark.django_db


def test_an_agent_of_another_mailbox_cannot_be_assigned(agent, sales_agent, support):
    ticket = make_ticket(support, "Support only")

    with pytest.raises(ValidationError, match="does not work the mailbox Support"):
        services.assign(ticket, sales_agent, actor=agent)

    ticket.refresh_from_db()
    assert ticket.assignee is None
    assert not TicketEvent.objects.exists()


def test_assigning_records_who_changed_what_and_is_idempotent(agent, admin_user, support):
    ticket = make_ticket(support, "Mine soon")

    assert services.assign(ticket, agent, actor=admin_user) is True
    assert services.assign(ticket, agent, actor=admin_user) is False
    assert services.assign(ticket, None, actor=admin_user) is True

    events = list(TicketEvent.objects.values_list("kind", "old_value", "new_value", "actor"))
    assert events == [
        ("assignee", "", "Anna Agent", admin_user.pk),
        ("assignee", "Anna Agent", "", admin_user.pk),
    ]


def test_priority_changes_are_recorded_and_unknown_ones_refused(agent, support):
    ticket = make_ticket(support, "Hurry")

    assert services.set_priority(ticket, Ticket.Priority.URGENT, actor=agent)
    assert not services.set_priority(ticket, "3", actor=agent)
    with pytest.raises(ValidationError):
        services.set_priority(ticket, 9, actor=agent)

    event = TicketEvent.objects.get()
    assert (event.kind, event.old_value, event.new_value) == ("priority", "Normal", "Urgent")


def test_tag_names_are_trimmed_and_deduplicated():
    assert services.clean_tag_names("  vip , VIP,, refund  request ") == ["vip", "refund request"]
    with pytest.raises(ValidationError):
        services.clean_tag_names(["x" * 101])


def test_adding_a_tag_already_there_changes_nothing(agent, support):
    ticket = make_ticket(support, "Tagged")
    ticket.tags.add("vip")

    assert services.add_tags(ticket, "VIP", actor=agent) == []
    assert services.remove_tags(ticket, "Vip", actor=agent) == ["vip"]
    assert list(ticket.tags.names()) == []
    assert list(TicketEvent.objects.values_list("kind", flat=True)) == ["tags_removed"]


def test_merge_keeps_the_most_active_status_and_the_earliest_wait(agent, support):
    now = timezone.now()
    oldest = make_ticket(
        support,
        "Old",
        status=Ticket.Status.CLOSED,
        created_at=now - timedelta(days=5),
        last_activity_at=now - timedelta(days=4),
        waiting_since=None,
        preview="old preview",
    )
    newer = make_ticket(
        support,
        "New",
        created_at=now - timedelta(days=1),
        last_activity_at=now - timedelta(hours=2),
        waiting_since=now - timedelta(hours=2),
        preview="new preview",
    )
    newer.followers.add(agent)

    target = services.merge_tickets([newer, oldest], actor=agent)

    assert target.pk == oldest.pk
    target.refresh_from_db()
    assert target.status == Ticket.Status.OPEN and target.closed_at is None
    assert target.waiting_since == newer.waiting_since
    assert target.preview == "new preview"
    assert list(target.followers.all()) == [agent]
    assert TicketEvent.objects.get(ticket=target, kind="merged").new_value == newer.token
    assert TicketEvent.objects.get(ticket=newer, kind="merged_into").new_value == target.token


def test_merge_needs_two_live_tickets(agent, support):
    ticket = make_ticket(support, "Alone")
    with pytest.raises(ValidationError, match="at least two"):
        services.merge_tickets([ticket, ticket], actor=agent)
    gone = make_ticket(support, "Gone", deleted_at=timezone.now())
    with pytest.raises(ValidationError, match="merged or deleted"):
        services.merge_tickets([ticket, gone], actor=agent)


def test_soft_delete_and_undo(admin_user, support):
    tickets = [make_ticket(support, "One"), make_ticket(support, "Two")]

    ids = services.soft_delete(tickets, actor=admin_user)
    assert services.soft_delete(tickets, actor=admin_user) == []
    assert Ticket.objects.filter(deleted_at__isnull=False).count() == 2

    assert services.undo_delete(ids, actor=admin_user) == 2
    assert services.undo_delete(ids, actor=admin_user) == 0
    assert not Ticket.objects.filter(deleted_at__isnull=False).exists()


def test_mark_seen_keeps_one_row_per_agent_and_ticket(agent, support):
    ticket = make_ticket(support, "Seen")
    assert unread_ticket_ids(agent, [ticket]) == {ticket.pk}

    mark_seen(agent, ticket)
    first = TicketRead.objects.get().seen_at
    mark_seen(agent, ticket)

    assert TicketRead.objects.count() == 1
    assert TicketRead.objects.get().seen_at >= first
    assert unread_ticket_ids(agent, [ticket]) == set()
