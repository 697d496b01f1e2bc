"""Agent notifications: by email and in the admin (the bell), each as the agent chose.

Three kinds: the customer replied on a ticket the agent is assigned to or follows, a ticket
was assigned to the agent, and the agent was @mentioned in a note. Nobody is notified about
their own action, nor about a ticket of a mailbox they may not see.
"""

import logging
import re

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from .models import Notification, NotificationPreference
from .permissions import tickets_for

logger = logging.getLogger(__name__)
Kind = Notification.Kind

# "@anna", "@anna.smith", "@anna_s", "@anna-s" — but not the "@" of an email address.
MENTION = re.compile(r"(?<![\w.@])@([\w.+-]*\w)")


def preferences_for(user):
    """The user's preferences; unsaved defaults (everything on) when they never chose."""
    try:
        return user.inbox_notification_preference
    except NotificationPreference.DoesNotExist:
        return NotificationPreference(user=user)


def ticket_url(ticket):
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + reverse("inbox_ticket:detail", args=[ticket.pk])


def _excerpt(message):
    if message is None:
        return ""
    text = message.body_text or strip_tags(message.body_html or "")
    return Truncator(" ".join(text.split())).chars(200)


def _subject(kind, ticket, actor):
    actor_name = (actor.get_full_name() or actor.get_username()) if actor else _("The customer")
    values = {"token": ticket.token, "subject": ticket.subject, "actor": actor_name}
    if kind == Kind.CUSTOMER_REPLIED:
        return _("%(token)s The customer replied: %(subject)s") % values
    if kind == Kind.ASSIGNED:
        return _("%(token)s %(actor)s assigned you: %(subject)s") % values
    return _("%(token)s %(actor)s mentioned you: %(subject)s") % values


def can_see(user, ticket):
    return user.is_active and tickets_for(user).filter(pk=ticket.pk).exists()


def notify(recipient, kind, ticket, *, message=None, actor=None):
    """Notify one agent as their preferences say; returns the admin Notification or None."""
    if recipient is None or (actor is not None and recipient.pk == actor.pk):
        return None
    if not can_see(recipient, ticket):
        return None
    prefs = preferences_for(recipient)
    excerpt = _excerpt(message)
    notification = None
    if prefs.wants(kind, "admin"):
        notification = Notification.objects.create(
            recipient=recipient, kind=kind, ticket=ticket, message=message, actor=actor, excerpt=excerpt
        )
    if prefs.wants(kind, "email") and recipient.email:
        body = "\n\n".join(part for part in (excerpt, ticket_url(ticket)) if part)
        try:
            send_mail(_subject(kind, ticket, actor), body, settings.DEFAULT_FROM_EMAIL, [recipient.email])
        except Exception:
            # The admin notification above still tells them; a broken relay must not stop mail intake.
            logger.exception("could not email %s notification for ticket %s", kind, ticket.pk)
    return notification


def notify_customer_replied(ticket, message):
    """The assignee and followers hear that the customer wrote again (imported history excepted)."""
    if message.raw_id and message.raw.quiet:
        return []
    recipients = {user.pk: user for user in ticket.followers.all()}
    if ticket.assignee_id:
        recipients[ticket.assignee_id] = ticket.assignee
    sent = [notify(user, Kind.CUSTOMER_REPLIED, ticket, message=message) for user in recipients.values()]
    return [item for item in sent if item]


def notify_assigned(ticket, assignee, actor=None):
    return notify(assignee, Kind.ASSIGNED, ticket, actor=actor)


def mentioned_users(ticket, text):
    """Active agents who may see ``ticket`` and whose user name is @mentioned in ``text``."""
    names = {name.lower() for name in MENTION.findall(text or "")}
    if not names:
        return []
    User = get_user_model()
    field = User.USERNAME_FIELD
    query = Q()
    for name in names:
        query |= Q(**{f"{field}__iexact": name})
    return [user for user in User.objects.filter(query, is_active=True) if can_see(user, ticket)]


def notify_mentions(message, users=None):
    """Notify every agent @mentioned in a note (``users`` if the caller found them already)."""
    if users is None:
        users = mentioned_users(message.ticket, message.body_text or strip_tags(message.body_html or ""))
    for user in users:
        notify(user, Kind.MENTIONED, message.ticket, message=message, actor=message.author)
    return users


def unread(user):
    return Notification.objects.filter(recipient=user, read_at__isnull=True)


def unread_count(user):
    if not user.is_authenticated:
        return 0
    return unread(user).count()


def mark_read(user, ids=None):
    """Mark the user's notifications (all, or those in ``ids``) as read; returns how many."""
    qs = unread(user)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())


def mark_ticket_read(user, ticket):
    """Opening a ticket reads its notifications."""
    return unread(user).filter(ticket=ticket).update(read_at=timezone.now())
