from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .message import Message
from .ticket import Ticket


class NotificationPreference(models.Model):
    """Which inbox notifications an agent gets, by email and/or in the admin.

    Edited by each agent under Account › Notifications; an agent without a row gets
    every kind both ways.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="inbox_notification_preference"
    )
    customer_replied_email = models.BooleanField(
        default=True, verbose_name=_("Email me when a customer replies to my ticket")
    )
    customer_replied_admin = models.BooleanField(
        default=True, verbose_name=_("Show in the admin when a customer replies to my ticket")
    )
    assigned_email = models.BooleanField(
        default=True, verbose_name=_("Email me when a ticket is assigned to me")
    )
    assigned_admin = models.BooleanField(
        default=True, verbose_name=_("Show in the admin when a ticket is assigned to me")
    )
    mentioned_email = models.BooleanField(
        default=True, verbose_name=_("Email me when I am mentioned in a note")
    )
    mentioned_admin = models.BooleanField(
        default=True, verbose_name=_("Show in the admin when I am mentioned in a note")
    )

    class Meta:
        verbose_name = _("inbox notification preference")
        verbose_name_plural = _("inbox notification preferences")

    def __str__(self):
        return f"notification preferences of {self.user}"

    def wants(self, kind, channel):
        """``kind`` is a Notification.Kind value, ``channel`` "email" or "admin"."""
        return getattr(self, f"{kind}_{channel}")


class Notification(models.Model):
    """An in-admin notification for one agent: listed under Notifications (the bell) in the admin menu."""

    class Kind(models.TextChoices):
        CUSTOMER_REPLIED = "customer_replied", _("Customer replied")
        ASSIGNED = "assigned", _("Assigned to you")
        MENTIONED = "mentioned", _("Mentioned you")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="inbox_notifications"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    excerpt = models.CharField(max_length=255, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.ticket_id} for {self.recipient_id}"
