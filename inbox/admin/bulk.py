"""Bulk actions of the ticket list: assign, status, add/remove tags, spam, merge, delete (with undo).

Wagtail's bulk-action framework drives them (checkboxes, footer, confirmation page). Each
one refuses the WHOLE selection when any ticket lies outside the agent's mailboxes (or no
longer exists), so nothing is half done; the work itself is in ``inbox.services.tickets``.
"""

from urllib.parse import urlencode

from django import forms
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET
from taggit.models import Tag
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.utils import get_user_display_name
from wagtail.admin.views.bulk_action import BulkAction
from wagtail.admin.views.bulk_action.registry import bulk_action_registry
from wagtail.admin.widgets import AdminTagWidget, Button, ButtonWithDropdown, ListingButton

from inbox import queries
from inbox.models import Ticket
from inbox.permissions import can_manage_mailboxes, mailboxes_for
from inbox.services import tickets as services
from inbox.services.status import change_status

from .filters import agents_for

UNDO_SALT = "inbox.undo_delete"
UNDO_MAX_AGE = 24 * 3600
VISIBLE_BUTTONS = 4
# A page holds 25 tickets; a longer list of ids is not from the list and would strain the database.
MAX_SELECTION = 500


def is_inbox_admin(user):
    return can_manage_mailboxes(user)


