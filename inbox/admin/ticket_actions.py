"""The side panel's actions on one ticket: status, priority, assignee, tags, followers.

Each view checks the ticket permission, calls the ticket service and answers with
:func:`responses.done` (JSON for the page's scripts, a redirect otherwise).
"""

from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from taggit.models import Tag
from taggit.utils import parse_tags

from inbox.models import Ticket
from inbox.permissions import ticket_for, tickets_for
from inbox.services import tickets as ticket_services
from inbox.services.status import change_status

from .responses import done
from .sidebar import agents_for_mailbox

AUTOCOMPLETE_LIMIT = 15


@require_POST
def set_status(request, pk):
    ticket = ticket_for(request.user, pk)
    status = request.POST.get("status", "")
    if status not in Ticket.Status.values:
        return done(request, ticket, error=_("“%(status)s” is not a ticket status.") % {"status": status})
    change_status(ticket, status, actor=request.user)
    label = Ticket.Status(status).label
    return done(
        request, ticket, success=_("Status set to %(status)s.") % {"status": label}, status_value=status
    )


@require_POST
def set_priority(request, pk):
    ticket = ticket_for(request.user, pk)
    try:
        priority = Ticket.Priority(int(request.POST.get("priority", "")))
    except ValueError:
        return done(request, ticket, error=_("Choose a priority: low, normal, high or urgent."))
    ticket_services.set_priority(ticket, priority, actor=request.user)
    return done(request, ticket, success=_("Priority set to %(priority)s.") % {"priority": priority.label})


@require_POST
def set_assignee(request, pk):
    """``assignee`` is a user id, ``me``, or empty for nobody; only agents of the ticket's mailbox."""
    ticket = ticket_for(request.user, pk)
    value = request.POST.get("assignee", "")
    if value == "me":
        value = str(request.user.pk)
    assignee = None
    if value:
        assignee = (
            agents_for_mailbox(ticket.mailbox).filter(pk=int(value)).first() if value.isdigit() else None
        )
        if assignee is None:
            return done(request, ticket, error=_("That person does not work this ticket's mailbox."))
    try:
        # The service notifies the new assignee.
        ticket_services.assign(ticket, assignee, actor=request.user)
    except ValidationError as exc:
        return done(request, ticket, error=" ".join(exc.messages))
    if assignee is None:
        return done(request, ticket, success=_("The ticket is unassigned."))
    name = assignee.get_full_name() or assignee.get_username()
    return done(request, ticket, success=_("Assigned to %(name)s.") % {"name": name})


@require_POST
def change_tags(request, pk):
    """``add`` (comma-separated names, as typed) and/or ``remove`` (one name per field)."""
    ticket = ticket_for(request.user, pk)
    to_add = parse_tags(request.POST.get("add", ""))
    to_remove = [name for name in request.POST.getlist("remove") if name]
    if not to_add and not to_remove:
        return done(request, ticket, error=_("Type a tag to add."))
    try:
        if to_add:
            ticket_services.add_tags(ticket, to_add, actor=request.user)
        if to_remove:
            ticket_services.remove_tags(ticket, to_remove, actor=request.user)
    except ValidationError as exc:
        return done(request, ticket, error=" ".join(exc.messages))
    tags = sorted(ticket.tags.names())
    return done(request, ticket, success=_("Tags saved."), tags=tags)


@require_GET
def tag_autocomplete(request, pk):
    """Existing tags starting with ``q``, taken from tickets this agent may see."""
    ticket_for(request.user, pk)
    query = request.GET.get("q", "").strip()
    visible = tickets_for(request.user).values("pk")
    tags = (
        Tag.objects.filter(
            taggit_taggeditem_items__content_type__model="ticket",
            taggit_taggeditem_items__content_type__app_label="inbox",
            taggit_taggeditem_items__object_id__in=visible,
            name__istartswith=query,
        )
        .distinct()
        .order_by("name")
        .values_list("name", flat=True)[:AUTOCOMPLETE_LIMIT]
    )
    return JsonResponse({"tags": list(tags)})


def set_following(ticket, user, following, actor=None):
    """Add or remove a follower, writing the audit trail; returns whether anything changed."""
    is_following = ticket.followers.filter(pk=user.pk).exists()
    if is_following == following:
        return False
    (ticket.followers.add if following else ticket.followers.remove)(user)
    name = user.get_full_name() or user.get_username()
    if following:
        ticket_services.record_event(ticket, "follower_added", "", name, actor)
    else:
        ticket_services.record_event(ticket, "follower_removed", name, "", actor)
    return True


@require_POST
def followers(request, pk):
    """``follow`` = 1/0 for oneself, or ``user`` + ``follow`` for another agent of the mailbox."""
    ticket = ticket_for(request.user, pk)
    following = request.POST.get("follow") == "1"
    user = request.user
    other = request.POST.get("user", "")
    if other:
        user = agents_for_mailbox(ticket.mailbox).filter(pk=int(other)).first() if other.isdigit() else None
        if user is None:
            return done(request, ticket, error=_("That person does not work this ticket's mailbox."))
    set_following(ticket, user, following, actor=request.user)
    name = user.get_full_name() or user.get_username()
    if following:
        return done(request, ticket, success=_("%(name)s follows this ticket.") % {"name": name})
    return done(request, ticket, success=_("%(name)s no longer follows this ticket.") % {"name": name})
