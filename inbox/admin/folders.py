"""The "Inbox" admin menu: folders with live counts, one entry per mailbox, saved views.

The menu is built per request from ``inbox.queries.menu_state`` (one aggregated count query,
cached per user for a few seconds) and computed at most once per request, since Wagtail
asks both whether to show the submenu and what it holds.
"""

from urllib.parse import urlencode

from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem

from inbox import queries

REQUEST_CACHE = "_inbox_menu_items"


def counted(label, count):
    return _("%(label)s (%(count)s)") % {"label": label, "count": count}


def saved_view_url(pk, query):
    """Where a saved view opens: its folder or mailbox, with its filters and ``view`` naming it."""
    params = QueryDict(query, mutable=True)
    mailbox = params.pop("mailbox_scope", [""])[-1]
    folder = params.pop("folder", [""])[-1]
    if mailbox.isdigit():
        url = reverse("inbox_tickets:mailbox", args=[int(mailbox)])
    else:
        folder = folder if queries.get_folder(folder) else queries.DEFAULT_FOLDER
        url = reverse("inbox_tickets:folder", args=[folder])
    params.pop("view", None)
    suffix = params.urlencode()
    return f"{url}?{suffix + '&' if suffix else ''}{urlencode({'view': pk})}"


def build_menu_items(user):
    state = queries.menu_state(user)
    if not state["mailboxes"]:
        return []
    items = []
    order = 100
    for folder in queries.FOLDERS:
        count = state["folders"].get(folder.key)
        items.append(
            MenuItem(
                folder.label if count is None else counted(folder.label, count),
                reverse("inbox_tickets:folder", args=[folder.key]),
                name=f"inbox-folder-{folder.key}",
                icon_name=folder.icon,
                order=order,
            )
        )
        order += 1
    for mailbox in state["mailboxes"]:
        items.append(
            MenuItem(
                counted(mailbox["name"], mailbox["count"]),
                reverse("inbox_tickets:mailbox", args=[mailbox["pk"]]),
                name=f"inbox-mailbox-{mailbox['pk']}",
                icon_name="folder-open-inverse",
                order=order,
            )
        )
        order += 1
    for view in state["views"]:
        items.append(
            MenuItem(
                view["name"],
                saved_view_url(view["pk"], view["query"]),
                name=f"inbox-view-{view['pk']}",
                icon_name="group" if view["shared"] else "view",
                order=order,
            )
        )
        order += 1
    items.append(
        MenuItem(
            _("Saved views…"),
            reverse("inbox_saved_views:index"),
            name="inbox-saved-views",
            icon_name="list-ul",
            order=order,
        )
    )
    return items


class InboxMenu(Menu):
    def menu_items_for_request(self, request):
        items = getattr(request, REQUEST_CACHE, None)
        if items is None:
            items = build_menu_items(request.user) if request.user.is_authenticated else []
            setattr(request, REQUEST_CACHE, items)
        return items


def inbox_menu_item():
    return SubmenuMenuItem(gettext_lazy("Inbox"), InboxMenu(), name="inbox", icon_name="mail", order=50)
