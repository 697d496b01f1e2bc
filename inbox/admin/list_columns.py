"""Columns and rows of the ticket list.

Wagtail's table columns give the header (labels, sort links, the select-all checkbox); the
rows are prepared here in Python and drawn by one template loop (inbox/list/table.html), in
Wagtail's listing markup. A page of 25 tickets is then one template pass instead of ~275
cell templates, and reads only what the view loaded up front (no query per row). What is the
same on every row (labels, the ticket URL pattern, date formats) is worked out once per page.
"""

from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import dateformat, formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from taggit.models import TaggedItem
from wagtail.admin.templatetags.wagtailadmin_tags import timesince_simple
from wagtail.admin.ui.tables import BulkActionsCheckboxColumn, Column, Table
from wagtail.admin.utils import get_user_display_name

from inbox.models import CustomerAddress, Ticket

DONE = {Ticket.Status.CLOSED, Ticket.Status.SPAM}
# Stands for the ticket's pk in the detail URL, reversed once per page instead of once per row.
PK_PLACEHOLDER = 987654321


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


def tag_names_by_ticket(ticket_ids):
    """{ticket pk: [tag names, alphabetical]} in one query (taggit's prefetch builds a queryset per row)."""
    names = {}
    if not ticket_ids:
        return names
    items = (
        TaggedItem.objects.filter(
            content_type=ContentType.objects.get_for_model(Ticket), object_id__in=ticket_ids
        )
        .order_by("tag__name")
        .values_list("object_id", "tag__name")
    )
    for ticket_id, name in items:
        names.setdefault(ticket_id, []).append(name)
    return names


def first_address_by_customer(customer_ids):
    """{customer pk: address}, the primary one (else the oldest), in one query."""
    first = {}
    if not customer_ids:
        return first
    addresses = (
        CustomerAddress.objects.filter(customer_id__in=customer_ids)
        .order_by("customer_id", "-is_primary", "pk")
        .values_list("customer_id", "address")
    )
    for customer_id, address in addresses:
        first.setdefault(customer_id, address)
    return first


class RowFormatter:
    """What one row shows, from the ticket, its select_related / prefetched relations and the page's lookups."""

    def __init__(self, tags=None, addresses=None, unread_ids=frozenset(), now=None):
        self.tags = tags or {}
        self.addresses = addresses or {}
        self.unread_ids = unread_ids
        self.now = now or timezone.now()
        self.url_pattern = reverse("inbox_ticket:detail", args=[PK_PLACEHOLDER])
        self.statuses = {value: str(label) for value, label in Ticket.Status.choices}
        self.priorities = {value: str(label) for value, label in Ticket.Priority.choices}
        self.datetime_format = formats.get_format("DATETIME_FORMAT")
        self.assignees = {}

    def url(self, pk):
        return self.url_pattern.replace(str(PK_PLACEHOLDER), str(pk))

    def assignee(self, user):
        if user is None:
            return ""
        if user.pk not in self.assignees:
            self.assignees[user.pk] = get_user_display_name(user)
        return self.assignees[user.pk]

    def moment(self, value):
        """A date as the list shows it: "3 hours ago", the full date on hover, ISO for machines."""
        local = timezone.localtime(value)
        return {
            "iso": local.isoformat(),
            "full": dateformat.format(local, self.datetime_format),
            "ago": capfirst(timesince_simple(value)),
        }

    def row(self, ticket):
        customer = ticket.customer
        return {
            "ticket": ticket,
            "pk": str(ticket.pk),
            "url": self.url(ticket.pk),
            "unread": ticket.pk in self.unread_ids,
            "tags": self.tags.get(ticket.pk, ()),
            "customer_name": customer.name,
            "customer_address": self.addresses.get(customer.pk, ""),
            "mailbox": ticket.mailbox.name,
            "status": self.statuses.get(ticket.status, ticket.status),
            "assignee": self.assignee(ticket.assignee),
            "priority": self.priorities.get(ticket.priority, ticket.priority),
            "priority_value": str(ticket.priority),
            "message_count": str(ticket.message_count),
            "waiting": "" if ticket.status in DONE else waiting_label(ticket.waiting_since, self.now),
            "created": self.moment(ticket.created_at),
            "activity": self.moment(ticket.last_activity_at),
        }


class TicketTable(Table):
    template_name = "inbox/list/table.html"
    classname = "listing inbox-list"
    # Set by the view once the page's tickets are known.
    unread_ids = frozenset()
    tags = None
    addresses = None

    def load_relations(self, tickets):
        """Tags and the customers' addresses of the page's tickets: one query each."""
        self.tags = tag_names_by_ticket([ticket.pk for ticket in tickets])
        self.addresses = first_address_by_customer({ticket.customer_id for ticket in tickets})

    @property
    def ticket_rows(self):
        formatter = RowFormatter(self.tags, self.addresses, self.unread_ids)
        return [formatter.row(ticket) for ticket in self.data]
