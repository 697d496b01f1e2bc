"""The inbox's panel on the Wagtail dashboard: mailboxes that are not receiving mail."""

from wagtail import hooks
from wagtail.admin.ui.components import Component

from inbox.services.mailbox_health import mailbox_alerts_context


class MailboxAlertsPanel(Component):
    name = "inbox_mailbox_alerts"
    order = 10  # above Wagtail's own panels: a silent mailbox is the most urgent news
    template_name = "inbox/includes/mailbox_alerts.html"

    def __init__(self, user):
        self.user = user

    def get_context_data(self, parent_context):
        return mailbox_alerts_context(self.user)


@hooks.register("construct_homepage_panels")
def add_mailbox_alerts(request, panels):
    panels.append(MailboxAlertsPanel(request.user))
