"""Columns and rows of the ticket list.

Wagtail's table columns give the header (labels, sort links, the select-all checkbox); the
rows are prepared here in Python and drawn by one template loop (inbox/list/table.html), in
Wagtail's listing markup. A page of 25 tickets is then one template pass instead of ~275
cell templates, and reads only what the view loaded up front (no query per row).
"""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from wagtail.admin.ui.tables import BulkActionsCheckboxColumn, Column, Table
from wagtail.admin.utils import get_user_display_name

from inbox.models import Ticket

DONE = {Ticket.Status.CLOSED, Ticket.Status.SPAM}


def waiting_label(since, now=None):
    """ "waiting 3 h": how long the customer's unanswered message has waited, in its largest whole unit."""
    if since is None:
        return ""
    minutes = max(0, int(((now or timezone.now()) - since).total_seconds() // 60))
    if minutes < 60:
        duration = ngettext("%(count)d min", "%(count)d min", minutes) % {"count": minutes}
    elif minutes < 48 * 60:
        hours = minutes // 60
        duration = ngettext("%(count)d h", "%(count)d h", hours) % {"count": hours}
    else:
        days = minutes // (24 * 60)
        duration = ngettext("%(count)d day", "%(count)d days", days) % {"count": days}
    return _("waiting %(duration)s") % {"duration": duration}


def ticket_columns():
    return [
        BulkActionsCheckboxColumn("bulk_actions", obj_type="ticket"),
        Column("subject", label=_("Ticket"), classname="inbox-list__ticket"),
        Column("customer", label=_("Customer")),
        Column("mailbox", label=_("Mailbox")),
        Column("status", label=_("Status")),
        Column("assignee", label=_("Assignee")),
        Column("priority", label=_("Priority"), sort_key="priority"),
        Column("message_count", label=_("Messages"), classname="inbox-list__count"),
        Column("waiting", label=_("Waiting"), sort_key="waiting"),
        Column("created_at", label=_("Created"), sort_key="created_at"),
        Column("last_activity_at", label=_("Last activity"), sort_key="last_activity_at"),
    ]


def ticket_row(ticket, unread, now):
    """What one row shows, from the ticket and its select_related / prefetched relations."""
    addresses = sorted(ticket.customer.addresses.all(), key=lambda a: (not a.is_primary, a.pk))
    return {
        "ticket": ticket,
        "url": reverse("inbox_ticket:detail", args=[ticket.pk]),
        "unread": unread,
        "tags": [tag.name for tag in ticket.tags.all()],
        "customer_name": ticket.customer.name,
        "customer_address": addresses[0].address if addresses else "",
        "mailbox": ticket.mailbox.name,
        "status": ticket.get_status_display(),
        "assignee": get_user_display_name(ticket.assignee) if ticket.assignee else "",
        "priority": ticket.get_priority_display(),
        "waiting": "" if ticket.status in DONE else waiting_label(ticket.waiting_since, now),
    }


class TicketTable(Table):
    template_name = "inbox/list/table.html"
    classname = "listing inbox-list"
    unread_ids = frozenset()  # set by the view once the page's tickets are known

    @property
    def ticket_rows(self):
        now = timezone.now()
        return [ticket_row(ticket, ticket.pk in self.unread_ids, now) for ticket in self.data]
