"""The ticket list's filters (Wagtail's filter drawer): mailbox, status, assignee, tag, priority, dates.

Choices come from what the agent may see: only their mailboxes, only agents of those
mailboxes. A value outside the choices (a forged URL, a shared view naming someone else's
mailbox) makes the form invalid, and the list then shows nothing rather than everything.
"""

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from taggit.models import Tag, TaggedItem
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.utils import get_user_display_name

from inbox.models import Ticket
from inbox.permissions import mailbox_ids_for, mailboxes_for

ASSIGNEE_ME = "me"
ASSIGNEE_NOBODY = "nobody"


def agents_for(user, mailbox_ids):
    """Active users who work any of these mailboxes (members of their groups, and superusers)."""
    User = get_user_model()
    return (
        User.objects.filter(Q(groups__mailboxes__in=mailbox_ids) | Q(is_superuser=True), is_active=True)
        .distinct()
        .order_by("first_name", "last_name", User.USERNAME_FIELD)
    )


def ticket_tags():
    """Tags used on at least one ticket."""
    content_type = ContentType.objects.get_for_model(Ticket)
    used = TaggedItem.objects.filter(tag=OuterRef("pk"), content_type=content_type)
    return Tag.objects.filter(Exists(used)).order_by("name")


def tickets_tagged(slugs):
    """Ids of tickets carrying any of these tags, as a subquery."""
    return TaggedItem.objects.filter(
        content_type=ContentType.objects.get_for_model(Ticket), tag__slug__in=slugs
    ).values("object_id")


class Checkboxes(forms.CheckboxSelectMultiple):
    template_name = "inbox/list/filter_choices.html"  # same markup as Django's, without a template per choice


class RadioButtons(forms.RadioSelect):
    template_name = "inbox/list/filter_choices.html"


class TicketFilterSet(WagtailFilterSet):
    # Plain choices (set per user in __init__) rather than a model choice field: that one reads its
    # mailboxes through a server-side cursor on PostgreSQL and queries them again to validate.
    mailbox = django_filters.MultipleChoiceFilter(
        label=_("Mailbox"),
        field_name="mailbox",
        widget=Checkboxes,
        distinct=False,  # no filter here joins a many-valued relation; DISTINCT would sort every match
    )
    status = django_filters.MultipleChoiceFilter(
        label=_("Status"), choices=Ticket.Status.choices, widget=Checkboxes, distinct=False
    )
    assignee = django_filters.ChoiceFilter(
        label=_("Assignee"), method="filter_assignee", empty_label=_("Anyone"), widget=RadioButtons
    )
    tag = django_filters.MultipleChoiceFilter(
        label=_("Tag"), method="filter_tag", widget=Checkboxes, distinct=False
    )
    priority = django_filters.MultipleChoiceFilter(
        label=_("Priority"),
        choices=Ticket.Priority.choices,
        widget=Checkboxes,
        distinct=False,
    )
    created = django_filters.DateFromToRangeFilter(
        label=_("Created"), field_name="created_at", widget=DateRangePickerWidget
    )
    activity = django_filters.DateFromToRangeFilter(
        label=_("Last activity"), field_name="last_activity_at", widget=DateRangePickerWidget
    )

    class Meta:
        model = Ticket
        fields = []

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        super().__init__(data, queryset, request=request, prefix=prefix)
        user = request.user
        self.filters["mailbox"].extra["choices"] = [
            (str(pk), name) for pk, name in mailboxes_for(user).order_by("name").values_list("pk", "name")
        ]
        mailbox_ids = mailbox_ids_for(user)
        self.filters["assignee"].extra["choices"] = [
            (ASSIGNEE_ME, _("Me")),
            (ASSIGNEE_NOBODY, _("Nobody")),
            *((str(agent.pk), get_user_display_name(agent)) for agent in agents_for(user, mailbox_ids)),
        ]
        self.filters["tag"].extra["choices"] = [(tag.slug, tag.name) for tag in ticket_tags()]

    def filter_assignee(self, queryset, name, value):
        if value == ASSIGNEE_ME:
            return queryset.filter(assignee=self.request.user)
        if value == ASSIGNEE_NOBODY:
            return queryset.filter(assignee__isnull=True)
        return queryset.filter(assignee_id=int(value))

    def filter_tag(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(pk__in=tickets_tagged(value))
