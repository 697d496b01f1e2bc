"""The agents' ticket list: a folder, a mailbox's open tickets, filtered, searched, sorted, paged.

A Wagtail generic IndexView (listing styles, filter drawer, header search, AJAX refresh,
bulk-action footer). Every row comes from ``inbox.queries`` and so from the mailboxes
granted to the agent; a mailbox outside them answers 404, as if it did not exist.
"""

from django.db.models import F, QuerySet
from django.http import Http404
from django.urls import include, path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.paginator import WagtailPaginator
from wagtail.admin.views.generic import IndexView
from wagtail.admin.widgets import HeaderButton

from inbox import queries
from inbox.models import Ticket
from inbox.permissions import mailboxes_for
from inbox.search import search_tickets
from inbox.services.mailbox_health import mailbox_alerts_context

from .bulk import bulk_buttons, undo_delete_view
from .filters import TicketFilterSet
from .list_columns import TicketTable, ticket_columns
from .ticket_page import LIST_SESSION_KEY, remember_ticket_list

PAGE_SIZE = 25
# Offset paging stays fast this deep at 100k tickets; past it, agents narrow the list instead.
MAX_PAGES = 200
# A search reads the ids of its matches this many pages deep in one query (they count the matches and
# give every page); past them, "more than" will do.
SEARCH_MAX_PAGES = 40

ORDERINGS = {
    "last_activity_at": (F("last_activity_at").asc(), F("pk").asc()),
    "-last_activity_at": (F("last_activity_at").desc(), F("pk").desc()),
    "created_at": (F("created_at").asc(), F("pk").asc()),
    "-created_at": (F("created_at").desc(), F("pk").desc()),
    "priority": (F("priority").asc(), F("last_activity_at").desc(), F("pk").desc()),
    "-priority": (F("priority").desc(), F("last_activity_at").desc(), F("pk").desc()),
    # "waiting" ascending = shortest wait first; tickets nobody waits on come last either way.
    "waiting": (F("waiting_since").desc(nulls_last=True), F("pk").desc()),
    "-waiting": (F("waiting_since").asc(nulls_last=True), F("pk").asc()),
}
DEFAULT_ORDERING = "-last_activity_at"


class CappedPaginator(WagtailPaginator):
    """Counts no further than the last page agents can reach, so counting stays cheap at any size."""

    capped = False
    max_pages = MAX_PAGES

    @cached_property
    def count(self):
        limit = self.max_pages * self.per_page
        items = self.object_list
        if hasattr(items, "count_up_to"):
            total = items.count_up_to(limit + 1)
        else:
            if isinstance(items, QuerySet):
                items = items.order_by()
            total = items[: limit + 1].count()
        self.capped = total > limit
        return min(total, limit)


