"""Admin wiring of the knowledge base: the analytics report and its permission."""

from django.contrib.auth.models import Permission
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from .admin_views import AnalyticsView, can_view_analytics


class AnalyticsMenuItem(MenuItem):
    def is_shown(self, request):
        return can_view_analytics(request.user)


@hooks.register("register_admin_urls")
def register_analytics_url():
    return [path("reports/knowledge-base/", AnalyticsView.as_view(), name="kb_analytics")]


@hooks.register("register_reports_menu_item")
def register_analytics_menu_item():
    return AnalyticsMenuItem(
        _("Knowledge base"), reverse("kb_analytics"), name="kb-analytics", icon_name="help", order=650
    )


@hooks.register("register_permissions")
def register_analytics_permission():
    # Shown in Settings → Groups as "Can view knowledge base search" (it opens the report).
    return Permission.objects.filter(content_type__app_label="kb", codename="view_searchterm")
