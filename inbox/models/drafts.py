from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .ticket import Ticket


class Draft(models.Model):
    """A reply or note an agent is still writing, saved as they type.

    One per agent, ticket and kind; the ticket page's composer restores it on reload and
    it is deleted when the reply or note is sent.
    """

    class Kind(models.TextChoices):
        REPLY = "reply", _("Reply")
        NOTE = "note", _("Internal note")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="drafts")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="inbox_drafts"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.REPLY)
    body_html = models.TextField(blank=True, default="")
    cc = models.TextField(blank=True, default="")
    bcc = models.TextField(blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("draft")
        verbose_name_plural = _("drafts")
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "author", "kind"], name="unique_draft_per_agent_ticket_kind"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} draft on #{self.ticket_id} by {self.author_id}"