class TicketBulkAction(BulkAction):
    """Common ground: the selection, the all-or-nothing permission check, the confirmation page."""

    models = [Ticket]
    template_name = "inbox/list/bulk_confirm.html"
    admin_only = False
    button_text = gettext_lazy("Yes, go ahead")
    intro = ""

    def __init__(self, request, model):
        super().__init__(request, model)
        if self.next_url == request.path:  # no (safe) ?next=: go back to the inbox, not to this page
            self.next_url = reverse("inbox_tickets:index")

    @classmethod
    def allowed_for(cls, user):
        return not cls.admin_only or is_inbox_admin(user)

    @cached_property
    def selection(self):
        """(tickets, problem): the selected tickets, or a message saying why none may be touched."""
        raw_ids = self.request.GET.getlist("id")
        if not raw_ids:
            return [], _("Select at least one ticket.")
        if not all(value.isdigit() for value in raw_ids):
            return [], _("Selecting every ticket of the listing is not supported; select them on the page.")
        wanted = {int(value) for value in raw_ids}
        if len(wanted) > MAX_SELECTION:
            return [], _("Select at most %(count)d tickets at once.") % {"count": MAX_SELECTION}
        tickets = list(
            queries.visible_tickets(self.request.user)
            .filter(pk__in=wanted)
            .select_related("mailbox", "customer", "assignee")
            .order_by("created_at", "pk")
        )
        missing = len(wanted) - len(tickets)
        if missing:
            return [], ngettext(
                "Nothing was changed: %(count)d of the selected tickets is not in a mailbox you work "
                "(or no longer exists).",
                "Nothing was changed: %(count)d of the selected tickets are not in a mailbox you work "
                "(or no longer exist).",
                missing,
            ) % {"count": missing}
        return tickets, None

    def dispatch(self, request, *args, **kwargs):
        if not self.allowed_for(request.user):
            messages.error(request, _("Only administrators may do that."))
            return redirect(self.next_url)
        tickets, problem = self.selection
        if problem:
            messages.error(request, problem)
            return redirect(self.next_url)
        return super().dispatch(request, *args, **kwargs)

    def get_actionable_objects(self):
        return self.selection[0], {"items_with_no_access": []}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), **self.form_extra_kwargs()}

    def form_extra_kwargs(self):
        return {}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            {
                "action": self,
                "tickets": self.selection[0],
                "action_button_text": self.button_text,
                "header_icon": "mail",
            }
        )
        return context

    def form_valid(self, form):
        self.cleaned_form = form
        tickets = self.selection[0]
        try:
            with transaction.atomic():
                message = self.perform(tickets, form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        queries.forget_menu_state(self.request.user)
        if message:
            messages.success(self.request, message, buttons=self.success_buttons())
        return redirect(self.next_url)

    def success_buttons(self):
        return None

    def perform(self, tickets, data):
        raise NotImplementedError

    @classmethod
    def execute_action(cls, objects, **kwargs):  # the framework's hook; perform() does the work
        raise NotImplementedError

    def counted(self, singular, plural, count):
        return ngettext(singular, plural, count) % {"count": count}


class AssignForm(forms.Form):
    assignee = forms.ChoiceField(label=gettext_lazy("Assign to"))

    def __init__(self, *args, agents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.agents = {str(agent.pk): agent for agent in agents}
        self.fields["assignee"].choices = [
            ("", _("Nobody (unassign)")),
            *((pk, get_user_display_name(agent)) for pk, agent in self.agents.items()),
        ]
        self.fields["assignee"].required = False


class AssignBulkAction(TicketBulkAction):
    display_name = gettext_lazy("Assign")
    action_type = "assign"
    aria_label = gettext_lazy("Assign the selected tickets")
    action_priority = 10
    form_class = AssignForm
    button_text = gettext_lazy("Assign")
    intro = gettext_lazy("Only agents who work the mailboxes of every selected ticket are listed.")

    def form_extra_kwargs(self):
        tickets = self.selection[0]
        agents = None
        for mailbox_id in {ticket.mailbox_id for ticket in tickets}:
            these = {agent.pk: agent for agent in agents_for(self.request.user, [mailbox_id])}
            agents = these if agents is None else {pk: a for pk, a in agents.items() if pk in these}
        return {"agents": list((agents or {}).values())}

    def perform(self, tickets, data):
        assignee = self.cleaned_form.agents.get(data["assignee"]) if data["assignee"] else None
        changed = sum(services.assign(ticket, assignee, actor=self.request.user) for ticket in tickets)
        return self.counted("%(count)d ticket assigned.", "%(count)d tickets assigned.", changed)


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("New status"),
        choices=[(value, label) for value, label in Ticket.Status.choices if value != Ticket.Status.SPAM],
        widget=forms.RadioSelect,
    )


class StatusBulkAction(TicketBulkAction):
    display_name = gettext_lazy("Change status")
    action_type = "status"
    aria_label = gettext_lazy("Change the status of the selected tickets")
    action_priority = 20
    form_class = StatusForm
    button_text = gettext_lazy("Change status")

    def perform(self, tickets, data):
        changed = sum(change_status(ticket, data["status"], actor=self.request.user) for ticket in tickets)
        return self.counted("%(count)d ticket changed.", "%(count)d tickets changed.", changed)


class AddTagsForm(forms.Form):
    tags = forms.CharField(
        label=gettext_lazy("Tags to add"),
        widget=AdminTagWidget,
        help_text=gettext_lazy("Separate tags with commas."),
    )

    def clean_tags(self):
        names = services.clean_tag_names(self.cleaned_data["tags"])
        if not names:
            raise ValidationError(_("Enter at least one tag."))
        return names


class AddTagsBulkAction(TicketBulkAction):
    display_name = gettext_lazy("Add tags")
    action_type = "add_tags"
    aria_label = gettext_lazy("Add tags to the selected tickets")
    action_priority = 30
    form_class = AddTagsForm
    button_text = gettext_lazy("Add tags")

    def perform(self, tickets, data):
        user = self.request.user
        changed = sum(bool(services.add_tags(ticket, data["tags"], actor=user)) for ticket in tickets)
        return self.counted("Tags added to %(count)d ticket.", "Tags added to %(count)d tickets.", changed)


class RemoveTagsForm(forms.Form):
    tags = forms.MultipleChoiceField(
        label=gettext_lazy("Tags to remove"), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, tag_names=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tags"].choices = [(name, name) for name in tag_names]


class RemoveTagsBulkAction(TicketBulkAction):
    display_name = gettext_lazy("Remove tags")
    action_type = "remove_tags"
    aria_label = gettext_lazy("Remove tags from the selected tickets")
    action_priority = 40
    form_class = RemoveTagsForm
    button_text = gettext_lazy("Remove tags")

    def form_extra_kwargs(self):
        names = Tag.objects.filter(
            taggit_taggeditem_items__content_type=ContentType.objects.get_for_model(Ticket),
            taggit_taggeditem_items__object_id__in=[ticket.pk for ticket in self.selection[0]],
        )
        return {"tag_names": list(names.order_by("name").values_list("name", flat=True).distinct())}

    def perform(self, tickets, data):
        changed = sum(
            bool(services.remove_tags(ticket, data["tags"], actor=self.request.user)) for ticket in tickets
        )
        return self.counted(
            "Tags removed from %(count)d ticket.", "Tags removed from %(count)d tickets.", changed
        )


class SpamBulkAction(TicketBulkAction):
    display_name = gettext_lazy("Mark as spam")
    action_type = "spam"
    aria_label = gettext_lazy("Mark the selected tickets as spam")
    action_priority = 50
    button_text = gettext_lazy("Yes, mark as spam")
    intro = gettext_lazy("Spam tickets leave every folder except Spam.")

    def perform(self, tickets, data):
        changed = sum(bool(services.mark_spam(ticket, actor=self.request.user)) for ticket in tickets)
        return self.counted("%(count)d ticket marked as spam.", "%(count)d tickets marked as spam.", changed)


class MergeBulkAction(TicketBulkAction):
    display_name = gettext_lazy("Merge")
    action_type = "merge"
    aria_label = gettext_lazy("Merge the selected tickets into one")
    action_priority = 60
    button_text = gettext_lazy("Yes, merge")
    intro = gettext_lazy(
        "Every message moves into the oldest ticket, listed first; the others then lead to it "
        "and leave the lists."
    )

    def perform(self, tickets, data):
        target = services.merge_tickets(tickets, actor=self.request.user)
        return _("%(count)d tickets merged into %(token)s.") % {"count": len(tickets), "token": target.token}


class DeleteBulkAction(TicketBulkAction):
    display_name = gettext_lazy("Delete")
    action_type = "delete"
    aria_label = gettext_lazy("Delete the selected tickets")
    action_priority = 70
    classes = {"serious"}
    admin_only = True
    button_text = gettext_lazy("Yes, delete")
    intro = gettext_lazy("Deleted tickets disappear from lists and search; you can undo this for a day.")

    def perform(self, tickets, data):
        self.deleted_ids = services.soft_delete(tickets, actor=self.request.user)
        return self.counted("%(count)d ticket deleted.", "%(count)d tickets deleted.", len(self.deleted_ids))

    def success_buttons(self):
        token = signing.dumps({"ids": self.deleted_ids, "user": self.request.user.pk}, salt=UNDO_SALT)
        url = reverse("inbox_tickets:undo_delete") + "?" + urlencode({"token": token})
        return [messages.button(url, _("Undo"))]


ACTIONS = [
    AssignBulkAction,
    StatusBulkAction,
    AddTagsBulkAction,
    RemoveTagsBulkAction,
    SpamBulkAction,
    MergeBulkAction,
    DeleteBulkAction,
]
for _action in ACTIONS:
    hooks.register("register_bulk_action", _action)


def bulk_buttons(user):
    """The footer's buttons: every bulk action registered for tickets (plugins' too), minus those
    this user may not take (delete is for administrators)."""
    registered = bulk_action_registry.get_bulk_actions_for_model("inbox", "ticket")
    allowed = (a for a in registered if not hasattr(a, "allowed_for") or a.allowed_for(user))
    actions = sorted(allowed, key=lambda a: a.action_priority)

    def url(action):
        return reverse("wagtail_bulk_action", args=["inbox", "ticket", action.action_type])

    buttons = [
        ListingButton(
            action.display_name,
            url(action),
            attrs={"aria-label": action.aria_label, "data-bulk-action-button": ""},
            priority=action.action_priority,
            classname=" ".join(action.classes | {"bulk-action-btn"}),
        )
        for action in actions[:VISIBLE_BUTTONS]
    ]
    more = actions[VISIBLE_BUTTONS:]
    if more:
        buttons.append(
            ButtonWithDropdown(
                label=_("More"),
                attrs={"title": _("More bulk actions")},
                classname="button button-secondary button-small",
                buttons=[
                    Button(
                        label=action.display_name,
                        url=url(action),
                        attrs={"aria-label": action.aria_label, "data-bulk-action-button": ""},
                        priority=action.action_priority,
                    )
                    for action in more
                ],
            )
        )
    return buttons


@require_GET
def undo_delete_view(request):
    """The "Undo" link of the delete message: a signed, per-user token naming the deleted tickets."""
    list_url = reverse("inbox_tickets:index")
    try:
        payload = signing.loads(request.GET.get("token", ""), salt=UNDO_SALT, max_age=UNDO_MAX_AGE)
    except signing.SignatureExpired:
        messages.error(request, _("This undo link has expired; ask an administrator to restore the tickets."))
        return redirect(list_url)
    except signing.BadSignature:
        messages.error(request, _("This undo link is not valid."))
        return redirect(list_url)
    if payload.get("user") != request.user.pk or not is_inbox_admin(request.user):
        raise PermissionDenied
    ids = list(
        Ticket.objects.filter(
            pk__in=payload.get("ids", []), mailbox__in=mailboxes_for(request.user)
        ).values_list("pk", flat=True)
    )
    restored = services.undo_delete(ids, actor=request.user)
    queries.forget_menu_state(request.user)
    message = ngettext("%(count)d ticket restored.", "%(count)d tickets restored.", restored)
    messages.success(request, message % {"count": restored})
    return redirect(list_url)
