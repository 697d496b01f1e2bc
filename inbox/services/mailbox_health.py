"""Which of a user's mailboxes are not receiving mail or sending replies, for the alerts agents see.

A mailbox whose last fetch failed (wrong password, server unreachable, folder gone …) keeps
its error in ``Mailbox.last_error`` until a fetch succeeds again. Agents see the alert on the
inbox list and the admin dashboard, so a broken connection never goes unnoticed for days.
"""

from inbox.models import Mailbox, Message
from inbox.permissions import can_manage_mailboxes, mailbox_ids_for

# Failed replies listed by name; the alert counts the rest.
LISTED_FAILED_REPLIES = 5


def failing_mailboxes(mailbox_ids):
    """Active mailboxes among ``mailbox_ids`` whose last fetch failed, oldest failure first."""
    return list(
        Mailbox.objects.filter(pk__in=mailbox_ids, active=True)
        .exclude(imap_host="")
        .exclude(last_error="")
        .only("pk", "name", "last_error", "last_error_at", "last_fetch_at")
        .order_by("last_error_at", "name")
    )


def failed_replies(mailbox_ids):
    """``(count, the latest few)`` of replies that gave up sending (after every retry) in these mailboxes.

    A reply stays failed until an agent resends it (or deletes the ticket); the message row and
    its error are on the ticket page.
    """
    # Through the delivery index: sorting by date, SQLite would walk every message to find the few failed.
    failed = Message.objects.filter(delivery_state=Message.Delivery.FAILED).values("pk")
    replies = Message.objects.filter(
        pk__in=failed,
        ticket__deleted_at__isnull=True,
        ticket__mailbox_id__in=mailbox_ids,
    )
    latest = list(
        replies.select_related("ticket")
        .only("pk", "delivery_error", "ticket__id", "ticket__subject")
        .order_by("-created_at")[:LISTED_FAILED_REPLIES]
    )
    count = len(latest) if len(latest) < LISTED_FAILED_REPLIES else replies.count()
    return count, latest


def mailbox_alerts_context(user):
    """The alerts of the mailboxes ``user`` works (their ids read once for both lists)."""
    mailbox_ids = mailbox_ids_for(user)
    failed_count, failed_latest = failed_replies(mailbox_ids)
    return {
        "failing_mailboxes": failing_mailboxes(mailbox_ids),
        "failed_reply_count": failed_count,
        "failed_replies": failed_latest,
        "can_manage_mailboxes": can_manage_mailboxes(user),
    }
