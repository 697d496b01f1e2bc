from . import ticket_page  # noqa: F401

# ruff: noqa: I001  (the ticket page import above stays first, for the ticket page's module)
# The agents' inbox, list side: the Inbox menu, the ticket list, bulk actions and saved views.

from wagtail import hooks

from . import bulk  # noqa: F401  (registers the bulk actions)
from .folders import inbox_menu_item
from .saved_views import saved_view_viewset
from .ticket_list import urlpatterns


@hooks.register("register_admin_urls")
def register_ticket_list_urls():
    return urlpatterns()


@hooks.register("register_admin_menu_item")
def register_inbox_menu():
    return inbox_menu_item()


@hooks.register("register_admin_viewset")
def register_saved_views():
    return saved_view_viewset
