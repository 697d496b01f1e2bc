"""The composer tool endpoint: search saved replies for a ticket, and fetch one filled in."""

from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from inbox.permissions import ticket_for

from . import services


@require_GET
def composer_tool(request, ticket_id):
    """``?q=text`` lists matching replies; ``?id=N`` returns one reply's HTML for this ticket."""
    try:
        ticket = ticket_for(request.user, ticket_id)
    except PermissionDenied:
        # A plain 403 for the composer's fetch(), not Wagtail's redirect to the dashboard.
        return JsonResponse({"error": _("You do not work the mailbox of this ticket.")}, status=403)
    reply_id = request.GET.get("id")
    if reply_id is None:
        replies = services.search_replies(request.user, ticket, request.GET.get("q", ""))
        items = [{"id": r.pk, "title": r.title, "preview": services.preview(r)} for r in replies]
        return JsonResponse({"items": items})

    reply = None
    if reply_id.isdigit():
        reply = services.replies_for_ticket(request.user, ticket).filter(pk=int(reply_id)).first()
    if reply is None:
        return JsonResponse(
            {"error": _("This saved reply does not exist or is not available in this mailbox.")}, status=404
        )
    html, missing = services.render_for_ticket(reply, ticket, request.user)
    services.record_use(reply)
    return JsonResponse({"html": html, "title": reply.title, "missing": [f"{{{name}}}" for name in missing]})
