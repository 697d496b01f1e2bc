"""Every action and filter the inbox fires. docs/plugins.md documents each one."""

from helpdesk_site.plugins import define_action, define_filter

MESSAGE_RECEIVED = define_action(
    "inbox.message_received",
    "A customer's message was stored in a ticket. Args: message, ticket, created (bool: new ticket).",
)
TICKET_CREATED = define_action(
    "inbox.ticket_created", "A new ticket was opened. Args: ticket, message (the first message)."
)
CUSTOMER_REPLIED = define_action(
    "inbox.customer_replied", "A customer's message joined an existing ticket. Args: ticket, message."
)
REPLY_SENT = define_action("inbox.reply_sent", "An agent's reply left over SMTP. Args: ticket, message.")
TICKET_STATUS_CHANGED = define_action(
    "inbox.ticket_status_changed",
    "A ticket's status changed. Args: ticket, old_status, new_status, actor (user or None).",
)
SIDEBAR_PANELS = define_filter(
    "inbox.sidebar_panels",
    "Panels of the ticket sidebar. Value: list of SidebarPanel; args: ticket, request. Return the list.",
)
COMPOSER_TOOLS = define_filter(
    "inbox.composer_tools",
    "Buttons in the reply composer's toolbar. Value: list of ComposerTool; args: ticket, request. "
    "Return the list.",
)
