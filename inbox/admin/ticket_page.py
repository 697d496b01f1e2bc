"""The agents' ticket page: conversation, composer and side panel, with its admin URLs and hooks.

URLs live under ``/admin/inbox/ticket/`` in the ``inbox_ticket`` namespace; the page is
``inbox_ticket:detail`` with the ticket's pk. Every view here and in the modules it wires
asks :func:`inbox.permissions.ticket_for` first, so an agent of another mailbox gets a 403.
"""

from django.contrib import messages
from django.db.models import Q
from django.shortcuts import redirect
from django.urls import NoReverseMatch, include, path, reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin.views.generic import WagtailAdminTemplateMixin

from helpdesk_site.plugins import apply_filters
from inbox import notifications
from inbox.hookspecs import COMPOSER_TOOLS, CUSTOMER_REPLIED
from inbox.mail.compose import signature_parts
from inbox.models import Draft, Message, Ticket
from inbox.permissions import ticket_for, tickets_for
from inbox.plugin_api import ComposerTool
from inbox.queries import mark_seen

from . import attachments, composer, presence, sidebar, ticket_actions
from .composer import UNDO_SECONDS, drafts_for
from .conversation import build_conversation, conversation_queryset
from .responses import refuse_with_403

LIST_SESSION_KEY = "inbox.ticket_list"
LIST_REMEMBERED = 500
PRESENCE_INTERVAL_MS = 3000
PANEL_TIMEOUT_MS = 8000


def remember_ticket_list(request, ticket_ids):
    """Called by a ticket list view: "next ticket" on the ticket page follows this order."""
    request.session[LIST_SESSION_KEY] = [int(pk) for pk in list(ticket_ids)[:LIST_REMEMBERED]]


def js_strings():
    """What the page's script says, translated here (the admin's JS catalog only covers Wagtail)."""
    return {
        "draft_saved": _("Draft saved"),
        "draft_not_saved": _("Draft not saved: the server could not be reached."),
        "sending": _("Sending…"),
        "refused": _("The server refused the message."),
        "unreachable": _("Not sent: the server could not be reached. Your text is kept; try again."),
        "searching": _("Searching…"),
        "nothing_found": _("Nothing found."),
        "fill_in": _("Fill in by hand: %(names)s"),
        "panel_failed": _("%(title)s: could not be loaded (%(reason)s)"),
        "panel_timeout": _("no answer within %(seconds)s s"),
        "network_error": _("network error"),
        "held_title": _("New message while you were writing"),
        "held_text": _("Sending is held until you have read it."),
        "new_title": _("New message on this ticket"),
        "new_text": _("It arrived after you opened the page."),
    }


def composer_tools(ticket, request):
    tools = apply_filters(COMPOSER_TOOLS, [], ticket, request)
    valid = [tool for tool in tools or [] if isinstance(tool, ComposerTool)]
    return sorted(valid, key=lambda tool: (tool.order, tool.label))


def inbox_list_url():
    try:
        return reverse("inbox_tickets:index")
    except NoReverseMatch:  # the list screens are not installed
        return ""


