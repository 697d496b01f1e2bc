"""Read-only editor panel: what visitors answered to "Was this helpful?" on this article."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import Panel


class FeedbackSummaryPanel(Panel):
    def __init__(self, **kwargs):
        kwargs.setdefault("heading", _("Visitor feedback"))
        super().__init__(**kwargs)

    class BoundPanel(Panel.BoundPanel):
        template_name = "kb/admin/feedback_summary_panel.html"

        def get_context_data(self, parent_context=None):
            from kb.feedback import feedback_summary

            context = super().get_context_data(parent_context)
            context["summary"] = feedback_summary(self.instance) if self.instance.pk else None
            return context
