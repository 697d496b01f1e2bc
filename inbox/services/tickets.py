"""What agents do to tickets: assign, prioritise, tag, mark as spam, merge, delete and restore.

Views, bulk actions, commands and tests all call these. Each change records a TicketEvent
(the audit trail shown on the ticket page). The caller checks the user's mailbox permissions
(inbox.permissions) first; these functions enforce the help desk's own rules, e.g. that an
assignee must work the ticket's mailbox, and raise ValidationError with a readable message.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from inbox.models import Message, Ticket, TicketEvent
from inbox.permissions import mailboxes_for
from inbox.search import reindex

# When tickets merge, the merged ticket takes the most active status among them.
STATUS_RANK = {Ticket.Status.OPEN: 3, Ticket.Status.PENDING: 2, Ticket.Status.CLOSED: 1}


def _clip(value):
    return str(value)[:255]


def record_event(ticket, kind, old="", new="", actor=None):
    return TicketEvent.objects.create(
        ticket=ticket, actor=actor, kind=kind, old_value=_clip(old), new_value=_clip(new)
    )


def _user_label(user):
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def can_work_mailbox(user, mailbox_id):
    return user is not None and mailboxes_for(user).filter(pk=mailbox_id).exists()


def assign(ticket, assignee, actor=None):
    """Give the ticket to ``assignee`` (None to unassign); True when something changed.

    The new assignee is notified (unless they assigned themselves).
    """
    if assignee is not None and not (assignee.is_active and can_work_mailbox(assignee, ticket.mailbox_id)):
        raise ValidationError(
            _("%(user)s does not work the mailbox %(mailbox)s, so cannot be assigned this ticket.")
            % {"user": _user_label(assignee), "mailbox": ticket.mailbox.name}
        )
    if ticket.assignee_id == (assignee.pk if assignee else None):
        return False
    old = ticket.assignee
    ticket.assignee = assignee
    ticket.save(update_fields=["assignee"])
    record_event(ticket, "assignee", _user_label(old), _user_label(assignee), actor)
    if assignee is not None:
        from inbox.notifications import notify_assigned

        notify_assigned(ticket, assignee, actor=actor)
    return True


def set_priority(ticket, priority, actor=None):
    """Change the ticket's priority (a Ticket.Priority value); True when something changed."""
    try:
        priority = Ticket.Priority(int(priority))
    except (TypeError, ValueError):
        raise ValidationError(_("Unknown priority: %(value)s.") % {"value": priority})
    if ticket.priority == priority:
        return False
    old = Ticket.Priority(ticket.priority).label
    ticket.priority = priority
    ticket.save(update_fields=["priority"])
    record_event(ticket, "priority", old, priority.label, actor)
    return True


def clean_tag_names(names):
    """Tag names as typed (a list or a comma-separated string), trimmed, without blanks or repeats."""
    if isinstance(names, str):
        names = names.split(",")
    seen = {}
    for name in names:
        name = " ".join(str(name).split())
        if name and name.lower() not in seen:
            if len(name) > 100:
                raise ValidationError(_("A tag can be at most 100 characters long: %(tag)s") % {"tag": name})
            seen[name.lower()] = name
    return list(seen.values())


def add_tags(ticket, names, actor=None):
    """Add tags (creating new ones); returns the names that were not on the ticket yet."""
    names = clean_tag_names(names)
    present = {tag.lower() for tag in ticket.tags.names()}
    new = [name for name in names if name.lower() not in present]
    if new:
        ticket.tags.add(*new)
        record_event(ticket, "tags_added", "", ", ".join(new), actor)
    return new


def remove_tags(ticket, names, actor=None):
    """Remove tags by name (case-insensitive); returns the names that were removed."""
    wanted = {name.lower() for name in clean_tag_names(names)}
    gone = [tag for tag in ticket.tags.all() if tag.name.lower() in wanted]
    if gone:
        ticket.tags.remove(*gone)
        record_event(ticket, "tags_removed", ", ".join(tag.name for tag in gone), "", actor)
    return [tag.name for tag in gone]


def mark_spam(ticket, actor=None):
    """Move the ticket to Spam through the status service (which records and announces it)."""
    from inbox.services.status import change_status

    return change_status(ticket, Ticket.Status.SPAM, actor=actor)


def _check_mergeable(tickets):
    if len({ticket.pk for ticket in tickets}) < 2:
        raise ValidationError(_("Select at least two tickets to merge."))
    if len({ticket.mailbox_id for ticket in tickets}) > 1:
        raise ValidationError(
            _("Only tickets of the same mailbox can be merged: replies would leave from another address.")
        )
    for ticket in tickets:
        if ticket.merged_into_id or ticket.deleted_at:
            message = _("Ticket %(token)s was merged or deleted already.")
            raise ValidationError(message % {"token": ticket.token})


@transaction.atomic
def merge_tickets(tickets, actor=None):
    """Merge tickets into the oldest one; returns it.

    Messages, tags and followers move to the oldest ticket; the others keep a pointer to it
    (``merged_into``) and drop out of every list, so links to them still lead somewhere.
    """
    tickets = list(Ticket.objects.select_for_update().filter(pk__in=[t.pk for t in tickets]))
    _check_mergeable(tickets)
    tickets.sort(key=lambda t: (t.created_at, t.pk))
    target, others = tickets[0], tickets[1:]
    other_ids = [t.pk for t in others]

    Message.objects.filter(ticket_id__in=other_ids).update(ticket=target)
    for other in others:
        target.tags.add(*other.tags.all())
        target.followers.add(*other.followers.all())

    everything = [target, *others]
    latest = max(everything, key=lambda t: (t.last_activity_at, t.pk))
    waiting = [t.waiting_since for t in everything if t.waiting_since]
    customer_times = [t.last_customer_message_at for t in everything if t.last_customer_message_at]
    target.message_count = sum(t.message_count for t in everything)
    target.last_activity_at = latest.last_activity_at
    target.preview = latest.preview
    target.waiting_since = min(waiting) if waiting else None
    target.last_customer_message_at = max(customer_times) if customer_times else None
    target.status = max((t.status for t in everything), key=lambda s: STATUS_RANK.get(s, 0))
    if target.status != Ticket.Status.CLOSED:
        target.closed_at = None
    target.save()

    Ticket.objects.filter(pk__in=other_ids).update(merged_into=target, message_count=0)
    tokens = ", ".join(t.token for t in others)
    record_event(target, "merged", "", tokens, actor)
    for other in others:
        record_event(other, "merged_into", "", target.token, actor)
    reindex([target.pk, *other_ids])
    return target


def soft_delete(tickets, actor=None):
    """Hide tickets from every list and search; returns the ids, for undo_delete()."""
    now = timezone.now()
    ids = []
    for ticket in tickets:
        if ticket.deleted_at:
            continue
        ticket.deleted_at = now
        ticket.save(update_fields=["deleted_at"])
        record_event(ticket, "deleted", "", "", actor)
        ids.append(ticket.pk)
    return ids


def undo_delete(ticket_ids, actor=None):
    """Bring soft-deleted tickets back; returns how many came back."""
    restored = 0
    for ticket in Ticket.objects.filter(pk__in=ticket_ids, deleted_at__isnull=False):
        ticket.deleted_at = None
        ticket.save(update_fields=["deleted_at"])
        record_event(ticket, "restored", "", "", actor)
        restored += 1
    return restored