class TicketListView(IndexView):
    model = Ticket
    template_name = "inbox/list/index.html"
    results_template_name = "inbox/list/results.html"
    permission_policy = None
    any_permission_required = None
    header_icon = "mail"
    paginate_by = PAGE_SIZE
    paginator_class = CappedPaginator
    table_class = TicketTable
    filterset_class = TicketFilterSet
    default_ordering = DEFAULT_ORDERING
    verbose_name = gettext_lazy("ticket")
    verbose_name_plural = gettext_lazy("tickets")
    results_only = False

    def setup(self, request, *args, folder=None, mailbox_id=None, **kwargs):
        """The list's scope comes from the URL: a folder (default: All open) or one mailbox's open tickets."""
        super().setup(request, *args, **kwargs)
        if mailbox_id is not None:
            self.mailbox = mailboxes_for(request.user).filter(pk=mailbox_id).first()
            if self.mailbox is None:
                raise Http404(_("No such mailbox."))
            self.folder = None
        else:
            self.mailbox = None
            self.folder = queries.get_folder(folder or queries.DEFAULT_FOLDER)
            if self.folder is None:
                raise Http404(_("No such folder."))

    @cached_property
    def columns(self):
        return ticket_columns()

    # The list's scope (folder or mailbox) comes from the URL; filters and search narrow it.
    def get_base_queryset(self):
        user = self.request.user
        if self.mailbox is not None:
            queryset = queries.mailbox_tickets(user, self.mailbox.pk)
        else:
            queryset = queries.folder_tickets(user, self.folder.key)
        # Related rows come in separate small queries, not joins: with joins SQLite may start from
        # the mailbox table and sort every open ticket instead of reading 25 from the activity index.
        # Tags and addresses are read for the page by the table (TicketTable.load_relations).
        return queryset.prefetch_related("mailbox", "customer", "assignee")

    def get_paginator(self, *args, **kwargs):
        paginator = super().get_paginator(*args, **kwargs)
        paginator.max_pages = SEARCH_MAX_PAGES if self.is_searching else MAX_PAGES
        return paginator

    def get_valid_orderings(self):
        return list(ORDERINGS)

    def order_queryset(self, queryset):
        return queryset.order_by(*ORDERINGS.get(self.ordering, ORDERINGS[DEFAULT_ORDERING]))

    def filter_queryset(self, queryset):
        if self.filters and not self.filters.is_valid():
            return queryset.none()
        return super().filter_queryset(queryset)

    def search_queryset(self, queryset):
        if not self.is_searching:
            return queryset
        return search_tickets(queryset, self.search_query)

    @cached_property
    def is_searchable(self):
        return True

    @cached_property
    def saved_view(self):
        pk = self.request.GET.get("view", "")
        if not pk.isdigit():
            return None
        return queries.saved_views_for(self.request.user).filter(pk=pk).first()

    def get_page_title(self):
        if self.saved_view:
            return self.saved_view.name
        if self.mailbox is not None:
            return self.mailbox.name
        return str(self.folder.label)

    def get_page_subtitle(self):
        return _("Inbox")

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("inbox_tickets:index"), "label": _("Inbox")},
            {"url": "", "label": self.get_page_title()},
        ]

    def _scope_url(self, suffix=""):
        if self.mailbox is not None:
            return reverse(f"inbox_tickets:mailbox{suffix}", args=[self.mailbox.pk])
        return reverse(f"inbox_tickets:folder{suffix}", args=[self.folder.key])

    def get_index_url(self):
        return self._scope_url()

    def get_index_results_url(self):
        return self._scope_url("_results")

    @cached_property
    def header_buttons(self):
        query = self.request.GET.copy()
        for key in ("p", "view", "_w_filter_fragment"):
            query.pop(key, None)
        if self.mailbox is not None:
            query["mailbox_scope"] = self.mailbox.pk
        else:
            query["folder"] = self.folder.key
        add_url = reverse("inbox_saved_views:add") + "?" + query.urlencode()
        return [HeaderButton(_("Save as view"), url=add_url, icon_name="thumbtack", priority=10)]

    @cached_property
    def filters_invalid(self):
        return bool(self.filters) and self.filters.is_bound and not self.filters.is_valid()

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        tickets = list(context["object_list"])
        table = context["table"]
        table.load_relations(tickets)
        table.unread_ids = queries.unread_ticket_ids(self.request.user, tickets)
        self._remember_order(tickets)
        context["count_capped"] = getattr(context.get("paginator"), "capped", False)
        context["filters_invalid"] = self.filters_invalid
        context["folder"] = self.folder
        context["mailbox"] = self.mailbox
        context["saved_view"] = self.saved_view
        context["model_opts"] = Ticket._meta
        if not self.results_only:
            context["bulk_buttons"] = bulk_buttons(self.request.user)
            context.update(mailbox_alerts_context(self.request.user))
        return context

    def _remember_order(self, tickets):
        """Lets "next ticket" on the ticket page follow this list."""
        ids = [ticket.pk for ticket in tickets]
        if self.request.session.get(LIST_SESSION_KEY) != ids:
            remember_ticket_list(self.request, ids)


def list_urls():
    index = TicketListView.as_view()
    results = TicketListView.as_view(results_only=True)
    return [
        path("", index, name="index"),
        path("results/", results, name="index_results"),
        path("folder/<slug:folder>/", index, name="folder"),
        path("folder/<slug:folder>/results/", results, name="folder_results"),
        path("mailbox/<int:mailbox_id>/", index, name="mailbox"),
        path("mailbox/<int:mailbox_id>/results/", results, name="mailbox_results"),
    ]


def urlpatterns():
    return [
        path(
            "inbox/",
            include(
                (list_urls() + [path("undo-delete/", undo_delete_view, name="undo_delete")], "inbox_tickets"),
                namespace="inbox_tickets",
            ),
        )
    ]
