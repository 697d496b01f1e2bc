"""The ticket page's side panel: ticket fields, the customer, and the plugins' panels.

Plugin panels (the ``inbox.sidebar_panels`` filter) are only listed here; the page fetches
each one's URL after it has rendered, so a slow or broken plugin never delays the ticket.
"""

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from helpdesk_site.plugins import apply_filters
from inbox.hookspecs import SIDEBAR_PANELS
from inbox.models import Customer, Ticket
from inbox.permissions import ticket_for, tickets_for
from inbox.plugin_api import SidebarPanel

from .responses import done

EVENT_LABELS = {
    "status": gettext_lazy("Status"),
    "assignee": gettext_lazy("Assignee"),
    "priority": gettext_lazy("Priority"),
    "tags_added": gettext_lazy("Tags added"),
    "tags_removed": gettext_lazy("Tags removed"),
    "follower_added": gettext_lazy("Follower added"),
    "follower_removed": gettext_lazy("Follower removed"),
    "merged": gettext_lazy("Merged in"),
    "merged_into": gettext_lazy("Merged into"),
    "deleted": gettext_lazy("Deleted"),
    "restored": gettext_lazy("Restored"),
    "reply_undone": gettext_lazy("Reply undone"),
    "reply_resent": gettext_lazy("Reply sent again"),
}
STATUS_LABELS = dict(Ticket.Status.choices)
OTHER_TICKETS_SHOWN = 10
EVENTS_SHOWN = 100
CUSTOMER_NOTES_MAX = 10_000


def agents_for_mailbox(mailbox):
    """Active users who may work ``mailbox``: members of its groups, and superusers."""
    User = get_user_model()
    return (
        User.objects.filter(Q(groups__mailboxes=mailbox) | Q(is_superuser=True), is_active=True)
        .distinct()
        .order_by("first_name", "last_name", User.USERNAME_FIELD)
    )


def other_tickets(user, ticket):
    """The customer's other tickets, only in mailboxes ``user`` may see."""
    return list(
        tickets_for(user)
        .filter(customer_id=ticket.customer_id)
        .exclude(pk=ticket.pk)
        .select_related("mailbox")
        .order_by("-last_activity_at")[:OTHER_TICKETS_SHOWN]
    )


def plugin_panels(ticket, request):
    """The plugins' panels, valid ones only, in their order."""
    panels = apply_filters(SIDEBAR_PANELS, [], ticket, request)
    valid = [panel for panel in panels or [] if isinstance(panel, SidebarPanel)]
    return sorted(valid, key=lambda panel: (panel.order, panel.title))


def audit_trail(ticket):
    """The latest events, newest first, with labels in words."""
    events = list(ticket.events.select_related("actor").order_by("-created_at", "-id")[:EVENTS_SHOWN])
    for event in events:
        event.label = EVENT_LABELS.get(event.kind, event.kind.replace("_", " ").capitalize())
        values = STATUS_LABELS if event.kind == "status" else {}
        event.old_label = values.get(event.old_value, event.old_value)
        event.new_label = values.get(event.new_value, event.new_value)
    return events


def sidebar_context(request, ticket):
    events = audit_trail(ticket)
    return {
        "customer": ticket.customer,
        "customer_addresses": list(ticket.customer.addresses.order_by("-is_primary", "address")),
        "other_tickets": other_tickets(request.user, ticket),
        "agents": list(agents_for_mailbox(ticket.mailbox)),
        "followers": list(ticket.followers.order_by("username")),
        "tags": sorted(tag.name for tag in ticket.tags.all()),
        "events": events,
        "plugin_panels": plugin_panels(ticket, request),
    }


@require_POST
def customer_notes(request, pk):
    """Save the notes about the ticket's customer (shown to every agent who sees the customer)."""
    ticket = ticket_for(request.user, pk)
    notes = request.POST.get("notes", "")
    if len(notes) > CUSTOMER_NOTES_MAX:
        return done(
            request,
            ticket,
            error=_("The notes are too long: %(count)d characters, at most %(max)d.")
            % {"count": len(notes), "max": CUSTOMER_NOTES_MAX},
        )
    Customer.objects.filter(pk=ticket.customer_id).update(notes=notes)
    return done(request, ticket, success=_("Notes about the customer saved."))
