"""Who may see and work which mailbox. Every inbox view, endpoint and download asks here.

An agent works a mailbox when one of their Wagtail groups is in ``Mailbox.groups``;
superusers and holders of ``inbox.manage_mailboxes`` see every mailbox.
"""

from django.core.exceptions import PermissionDenied

from .models import Mailbox, Ticket


def can_manage_mailboxes(user):
    return user.is_active and (user.is_superuser or user.has_perm("inbox.change_mailbox"))


def mailboxes_for(user):
    if not (user.is_authenticated and user.is_active):
        return Mailbox.objects.none()
    if user.is_superuser:
        return Mailbox.objects.all()
    return Mailbox.objects.filter(groups__user=user).distinct()


def mailbox_ids_for(user):
    """Ids of the mailboxes the user works, read once per user object (in a view: once per request).

    A page asks several times (its tickets, filters, alerts); like Django's own permission cache
    on the user, a change of groups shows from the next request on.
    """
    ids = getattr(user, "_inbox_mailbox_ids", None)
    if ids is None:
        ids = list(mailboxes_for(user).values_list("id", flat=True))
        user._inbox_mailbox_ids = ids
    return list(ids)


def tickets_for(user):
    """Tickets the user may see (not soft-deleted)."""
    qs = Ticket.objects.filter(deleted_at__isnull=True)
    if user.is_superuser:
        return qs
    return qs.filter(mailbox_id__in=mailbox_ids_for(user))


def ticket_for(user, ticket_id, queryset=None):
    """The ticket if the user may work it; PermissionDenied otherwise (also when it does not exist,
    so that ticket numbers of other mailboxes cannot be probed)."""
    qs = queryset if queryset is not None else tickets_for(user)
    ticket = qs.filter(pk=ticket_id).first()
    if ticket is None:
        raise PermissionDenied
    return ticket
