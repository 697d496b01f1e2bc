from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .ticket import Ticket


class SavedView(models.Model):
    """A named ticket filter an agent keeps for themselves or shares with the team.

    Listed under Inbox › Views in the admin menu; opening one shows the ticket list with
    its filters applied (always limited to the mailboxes the viewer may work).
    """

    name = models.CharField(max_length=100, verbose_name=_("name"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_ticket_views"
    )
    shared = models.BooleanField(
        default=False,
        verbose_name=_("shared with the team"),
        help_text=_("Everyone who works the inbox sees shared views in their menu."),
    )
    # The ticket list's query parameters (folder, mailbox, status, q …), as a URL query string.
    query = models.TextField(blank=True, default="", verbose_name=_("filters"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["shared", "name"], name="saved_view_shared")]

    def __str__(self):
        return self.name


class TicketRead(models.Model):
    """When an agent last looked at a ticket; a ticket with newer activity shows as unread in the list."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    seen_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "ticket"], name="unique_ticket_read")]

    def __str__(self):
        return f"{self.user_id} saw #{self.ticket_id} at {self.seen_at:%Y-%m-%d %H:%M}"
