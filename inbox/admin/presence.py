"""The ticket page's presence poll: report "viewing"/"typing", learn who else is here and what arrived."""

from django.http import JsonResponse
from django.views.decorators.http import require_POST

from inbox import presence
from inbox.permissions import ticket_for

from .composer import render_new_messages


def _int(value):
    try:
        return max(int(value), 0)
    except (TypeError, ValueError):
        return 0


@require_POST
def poll(request, pk):
    """``state`` (viewing/typing) and ``last_seen_message_id`` in; others present and new messages out."""
    ticket = ticket_for(request.user, pk)
    state = request.POST.get("state", presence.VIEWING)
    if state not in presence.STATES:
        return JsonResponse({"ok": False, "error": f"unknown state {state!r}"}, status=400)
    others = presence.report(ticket.pk, request.user, state)
    new_messages = list(
        presence.new_messages_since(ticket, request.user, _int(request.POST.get("last_seen")))
    )
    return JsonResponse(
        {
            "ok": True,
            "others": [{"name": o["name"], "state": o["state"], "text": o["text"]} for o in others],
            "new_messages": [m.pk for m in new_messages],
            "latest_message_id": max((m.pk for m in new_messages), default=0),
            "html": render_new_messages(request, ticket, new_messages) if new_messages else "",
        }
    )


@require_POST
def leave(request, pk):
    ticket = ticket_for(request.user, pk)
    presence.leave(ticket.pk, request.user)
    return JsonResponse({"ok": True})
