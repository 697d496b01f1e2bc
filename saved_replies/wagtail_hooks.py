"""Admin wiring of saved replies: the snippet screens, the composer endpoint and the composer tool."""

from django.core.exceptions import PermissionDenied
from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views import snippets as snippet_views
from wagtail.snippets.views.snippets import SnippetViewSet

from inbox.plugin_api import ComposerTool

from . import services, views
from .forms import SavedReplyForm
from .models import SavedReply
from .permissions import SavedReplyPermissionPolicy


class OnlyManageableReplies:
    """Another agent's personal reply, or one of a mailbox the user does not work, is refused."""

    def get_object(self, *args, **kwargs):
        reply = super().get_object(*args, **kwargs)
        if not services.can_manage(self.request.user, reply):
            raise PermissionDenied
        return reply


def _guarded(view_class):
    return type(view_class.__name__, (OnlyManageableReplies, view_class), {})


class SavedReplyViewSet(SnippetViewSet):
    model = SavedReply
    icon = "openquote"
    menu_label = _("Saved replies")
    menu_name = "saved-replies"
    menu_order = 250
    add_to_admin_menu = True
    url_prefix = "saved-replies"
    search_fields = ["title", "body"]
    search_backend_name = None  # a small table: plain database matching
    list_filter = ["mailbox"]
    list_display = [
        "title",
        Column("mailbox", label=_("Mailbox"), accessor=lambda r: r.mailbox.name if r.mailbox else _("All")),
        Column(
            "owner",
            label=_("Who can use it"),
            accessor=lambda r: _("Team") if r.owner_id is None else r.owner.get_username(),
        ),
        Column("usage_count", label=_("Times used"), sort_key="usage_count"),
        DateColumn("updated_at", label=_("Updated"), sort_key="updated_at"),
    ]
    edit_handler = ObjectList(
        [FieldPanel("title"), FieldPanel("body"), FieldPanel("mailbox"), FieldPanel("visibility")],
        base_form_class=SavedReplyForm,
    )

    edit_view_class = _guarded(snippet_views.EditView)
    delete_view_class = _guarded(snippet_views.DeleteView)
    copy_view_class = _guarded(snippet_views.CopyView)
    history_view_class = _guarded(snippet_views.HistoryView)
    usage_view_class = _guarded(snippet_views.UsageView)

    def get_queryset(self, request):
        return services.manageable_replies(request.user).select_related("mailbox", "owner")


register_permission_policy(SavedReply, SavedReplyPermissionPolicy(SavedReply))
register_snippet(SavedReplyViewSet)


@hooks.register("register_admin_urls")
def saved_replies_admin_urls():
    urls = [path("tickets/<int:ticket_id>/composer/", views.composer_tool, name="composer")]
    return [path("saved-replies-tool/", include((urls, "saved_replies"), namespace="saved_replies"))]


@hooks.register("inbox.composer_tools")
def add_saved_replies_tool(tools, ticket, request):
    url = reverse("saved_replies:composer", args=[ticket.pk])
    return [*tools, ComposerTool(key="saved_replies", label=_("Saved replies"), url=url, order=10)]
