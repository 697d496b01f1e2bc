"""Changing a ticket's status: the one place that does it, for agents, replies and incoming mail.

``change_status`` records the change in the audit trail (a TicketEvent of kind "status"),
keeps ``closed_at`` right and fires ``inbox.ticket_status_changed`` once the transaction
commits, so plugins never hear about a change that was rolled back.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from helpdesk_site.plugins import do_action
from inbox.hookspecs import TICKET_STATUS_CHANGED
from inbox.models import Ticket, TicketEvent


def change_status(ticket, new_status, actor=None):
    """Set the ticket's status; True when it changed, False when it already had it.

    ``actor`` is the user who changed it, or None for the system (e.g. a customer's reply
    reopening a closed ticket). Raises ValidationError for a status that does not exist.
    """
    if new_status not in Ticket.Status.values:
        raise ValidationError(_("Unknown ticket status: %(status)s.") % {"status": new_status})
    old_status = ticket.status
    if old_status == new_status:
        return False
    now = timezone.now()
    ticket.status = new_status
    ticket.closed_at = now if new_status == Ticket.Status.CLOSED else None
    with transaction.atomic():
        ticket.save(update_fields=["status", "closed_at"])
        TicketEvent.objects.create(
            ticket=ticket, actor=actor, kind="status", old_value=old_status, new_value=new_status
        )
        transaction.on_commit(
            lambda: do_action(
                TICKET_STATUS_CHANGED,
                ticket=ticket,
                old_status=old_status,
                new_status=new_status,
                actor=actor,
            )
        )
    return True
