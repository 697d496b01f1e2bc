"""Reports → Knowledge base: searches, failed searches, unhelpful articles, views, deflections."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin.views.generic import WagtailAdminTemplateMixin

from . import analytics
from .view_counts import flush_view_counts

PERIODS = (7, 30, 90)
PERMISSION = "kb.view_searchterm"


def can_view_analytics(user):
    return user.is_active and user.has_perm(PERMISSION)


class AnalyticsView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "kb/admin/analytics.html"
    page_title = _("Knowledge base")
    header_icon = "help"

    def dispatch(self, request, *args, **kwargs):
        if not can_view_analytics(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [*super().get_breadcrumbs_items(), {"url": "", "label": self.get_page_title()}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        try:
            days = int(self.request.GET.get("days", 30))
        except ValueError:
            days = 30
        days = days if days in PERIODS else 30
        flush_view_counts()  # so the report includes views still counted in the cache
        context.update(
            days=days,
            periods=PERIODS,
            top_searches=analytics.top_searches_report(days=days),
            failed_searches=analytics.failed_searches_report(),
            unhelpful_articles=analytics.unhelpful_articles_report(),
            views=analytics.views_report(days=days),
            deflections=analytics.deflections_report(days=days),
        )
        return context
