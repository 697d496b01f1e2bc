"""What an agent may see of saved replies, searching them, and rendering one for a ticket."""

import html
import re

from django.db.models import Case, F, IntegerField, Q, Value, When
from django.utils.html import strip_tags
from django.utils.text import Truncator
from wagtail.rich_text import expand_db_html

from inbox.permissions import mailbox_ids_for

from . import placeholders
from .models import SavedReply

SEARCH_LIMIT = 20
PREVIEW_CHARS = 120
# Block ends become spaces in the preview, so "<p>a</p><p>b</p>" reads "a b", not "ab".
BLOCK_END = re.compile(r"<(?:br|hr|/p|/li|/h\d|/div|/blockquote)\b[^>]*>", re.IGNORECASE)


def replies_for_ticket(user, ticket):
    """Replies offered in ``ticket``'s composer to ``user``: shared or their own, for every mailbox
    or the ticket's. (Other agents' personal replies stay private, even from administrators.)"""
    return SavedReply.objects.filter(
        Q(owner__isnull=True) | Q(owner=user),
        Q(mailbox__isnull=True) | Q(mailbox_id=ticket.mailbox_id),
    )


def manageable_replies(user):
    """Replies ``user`` may list and edit in the admin: administrators see all; an agent sees the
    shared replies of their mailboxes and their own."""
    qs = SavedReply.objects.all()
    if user.is_superuser:
        return qs
    return qs.filter(
        Q(owner__isnull=True) | Q(owner=user),
        Q(mailbox__isnull=True) | Q(mailbox_id__in=mailbox_ids_for(user)),
    )


def can_manage(user, reply):
    return manageable_replies(user).filter(pk=reply.pk).exists()


def search_replies(user, ticket, query="", limit=SEARCH_LIMIT):
    """Replies for the composer whose title or text contains ``query``; title matches first,
    then the most used."""
    qs = replies_for_ticket(user, ticket)
    query = query.strip()
    if query:
        qs = qs.filter(Q(title__icontains=query) | Q(body__icontains=query)).annotate(
            title_match=Case(
                When(title__icontains=query, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        qs = qs.order_by("title_match", "-usage_count", "title")
    else:
        qs = qs.order_by("-usage_count", "title")
    return list(qs[:limit])


def preview(reply):
    text = " ".join(html.unescape(strip_tags(BLOCK_END.sub(" ", reply.body))).split())
    return Truncator(text).chars(PREVIEW_CHARS)


def render_for_ticket(reply, ticket, agent):
    """The reply's HTML ready to insert, and the placeholder names left unfilled."""
    return placeholders.fill(expand_db_html(reply.body), ticket, agent)


def record_use(reply):
    SavedReply.objects.filter(pk=reply.pk).update(usage_count=F("usage_count") + 1)
