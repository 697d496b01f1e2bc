from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .customer import Customer
from .mailbox import Mailbox
from .ticket import Ticket


class RawMessage(models.Model):
    """The untouched RFC 822 bytes of a message, stored before any processing.

    Rows are written in the same transaction that advances the folder's last UID, so a
    crash loses nothing; ``dedupe_key`` (Message-ID plus a hash of the content) is unique
    per mailbox, so a re-scan or a second worker never stores a message twice. Messages
    that fail processing stay here as *quarantined*, listed in the admin with their error.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting to be processed")
        PROCESSED = "processed", _("Processed")
        DUPLICATE = "duplicate", _("Duplicate of a message already in a ticket")
        QUARANTINED = "quarantined", _("Quarantined")

    class Source(models.TextChoices):
        IMAP = "imap", _("Fetched over IMAP")
        IMPORT = "import", _("Imported from files")
        FORM = "form", _("Contact form")

    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="raw_messages")
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.IMAP)
    folder = models.CharField(max_length=255, blank=True, default="")
    uidvalidity = models.BigIntegerField(null=True, blank=True)
    uid = models.BigIntegerField(null=True, blank=True)
    message_id = models.CharField(max_length=998, blank=True, default="", db_index=True)
    dedupe_key = models.CharField(max_length=64)
    raw = models.BinaryField()
    size = models.PositiveIntegerField(default=0)
    state = models.CharField(max_length=12, choices=State.choices, default=State.PENDING)
    error = models.TextField(blank=True, default="")
    attempts = models.PositiveIntegerField(default=0)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    # Imported history gets no auto-reply and no notifications.
    quiet = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("raw message")
        verbose_name_plural = _("raw messages")
        constraints = [
            models.UniqueConstraint(fields=["mailbox", "dedupe_key"], name="unique_raw_message_per_mailbox")
        ]
        indexes = [models.Index(fields=["state", "id"], name="raw_message_state")]

    def __str__(self):
        return f"{self.mailbox_id}:{self.folder}:{self.uid} {self.state}"


class Message(models.Model):
    """One entry of a ticket's conversation: a customer's mail, an agent's reply or a note."""

    class Kind(models.TextChoices):
        INCOMING = "incoming", _("Customer message")
        REPLY = "reply", _("Reply")
        NOTE = "note", _("Internal note")
        AUTO_REPLY = "auto_reply", _("Auto-reply")
        BOUNCE = "bounce", _("Delivery failure")

    class Delivery(models.TextChoices):
        NONE = "", _("Not applicable")
        QUEUED = "queued", _("Not sent yet")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled (undo-send)")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    raw = models.OneToOneField(
        RawMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="message"
    )
    message_id = models.CharField(max_length=998, blank=True, default="", db_index=True)
    in_reply_to = models.CharField(max_length=998, blank=True, default="")
    references = models.TextField(blank=True, default="")

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    from_name = models.CharField(max_length=255, blank=True, default="")
    from_address = models.CharField(max_length=320, blank=True, default="")
    to = models.TextField(blank=True, default="", help_text=_("Comma-separated addresses"))
    cc = models.TextField(blank=True, default="")
    bcc = models.TextField(blank=True, default="")
    subject = models.CharField(max_length=998, blank=True, default="")
    body_text = models.TextField(blank=True, default="")
    body_html = models.TextField(blank=True, default="", help_text=_("Sanitized HTML"))
    created_at = models.DateTimeField(db_index=True)

    delivery_state = models.CharField(max_length=10, choices=Delivery.choices, blank=True, default="")
    delivery_error = models.TextField(blank=True, default="")
    send_attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    send_after = models.DateTimeField(
        null=True, blank=True, help_text=_("Undo-send: the reply leaves only after this moment.")
    )
    # A sender claims a queued message by a conditional UPDATE setting these, so two workers never send it twice.
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True, default="")
    status_before = models.CharField(
        max_length=10,
        blank=True,
        default="",
        help_text=_("The ticket's status before this reply changed it; undo-send puts it back."),
    )

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["ticket", "created_at"], name="message_ticket_created"),
            models.Index(fields=["delivery_state", "next_attempt_at"], name="message_delivery"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} on #{self.ticket_id}: {self.subject}"

    @property
    def is_note(self):
        return self.kind == self.Kind.NOTE


def attachment_path(instance, filename):
    return f"attachments/{instance.message.ticket_id}/{instance.message_id}/{filename}"


class Attachment(models.Model):
    """A file that came with or was sent with a message; inline images carry their Content-ID."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=500)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=255, default="application/octet-stream")
    size = models.PositiveIntegerField(default=0)
    content_id = models.CharField(max_length=255, blank=True, default="")
    is_inline = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self):
        return self.filename
