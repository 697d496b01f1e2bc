"""Which of a user's mailboxes are not receiving mail, and why, for the alerts agents see.

A mailbox whose last fetch failed (wrong password, server unreachable, folder gone …) keeps
its error in ``Mailbox.last_error`` until a fetch succeeds again. Agents see the alert on the
inbox list and the admin dashboard, so a broken connection never goes unnoticed for days.
"""

from inbox.permissions import can_manage_mailboxes, mailboxes_for


def failing_mailboxes(user):
    """Active mailboxes the user works whose last fetch failed, oldest failure first."""
    return list(
        mailboxes_for(user)
        .filter(active=True)
        .exclude(imap_host="")
        .exclude(last_error="")
        .only("pk", "name", "last_error", "last_error_at", "last_fetch_at")
        .order_by("last_error_at", "name")
    )


def mailbox_alerts_context(user):
    return {"failing_mailboxes": failing_mailboxes(user), "can_manage_mailboxes": can_manage_mailboxes(user)}