class TicketPageView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "inbox/ticket/page.html"
    header_icon = "mail"

    def dispatch(self, request, pk):
        queryset = tickets_for(request.user).select_related("mailbox", "customer", "assignee")
        self.ticket = ticket_for(request.user, pk, queryset=queryset)
        return super().dispatch(request, pk)

    def get_page_title(self):
        return f"{self.ticket.token} {self.ticket.subject or _('(no subject)')}"

    def get_breadcrumbs_items(self):
        items = list(super().get_breadcrumbs_items())
        list_url = inbox_list_url()
        if list_url:
            items.append({"url": list_url, "label": _("Inbox")})
        return items + [{"url": "", "label": self.get_page_title()}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        ticket, request = self.ticket, self.request
        conversation = list(conversation_queryset(ticket))
        drafts = drafts_for(ticket, request.user)
        merged_into = None
        if ticket.merged_into_id:
            merged_into = tickets_for(request.user).filter(pk=ticket.merged_into_id).first()
        context.update(sidebar.sidebar_context(request, ticket))
        addresses = context["customer_addresses"]
        # Where the reply goes: the address the customer last wrote from (as the reply service decides).
        incoming = [m for m in conversation if m.kind == Message.Kind.INCOMING and m.from_address]
        reply_to = incoming[-1].from_address if incoming else (addresses[0].address if addresses else "")
        context.update(
            ticket=ticket,
            reply_to=reply_to,
            merged_into=merged_into,
            shown_messages=build_conversation(ticket, request.user, conversation),
            last_message_id=max((m.pk for m in conversation), default=0),
            reply_draft=drafts.get(Draft.Kind.REPLY),
            note_draft=drafts.get(Draft.Kind.NOTE),
            composer_tools=composer_tools(ticket, request),
            signature_html=mark_safe(signature_parts(ticket.mailbox)[0]),  # noqa: S308 - sanitized there
            status_choices=Ticket.Status.choices,
            priority_choices=Ticket.Priority.choices,
            undo_seconds=UNDO_SECONDS,
            js_strings=js_strings(),
            presence_interval_ms=PRESENCE_INTERVAL_MS,
            panel_timeout_ms=PANEL_TIMEOUT_MS,
            is_following=any(f.pk == request.user.pk for f in context["followers"]),
        )
        return context

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        mark_seen(request.user, self.ticket)
        notifications.mark_ticket_read(request.user, self.ticket)
        return response


def _neighbour_in_list(request, ticket, step):
    ids = request.session.get(LIST_SESSION_KEY) or []
    if ticket.pk not in ids:
        return None
    position = ids.index(ticket.pk) + step
    visible = tickets_for(request.user)
    while 0 <= position < len(ids):
        if visible.filter(pk=ids[position]).exists():
            return ids[position]
        position += step
    return None


def _neighbour_open_ticket(request, ticket, step):
    """The next older (or, going back, newer) open ticket by last activity."""
    open_tickets = tickets_for(request.user).filter(status=Ticket.Status.OPEN).exclude(pk=ticket.pk)
    at, pk = ticket.last_activity_at, ticket.pk
    if step > 0:
        older = Q(last_activity_at__lt=at) | Q(last_activity_at=at, pk__lt=pk)
        found = open_tickets.filter(older).order_by("-last_activity_at", "-pk").first()
        found = found or open_tickets.order_by("-last_activity_at", "-pk").first()
    else:
        newer = Q(last_activity_at__gt=at) | Q(last_activity_at=at, pk__gt=pk)
        found = open_tickets.filter(newer).order_by("last_activity_at", "pk").first()
        found = found or open_tickets.order_by("last_activity_at", "pk").first()
    return found.pk if found else None


@require_GET
def next_ticket(request, pk):
    """``?back=1`` goes to the previous one. Follows the list the agent came from, else open tickets."""
    ticket = ticket_for(request.user, pk)
    step = -1 if request.GET.get("back") == "1" else 1
    target = _neighbour_in_list(request, ticket, step) or _neighbour_open_ticket(request, ticket, step)
    if target is None:
        messages.info(request, _("There is no other open ticket."))
        return redirect("inbox_ticket:detail", ticket.pk)
    return redirect("inbox_ticket:detail", target)


def ticket_urls():
    views = [
        ("", TicketPageView.as_view(), "detail"),
        ("next/", next_ticket, "next"),
        ("send/", composer.send, "send"),
        ("draft/", composer.draft, "draft"),
        ("messages/<int:message_id>/undo/", composer.undo, "undo"),
        ("messages/<int:message_id>/resend/", composer.resend, "resend"),
        ("presence/", presence.poll, "presence"),
        ("presence/leave/", presence.leave, "presence_leave"),
        ("attachments/<int:attachment_id>/", attachments.download, "attachment"),
        ("status/", ticket_actions.set_status, "status"),
        ("priority/", ticket_actions.set_priority, "priority"),
        ("assignee/", ticket_actions.set_assignee, "assignee"),
        ("tags/", ticket_actions.change_tags, "tags"),
        ("tags/autocomplete/", ticket_actions.tag_autocomplete, "tag_autocomplete"),
        ("followers/", ticket_actions.followers, "followers"),
        ("customer-notes/", sidebar.customer_notes, "customer_notes"),
    ]
    return [path(f"<int:pk>/{route}", refuse_with_403(view), name=name) for route, view, name in views]


@hooks.register("register_admin_urls")
def register_ticket_page_urls():
    return [path("inbox/ticket/", include((ticket_urls(), "inbox_ticket"), namespace="inbox_ticket"))]


@hooks.register(CUSTOMER_REPLIED)
def notify_on_customer_reply(ticket, message):
    # The inbox is core: this hook is never filtered out by plugin activation.
    notifications.notify_customer_replied(ticket, message)
