from .customer import Customer, CustomerAddress
from .drafts import Draft  # noqa: F401
from .mailbox import Mailbox, MailboxFolderState
from .message import Attachment, Message, RawMessage
from .notifications import Notification, NotificationPreference  # noqa: F401
from .ticket import Ticket, TicketEvent
from .views import SavedView, TicketRead  # noqa: F401

__all__ = [
    "Attachment",
    "Customer",
    "CustomerAddress",
    "Mailbox",
    "MailboxFolderState",
    "Message",
    "RawMessage",
    "Ticket",
    "TicketEvent",
]
