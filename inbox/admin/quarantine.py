"""Admin for mail that did not become part of a ticket (Inbox settings › Quarantine).

Lists quarantined raw messages (processing failed: the error is shown) and raw messages kept with
an explanation but linked to no ticket (a bounce of a message we never sent, mail from our own
address that answers nothing). Each can be inspected, its untouched source downloaded, and
re-processed after a fix. Only people who may manage mailboxes get here
(``inbox.permissions.can_manage_mailboxes``): raw mail may hold anything.
"""

from email.parser import BytesHeaderParser
from email.policy import compat32

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import BinaryField, Q
from django.db.models.functions import Substr
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column, DateColumn, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import HeaderButton
from wagtail.permission_policies.base import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from inbox.mail.charsets import decode_header_value
from inbox.mail.ingest import NotReprocessable, reprocess
from inbox.models import RawMessage
from inbox.permissions import can_manage_mailboxes

HEAD_BYTES = 8192


class QuarantinePermissionPolicy(ModelPermissionPolicy):
    """Mailbox managers may look at raw messages ("view"); nobody adds, edits or deletes them here."""

    def user_has_permission(self, user, action):
        return action == "view" and can_manage_mailboxes(user)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)


register_permission_policy(RawMessage, QuarantinePermissionPolicy(RawMessage))


def needs_attention():
    """Raw messages an administrator should look at: quarantined, or kept with a note but in no ticket."""
    kept_aside = Q(message__isnull=True) & ~Q(error="") & ~Q(state=RawMessage.State.PENDING)
    return RawMessage.objects.filter(Q(state=RawMessage.State.QUARANTINED) | kept_aside)


def header_values(raw_head):
    """(From, Subject) read from the first bytes of a raw message, for display."""
    head = bytes(raw_head or b"")
    end = min((pos for pos in (head.find(b"\r\n\r\n"), head.find(b"\n\n")) if pos >= 0), default=len(head))
    try:
        headers = BytesHeaderParser(policy=compat32).parsebytes(head[:end])
    except Exception:  # the listing must render even for the mail that broke the parser
        return "", ""
    return tuple(decode_header_value(str(headers.get(name) or ""))[:200] for name in ("From", "Subject"))


def _with_head(queryset):
    return queryset.defer("raw").annotate(head=Substr("raw", 1, HEAD_BYTES, output_field=BinaryField()))


def _first_line(text):
    return (text or "").strip().splitlines()[0][:200] if (text or "").strip() else ""


class QuarantineIndexView(generic.IndexView):
    page_title = _("Quarantine")
    any_permission_required = ["view"]

    def get_base_queryset(self):
        return _with_head(needs_attention().select_related("mailbox"))

    @property
    def columns(self):
        return [
            TitleColumn(
                "subject",
                label=_("Subject"),
                accessor=lambda raw: header_values(raw.head)[1] or gettext("(no subject)"),
                get_url=lambda raw: reverse("inbox_quarantine:inspect", args=[raw.pk]),
            ),
            Column("sender", label=_("From"), accessor=lambda raw: header_values(raw.head)[0]),
            Column("mailbox", label=_("Mailbox"), accessor=lambda raw: raw.mailbox.name),
            Column("state", label=_("State"), accessor="get_state_display"),
            Column("problem", label=_("Problem"), accessor=lambda raw: _first_line(raw.error)),
            Column("attempts", label=_("Attempts"), sort_key="attempts"),
            DateColumn("received_at", label=_("Received"), sort_key="received_at"),
        ]


class QuarantineDetailView(generic.InspectView):
    """One raw message: its facts, the full error, a download of the source, and "Re-process"."""

    template_name = "inbox/admin/quarantine_detail.html"
    any_permission_required = ["view"]
    fields = ["mailbox", "source", "folder", "uid", "message_id", "size", "state", "attempts", "received_at"]

    def get_object(self, queryset=None):
        return get_object_or_404(_with_head(RawMessage.objects.select_related("mailbox")), pk=self.pk)

    def get_page_title(self):
        return _("Quarantined message")

    def get_page_subtitle(self):
        return header_values(self.object.head)[1] or gettext("(no subject)")

    @property
    def header_more_buttons(self):
        return []

    def get_header_buttons(self):
        return [
            HeaderButton(
                _("Download raw source"),
                url=reverse("inbox_quarantine:source", args=[self.object.pk]),
                icon_name="download",
            )
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        sender, subject = header_values(self.object.head)
        context.update(
            sender=sender,
            subject=subject,
            linked=hasattr(self.object, "message"),
            source_url=reverse("inbox_quarantine:source", args=[self.object.pk]),
        )
        return context

    def post(self, request, *args, **kwargs):
        if not can_manage_mailboxes(request.user):
            raise PermissionDenied
        try:
            outcome = reprocess(self.object)
        except NotReprocessable as exc:
            messages.error(request, str(exc))
            return redirect("inbox_quarantine:inspect", self.object.pk)
        if outcome == "quarantined":
            messages.error(request, gettext("Re-processing failed again; the new error is shown below."))
            return redirect("inbox_quarantine:inspect", self.object.pk)
        messages.success(request, OUTCOME_MESSAGES.get(outcome, gettext("The message was processed.")))
        return redirect("inbox_quarantine:index")


OUTCOME_MESSAGES = {
    "new_ticket": _("The message was processed and opened a new ticket."),
    "reply": _("The message was processed and joined its ticket."),
    "duplicate": _("The message is a copy of one already stored; nothing was added."),
    "bounce": _("The delivery failure report was processed."),
}


def download_source(request, pk):
    """The untouched bytes as a text/plain download; never rendered inline."""
    if not can_manage_mailboxes(request.user):
        raise PermissionDenied
    raw = get_object_or_404(RawMessage, pk=pk)
    response = HttpResponse(bytes(raw.raw), content_type="text/plain")
    response["Content-Disposition"] = f'attachment; filename="raw-message-{raw.pk}.eml"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


class QuarantineViewSet(ModelViewSet):
    model = RawMessage
    icon = "warning"
    menu_label = _("Quarantine")
    url_prefix = "inbox/quarantine"
    name = "inbox_quarantine"
    add_to_admin_menu = False
    copy_view_enabled = False
    inspect_view_enabled = True
    index_view_class = QuarantineIndexView
    inspect_view_class = QuarantineDetailView
    list_filter = ["state", "mailbox"]

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("message/<int:pk>/", self.inspect_view, name="inspect"),
            path("message/<int:pk>/source/", download_source, name="source"),
        ]


quarantine_viewset = QuarantineViewSet()
