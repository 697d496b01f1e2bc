from wagtail import hooks
from wagtail.admin.menu import MenuItem

from inbox.plugin_api import SidebarPanel

seen_tickets = []


@hooks.register("inbox.ticket_created")
def remember_ticket(ticket, message):
    seen_tickets.append(ticket)


@hooks.register("inbox.sidebar_panels")
def add_greeting_panel(panels, ticket, request):
    return [*panels, SidebarPanel(key="greeting", title="Greeting", url="/plugins/example_plugin/")]


@hooks.register("register_admin_menu_item")
def greeting_menu_item():
    return MenuItem("Example plugin greeting", "/plugins/example_plugin/", name="example-greeting")
