import re

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager
from wagtail.search import index

from .customer import Customer
from .mailbox import Mailbox


class Ticket(index.Indexed, models.Model):
    """A customer's conversation with one mailbox: the unit agents work in the inbox.

    Counters and the preview are kept on the row so that lists at scale never join or
    count messages.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        PENDING = "pending", _("Pending")
        CLOSED = "closed", _("Closed")
        SPAM = "spam", _("Spam")

    class Priority(models.IntegerChoices):
        LOW = 0, _("Low")
        NORMAL = 1, _("Normal")
        HIGH = 2, _("High")
        URGENT = 3, _("Urgent")

    mailbox = models.ForeignKey(Mailbox, on_delete=models.PROTECT, related_name="tickets")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="tickets")
    subject = models.CharField(max_length=998, blank=True, default="", verbose_name=_("subject"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    priority = models.IntegerField(choices=Priority.choices, default=Priority.NORMAL)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
        verbose_name=_("assignee"),
    )
    followers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="followed_tickets")
    tags = TaggableManager(blank=True, verbose_name=_("tags"))

    created_at = models.DateTimeField(db_index=True)
    last_activity_at = models.DateTimeField(db_index=True)
    last_customer_message_at = models.DateTimeField(null=True, blank=True)
    waiting_since = models.DateTimeField(
        null=True, blank=True, help_text=_("When the customer's unanswered message arrived.")
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    message_count = models.PositiveIntegerField(default=0)
    preview = models.CharField(max_length=255, blank=True, default="")

    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    deleted_at = models.DateTimeField(null=True, blank=True, db_index=True)

    # Indexed into the "tickets" search backend only, by inbox.search (not by Wagtail's signals).
    search_auto_update = False
    search_fields = [
        index.SearchField("subject"),
        index.RelatedFields(
            "customer",
            [index.SearchField("name"), index.RelatedFields("addresses", [index.SearchField("address")])],
        ),
        index.RelatedFields("messages", [index.SearchField("from_address"), index.SearchField("body_text")]),
        index.SearchField("address_words"),
        *(
            index.FilterField(name)
            for name in (
                "id",
                "mailbox",
                "status",
                "priority",
                "assignee",
                "created_at",
                "last_activity_at",
                "waiting_since",
                "merged_into",
                "deleted_at",
            )
        ),
    ]

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        indexes = [
            models.Index(fields=["mailbox", "status", "-last_activity_at"], name="ticket_mailbox_status"),
            models.Index(fields=["assignee", "status", "-last_activity_at"], name="ticket_assignee_status"),
            models.Index(fields=["status", "-last_activity_at"], name="ticket_status_activity"),
            models.Index(fields=["customer", "-last_activity_at"], name="ticket_customer_activity"),
            # Covers the inbox's folder counts and list totals: read from the index alone.
            models.Index(
                fields=["mailbox", "status", "assignee"],
                condition=models.Q(deleted_at__isnull=True, merged_into__isnull=True),
                name="ticket_live",
            ),
        ]

    def __str__(self):
        return f"[#{self.pk}] {self.subject}"

    def address_words(self):
        """The customer's addresses split into their parts, for search: PostgreSQL's parser keeps
        a whole address as one token, so "oddmail" would not find "anna@oddmail.example"."""
        parts = []
        for address in self.customer.addresses.all():
            parts.extend(part for part in re.split(r"[@.+_-]+", address.address) if part)
        return " ".join(parts)

    @property
    def token(self):
        """The marker put in outgoing subjects so replies without headers still thread."""
        return f"[#{self.pk}]"


class TicketEvent(models.Model):
    """The audit trail: who changed what on a ticket, and when (status, assignee, tags …)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    kind = models.CharField(max_length=40)
    old_value = models.CharField(max_length=255, blank=True, default="")
    new_value = models.CharField(max_length=255, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.kind}: {self.old_value} → {self.new_value}"
