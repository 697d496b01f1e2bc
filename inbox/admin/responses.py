"""One way for ticket page actions to answer: JSON to the page's scripts, a redirect otherwise."""

from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

NOT_YOURS = _("This ticket does not exist or belongs to a mailbox you do not work.")


def wants_json(request):
    return "application/json" in request.headers.get("Accept", "")


def done(request, ticket, *, success=None, error=None, status=None, **data):
    """Answer an action on ``ticket``: ``error`` (with a 400 unless ``status``) or ``success``."""
    if wants_json(request):
        payload = {"ok": error is None, **data}
        if error is not None:
            payload["error"] = str(error)
        if success is not None:
            payload["message"] = str(success)
        return JsonResponse(payload, status=status or (400 if error is not None else 200))
    if error is not None:
        messages.error(request, error)
    elif success is not None:
        messages.success(request, success)
    return redirect("inbox_ticket:detail", ticket.pk)


def refuse_with_403(view):
    """A 403 (not Wagtail's redirect to the dashboard) when the agent may not work the ticket."""

    @wraps(view)
    def guarded(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied:
            if wants_json(request):
                return JsonResponse({"ok": False, "error": str(NOT_YOURS)}, status=403)
            return TemplateResponse(request, "inbox/ticket/forbidden.html", {"reason": NOT_YOURS}, status=403)

    return guarded
