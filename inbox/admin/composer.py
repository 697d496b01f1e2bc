"""The reply composer's endpoints: send a reply or add a note, undo, resend, and draft autosave.

A reply is *held* (HTTP 409, nothing sent) when a customer message or another agent's reply
arrived after the last message the agent's page had loaded; the page shows it and the agent
sends again with the newer ``last_seen_message_id``. Whatever was written is kept as a draft.
"""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.utils.html import strip_tags
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from inbox import notifications, presence
from inbox.mail.html import sanitize_html
from inbox.models import Draft, Message, Ticket
from inbox.permissions import ticket_for
from inbox.services import replies

from .conversation import build_conversation
from .responses import done

UNDO_SECONDS = 10
MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024
ADDRESS_SEPARATORS = re.compile(r"[,;\s]+")

SET_STATUS_CHOICES = [
    ("", gettext_lazy("Leave the status")),
    (Ticket.Status.CLOSED, gettext_lazy("Close")),
    (Ticket.Status.PENDING, gettext_lazy("Set pending")),
]


def split_addresses(value):
    return [address for address in ADDRESS_SEPARATORS.split(value or "") if address]


def clean_addresses(value):
    addresses = split_addresses(value)
    for address in addresses:
        try:
            validate_email(address)
        except ValidationError:
            raise ValidationError(_("“%(address)s” is not a valid email address.") % {"address": address})
    return addresses


def clean_composer_html(html):
    """What the editor sent, sanitized like mail (drafts are rendered back into the page)."""
    return sanitize_html(html or "")


def has_text(html):
    return bool(strip_tags(html or "").replace("&nbsp;", " ").strip()) or "<img" in (html or "")


