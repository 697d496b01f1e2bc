"""Agent notifications in the admin: the "Notifications" menu entry (with the unread count),
the list, and each agent's choice of what they get (its own screen and a panel of Account)."""

from django import forms
from django.shortcuts import redirect
from django.urls import include, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.account import BaseSettingsPanel, notifications_tab
from wagtail.admin.views.generic import WagtailAdminTemplateMixin

from inbox import notifications
from inbox.models import Notification, NotificationPreference

LIST_LENGTH = 100


class NotificationPreferenceForm(forms.ModelForm):
    class Meta:
        model = NotificationPreference
        fields = [
            "customer_replied_email",
            "customer_replied_admin",
            "assigned_email",
            "assigned_admin",
            "mentioned_email",
            "mentioned_admin",
        ]


class NotificationListView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "inbox/notifications/index.html"
    page_title = gettext_lazy("Notifications")
    header_icon = "bell"

    def get_breadcrumbs_items(self):
        return [*super().get_breadcrumbs_items(), {"url": "", "label": self.get_page_title()}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["notifications"] = list(
            Notification.objects.filter(recipient=self.request.user).select_related("ticket", "actor")[
                :LIST_LENGTH
            ]
        )
        context["unread_count"] = sum(1 for n in context["notifications"] if n.read_at is None)
        return context


@require_POST
def mark_read(request):
    ids = [int(value) for value in request.POST.getlist("id") if value.isdigit()] or None
    notifications.mark_read(request.user, ids)
    return redirect("inbox_notifications:index")


class PreferencesView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "inbox/notifications/preferences.html"
    page_title = gettext_lazy("Notification preferences")
    header_icon = "bell"

    def get_breadcrumbs_items(self):
        return [
            *super().get_breadcrumbs_items(),
            {"url": reverse("inbox_notifications:index"), "label": _("Notifications")},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_form(self):
        instance = notifications.preferences_for(self.request.user)
        return NotificationPreferenceForm(self.request.POST or None, instance=instance)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", self.get_form())
        return context

    def post(self, request):
        form = self.get_form()
        if form.is_valid():
            form.save()
            from django.contrib import messages

            messages.success(request, _("Your notification choices are saved."))
            return redirect("inbox_notifications:preferences")
        return self.render_to_response(self.get_context_data(form=form))


class InboxNotificationsPanel(BaseSettingsPanel):
    """The same choices under Account › Notifications."""

    name = "inbox_notifications"
    title = gettext_lazy("Inbox notifications")
    tab = notifications_tab
    order = 150
    form_class = NotificationPreferenceForm

    def get_form(self):
        kwargs = {"instance": notifications.preferences_for(self.user), "prefix": self.name}
        if self.request.method == "POST":
            return self.form_class(self.request.POST, **kwargs)
        return self.form_class(**kwargs)


class NotificationsMenuItem(MenuItem):
    def render_component(self, request):
        count = notifications.unread_count(request.user)
        component = super().render_component(request)
        if count:
            component.label = _("Notifications (%(count)d)") % {"count": count}
        return component


@hooks.register("register_admin_urls")
def register_notification_urls():
    urls = [
        path("", NotificationListView.as_view(), name="index"),
        path("read/", mark_read, name="mark_read"),
        path("preferences/", PreferencesView.as_view(), name="preferences"),
    ]
    return [
        path("inbox/notifications/", include((urls, "inbox_notifications"), namespace="inbox_notifications"))
    ]


@hooks.register("register_admin_menu_item")
def register_notifications_menu_item():
    return NotificationsMenuItem(
        gettext_lazy("Notifications"),
        reverse("inbox_notifications:index"),
        name="inbox-notifications",
        icon_name="bell",
        order=190,
    )


@hooks.register("register_account_settings_panel")
def register_notifications_panel(request, user, profile):
    return InboxNotificationsPanel(request, user, profile)


@hooks.register("register_icons")
def register_bell_icon(icons):
    return [*icons, "inbox/icons/bell.svg"]
