"""The inbox's folders, their live counts, and who has seen which ticket.

Every queryset here starts from ``inbox.permissions.tickets_for(user)``, so an agent only
ever counts and lists the mailboxes granted to them. Merged tickets (``merged_into``) and
soft-deleted ones never appear.
"""

from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from inbox.models import SavedView, Ticket, TicketRead
from inbox.permissions import mailboxes_for, tickets_for

Status = Ticket.Status
ACTIVE = [Status.OPEN, Status.PENDING]
# The menu's counts are at most this old (seconds); an agent's own bulk actions refresh them at once.
COUNTS_TTL = 10


@dataclass(frozen=True)
class Folder:
    key: str
    label: str
    icon: str
    # Closed and All grow without end; their counts tell an agent nothing and cost a full scan.
    counted: bool = True

    def condition(self, user):
        if self.key == "unassigned":
            return Q(status=Status.OPEN, assignee__isnull=True)
        if self.key == "mine":
            return Q(status__in=ACTIVE, assignee=user)
        if self.key == "others":
            return Q(status__in=ACTIVE, assignee__isnull=False) & ~Q(assignee=user)
        if self.key == "open":
            return Q(status=Status.OPEN)
        if self.key == "all":
            return ~Q(status=Status.SPAM)
        return Q(status=self.key)  # pending, closed, spam


FOLDERS = [
    Folder("unassigned", _("Unassigned"), "help"),
    Folder("mine", _("Mine"), "user"),
    Folder("others", _("Assigned to others"), "group"),
    Folder("open", _("All open"), "mail"),
    Folder("pending", _("Pending"), "time"),
    Folder("closed", _("Closed"), "check", counted=False),
    Folder("all", _("All tickets"), "list-ul", counted=False),
    Folder("spam", _("Spam"), "warning"),
]
FOLDERS_BY_KEY = {folder.key: folder for folder in FOLDERS}
DEFAULT_FOLDER = "open"
# Open tickets of a mailbox: what its menu entry counts and lists.
MAILBOX_CONDITION = Q(status=Status.OPEN)
# Every counted folder lies within these statuses, so the count query reads only active tickets.
COUNTED_STATUSES = [Status.OPEN, Status.PENDING, Status.SPAM]


def get_folder(key):
    return FOLDERS_BY_KEY.get(key)


def visible_tickets(user):
    """Tickets the user may see that are neither merged away nor deleted."""
    return tickets_for(user).filter(merged_into__isnull=True)


def folder_tickets(user, key=DEFAULT_FOLDER):
    return visible_tickets(user).filter(FOLDERS_BY_KEY[key].condition(user))


def mailbox_tickets(user, mailbox_id):
    return visible_tickets(user).filter(MAILBOX_CONDITION, mailbox_id=mailbox_id)


def saved_views_for(user):
    """The user's own saved views and those shared with the team."""
    return SavedView.objects.filter(Q(owner=user) | Q(shared=True)).select_related("owner")


def _counts_key(user):
    return f"inbox:menu:{user.pk}"


def compute_menu_state(user):
    """Folders' and mailboxes' counts (one aggregated query), the user's mailboxes and saved views."""
    mailboxes = list(mailboxes_for(user).order_by("name").values_list("pk", "name"))
    aggregates = {
        f"folder_{folder.key}": Count("pk", filter=folder.condition(user))
        for folder in FOLDERS
        if folder.counted
    }
    for pk, _name in mailboxes:
        aggregates[f"mailbox_{pk}"] = Count("pk", filter=MAILBOX_CONDITION & Q(mailbox_id=pk))
    tickets = Ticket.objects.filter(
        status__in=COUNTED_STATUSES,
        mailbox_id__in=[pk for pk, _name in mailboxes],
        deleted_at__isnull=True,
        merged_into__isnull=True,
    )
    counts = tickets.aggregate(**aggregates) if mailboxes else dict.fromkeys(aggregates, 0)
    views = [
        {
            "pk": view.pk,
            "name": view.name,
            "query": view.query,
            "shared": view.shared,
            "mine": view.owner_id == user.pk,
        }
        for view in saved_views_for(user)
    ]
    return {
        "folders": {folder.key: counts[f"folder_{folder.key}"] for folder in FOLDERS if folder.counted},
        "mailboxes": [{"pk": pk, "name": name, "count": counts[f"mailbox_{pk}"]} for pk, name in mailboxes],
        "views": views,
    }


def menu_state(user):
    """``compute_menu_state`` cached per user for a few seconds."""
    key = _counts_key(user)
    state = cache.get(key)
    if state is None:
        state = compute_menu_state(user)
        cache.set(key, state, COUNTS_TTL)
    return state


def forget_menu_state(user):
    cache.delete(_counts_key(user))


def mark_seen(user, ticket):
    """Record that ``user`` has just seen ``ticket`` (the ticket page calls this): the list shows it read."""
    if not user.is_authenticated:
        return
    TicketRead.objects.bulk_create(
        [TicketRead(user=user, ticket=ticket, seen_at=timezone.now())],
        update_conflicts=True,
        unique_fields=["user", "ticket"],
        update_fields=["seen_at"],
    )


def unread_ticket_ids(user, tickets):
    """Ids among ``tickets`` with activity the user has not seen yet (one query)."""
    tickets = list(tickets)
    seen = dict(
        TicketRead.objects.filter(user=user, ticket_id__in=[t.pk for t in tickets]).values_list(
            "ticket_id", "seen_at"
        )
    )
    return {t.pk for t in tickets if t.pk not in seen or seen[t.pk] < t.last_activity_at}