class ComposerForm(forms.Form):
    mode = forms.ChoiceField(choices=Draft.Kind.choices)
    body_html = forms.CharField(required=False)
    cc = forms.CharField(required=False, label=gettext_lazy("Cc"))
    bcc = forms.CharField(required=False, label=gettext_lazy("Bcc"))
    set_status = forms.ChoiceField(choices=SET_STATUS_CHOICES, required=False)
    last_seen_message_id = forms.IntegerField(min_value=0, required=False)

    def __init__(self, *args, files=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.uploads = files.getlist("attachments") if files is not None else []

    def clean_body_html(self):
        return clean_composer_html(self.cleaned_data["body_html"])

    def clean_cc(self):
        return clean_addresses(self.cleaned_data["cc"])

    def clean_bcc(self):
        return clean_addresses(self.cleaned_data["bcc"])

    def clean(self):
        cleaned = super().clean()
        too_big = [upload.name for upload in self.uploads if upload.size > MAX_ATTACHMENT_BYTES]
        if too_big:
            raise ValidationError(
                _("Too large to send (over %(mb)d MB): %(names)s")
                % {"mb": MAX_ATTACHMENT_BYTES // (1024 * 1024), "names": ", ".join(too_big)}
            )
        if "body_html" in cleaned and not has_text(cleaned["body_html"]) and not self.uploads:
            raise ValidationError(_("Write something (or attach a file) before sending."))
        return cleaned

    def first_error(self):
        """The first problem, naming the address field it is about ("Cc: “x” is not a valid …")."""
        for field, errors in self.errors.items():
            if field in ("cc", "bcc"):
                return f"{self.fields[field].label}: {errors[0]}"
            return errors[0]
        return ""


def save_draft(ticket, user, mode, body_html="", cc="", bcc=""):
    """Keep what the agent wrote; an empty composer deletes the draft."""
    body_html = clean_composer_html(body_html)
    if not has_text(body_html) and not cc.strip() and not bcc.strip():
        Draft.objects.filter(ticket=ticket, author=user, kind=mode).delete()
        return None
    draft, _created = Draft.objects.update_or_create(
        ticket=ticket, author=user, kind=mode, defaults={"body_html": body_html, "cc": cc, "bcc": bcc}
    )
    return draft


def drafts_for(ticket, user):
    return {draft.kind: draft for draft in Draft.objects.filter(ticket=ticket, author=user)}


def render_new_messages(request, ticket, new_messages):
    shown = build_conversation(ticket, request.user, new_messages)
    return render_to_string(
        "inbox/ticket/_messages.html", {"shown_messages": shown, "ticket": ticket}, request
    )


def _held(request, ticket, form, held):
    save_draft(
        ticket,
        request.user,
        Draft.Kind.REPLY,
        form.cleaned_data["body_html"],
        request.POST.get("cc", ""),
        request.POST.get("bcc", ""),
    )
    return done(
        request,
        ticket,
        error=str(held),
        status=409,
        held=True,
        latest_message_id=held.latest_id,
        html=render_new_messages(request, ticket, held.new_messages),
    )


@require_POST
def send(request, pk):
    """Send a reply (held if the agent missed a new message) or add an internal note."""
    ticket = ticket_for(request.user, pk)
    form = ComposerForm(request.POST, files=request.FILES)
    if not form.is_valid():
        return done(request, ticket, error=form.first_error())
    data = form.cleaned_data
    if data["mode"] == Draft.Kind.NOTE:
        try:
            note = replies.create_note(
                ticket, request.user, body_html=data["body_html"], attachments=form.uploads
            )
        except ValidationError as exc:
            return done(request, ticket, error=" ".join(exc.messages))
        notifications.notify_mentions(note, note.mentioned_users)
        Draft.objects.filter(ticket=ticket, author=request.user, kind=Draft.Kind.NOTE).delete()
        return done(request, ticket, success=_("Note added."), message_id=note.pk)

    try:
        presence.check_send_allowed(ticket, request.user, data["last_seen_message_id"] or 0)
    except presence.SendHeld as held:
        return _held(request, ticket, form, held)
    try:
        message = replies.create_reply(
            ticket,
            request.user,
            body_html=data["body_html"],
            cc=data["cc"],
            bcc=data["bcc"],
            attachments=form.uploads,
            set_status=data["set_status"] or None,
            undo_seconds=UNDO_SECONDS,
        )
    except ValidationError as exc:
        return done(request, ticket, error=" ".join(exc.messages))
    Draft.objects.filter(ticket=ticket, author=request.user, kind=Draft.Kind.REPLY).delete()
    return done(
        request,
        ticket,
        success=_("Reply queued: it leaves in %(seconds)d seconds unless you undo it.")
        % {"seconds": UNDO_SECONDS},
        message_id=message.pk,
        undo_seconds=UNDO_SECONDS,
    )


def _own_message(request, pk, message_id):
    ticket = ticket_for(request.user, pk)
    return ticket, get_object_or_404(Message, pk=message_id, ticket=ticket)


@require_POST
def undo(request, pk, message_id):
    """Take back a reply still inside its undo window; its text goes back into the composer."""
    ticket, message = _own_message(request, pk, message_id)
    try:
        replies.undo_reply(message, request.user)
    except replies.UndoError as exc:
        return done(request, ticket, error=str(exc), status=409)
    save_draft(ticket, request.user, Draft.Kind.REPLY, message.body_html, message.cc, message.bcc)
    return done(request, ticket, success=_("Reply not sent: it is back in the composer."))


@require_POST
def resend(request, pk, message_id):
    ticket, message = _own_message(request, pk, message_id)
    try:
        replies.resend(message, request.user)
    except replies.ResendError as exc:
        return done(request, ticket, error=str(exc), status=409)
    return done(request, ticket, success=_("The reply will be sent again."))


@require_http_methods(["GET", "POST"])
def draft(request, pk):
    """GET: the agent's drafts on this ticket. POST: autosave one (mode, body_html, cc, bcc)."""
    ticket = ticket_for(request.user, pk)
    if request.method == "POST":
        mode = request.POST.get("mode", Draft.Kind.REPLY)
        if mode not in Draft.Kind.values:
            return JsonResponse({"ok": False, "error": _("Unknown composer mode.")}, status=400)
        saved = save_draft(
            ticket,
            request.user,
            mode,
            request.POST.get("body_html", ""),
            request.POST.get("cc", ""),
            request.POST.get("bcc", ""),
        )
        return JsonResponse(
            {"ok": True, "saved": saved is not None, "updated_at": saved and saved.updated_at}
        )
    drafts = {
        kind: {"body_html": d.body_html, "cc": d.cc, "bcc": d.bcc, "updated_at": d.updated_at}
        for kind, d in drafts_for(ticket, request.user).items()
    }
    return JsonResponse({"drafts": drafts})
