"""Admin for mailboxes (Inbox settings › Mailboxes): list, add, edit, "Test connection".

Only people who may manage mailboxes (``inbox.permissions.can_manage_mailboxes``) get here.
Passwords are write-only: the form never renders a stored password, and leaving a password
field blank keeps the stored one.
"""

from django import forms
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import View
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList, TabbedInterface
from wagtail.admin.ui.tables import BooleanColumn, Column, DateColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import HeaderButton
from wagtail.admin.widgets.button import MenuItem as ListingMenuItem

from inbox.mail.connection import check_imap
from inbox.models import Mailbox
from inbox.permissions import can_manage_mailboxes

from .quarantine import quarantine_viewset  # the quarantine screen: failed and unmatched mail

PASSWORD_FIELDS = ("imap_password", "smtp_password")


class MailboxForm(WagtailAdminModelForm):
    """The mailbox form; its password fields never show the stored value and blank keeps it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in PASSWORD_FIELDS:
            field = self.fields[name]
            field.widget = forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"})
            field.required = False
            field.initial = ""
            self.initial.pop(name, None)  # never put the stored password into the page
            if self.instance.pk and getattr(self.instance, name):
                field.help_text = _("A password is stored. Leave blank to keep it, or type a new one.")
            else:
                field.help_text = _("No password is stored yet.")

    def _clean_password(self, name):
        value = self.cleaned_data.get(name) or ""
        if not value and self.instance.pk:
            return getattr(self.instance, name)  # still the stored value: the form is not applied yet
        return value

    def clean_imap_password(self):
        return self._clean_password("imap_password")

    def clean_smtp_password(self):
        return self._clean_password("smtp_password")


def test_connection_url(mailbox):
    return reverse("inbox_mailboxes:test_connection", args=[mailbox.pk])


class MailboxIndexView(generic.IndexView):
    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        buttons.append(
            ListingMenuItem(
                _("Test connection"), url=test_connection_url(instance), icon_name="resubmit", priority=15
            )
        )
        return buttons


class MailboxEditView(generic.EditView):
    def get_header_buttons(self):
        buttons = super().get_header_buttons()
        buttons.insert(
            0, HeaderButton(_("Test connection"), url=test_connection_url(self.object), icon_name="resubmit")
        )
        return buttons


class TestConnectionView(generic.base.BaseObjectMixin, generic.base.WagtailAdminTemplateMixin, View):
    """Tries the stored IMAP and SMTP settings and says in plain words what works."""

    model = Mailbox
    template_name = "inbox/admin/mailbox_test_connection.html"
    header_icon = "mail"

    def dispatch(self, request, *args, **kwargs):
        if not can_manage_mailboxes(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("Test connection")

    def get_page_subtitle(self):
        return self.object.name

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("inbox_mailboxes:index"), "label": _("Mailboxes")},
            {"url": reverse("inbox_mailboxes:edit", args=[self.object.pk]), "label": self.object.name},
            {"url": "", "label": _("Test connection")},
        ]

    def get(self, request, *args, **kwargs):
        return self.render(checks=None)

    def post(self, request, *args, **kwargs):
        from inbox.mail.send import check_smtp

        checks = [
            (_("IMAP (incoming)"), check_imap(self.object)),
            (_("SMTP (outgoing)"), check_smtp(self.object)),
        ]
        return self.render(checks=checks)

    def render(self, checks):
        context = self.get_context_data(
            mailbox=self.object,
            checks=checks,
            edit_url=reverse("inbox_mailboxes:edit", args=[self.object.pk]),
        )
        return TemplateResponse(self.request, self.template_name, context)


class MailboxViewSet(ModelViewSet):
    model = Mailbox
    icon = "mail"
    menu_label = _("Mailboxes")
    url_prefix = "inbox/mailboxes"
    name = "inbox_mailboxes"
    add_to_admin_menu = False
    copy_view_enabled = False
    index_view_class = MailboxIndexView
    edit_view_class = MailboxEditView
    search_fields = ["name", "address"]
    list_display = [
        "name",
        "address",
        BooleanColumn("active", label=_("Active")),
        DateColumn("last_fetch_at", label=_("Last successful fetch")),
        Column("last_error", label=_("Last error")),
    ]
    list_filter = ["active"]
    edit_handler = TabbedInterface(
        [
            ObjectList(
                [
                    FieldPanel("name"),
                    FieldPanel("address"),
                    FieldPanel("sender_name"),
                    FieldRowPanel([FieldPanel("active"), FieldPanel("poll_interval")]),
                    FieldPanel("groups", widget=forms.CheckboxSelectMultiple),
                ],
                heading=_("Mailbox"),
            ),
            ObjectList(
                [
                    MultiFieldPanel(
                        [
                            FieldRowPanel([FieldPanel("imap_host"), FieldPanel("imap_port")]),
                            FieldPanel("imap_security"),
                            FieldRowPanel([FieldPanel("imap_username"), FieldPanel("imap_password")]),
                            FieldPanel("imap_folders"),
                            FieldPanel("move_to_folder"),
                        ],
                        heading=_("Incoming mail (IMAP)"),
                    ),
                    MultiFieldPanel(
                        [
                            FieldRowPanel([FieldPanel("smtp_host"), FieldPanel("smtp_port")]),
                            FieldPanel("smtp_security"),
                            FieldRowPanel([FieldPanel("smtp_username"), FieldPanel("smtp_password")]),
                        ],
                        heading=_("Outgoing mail (SMTP)"),
                    ),
                ],
                heading=_("Servers"),
            ),
            ObjectList(
                [
                    FieldPanel("signature"),
                    FieldPanel("auto_reply_enabled"),
                    FieldPanel("auto_reply_subject"),
                    FieldPanel("auto_reply_text"),
                ],
                heading=_("Signature and auto-reply"),
            ),
        ],
        base_form_class=MailboxForm,
    )

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path("test/<int:pk>/", TestConnectionView.as_view(), name="test_connection"),
        ]


mailbox_viewset = MailboxViewSet()


class InboxSettingsGroup(ViewSetGroup):
    """The admin menu group holding the inbox's settings screens."""

    menu_label = _("Inbox settings")
    menu_icon = "mail"
    menu_order = 250
    items = [mailbox_viewset, quarantine_viewset]


@hooks.register("register_admin_viewset")
def register_inbox_settings():
    return InboxSettingsGroup()
