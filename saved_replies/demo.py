"""Shared saved replies for the demo site (``manage.py seed_demo``)."""

from .models import SavedReply

DEMO_REPLIES = [
    (
        "Thanks, we're on it",
        "<p>Hello {customer.first_name},</p><p>Thank you for writing to us. We are looking into this "
        "and will get back to you within one working day.</p><p>{agent.name}</p>",
    ),
    (
        "Where is my order?",
        "<p>Hello {customer.first_name},</p><p>Your order has left our warehouse. You will find the "
        "tracking link in the shipping confirmation we sent you.</p><p>{agent.name}</p>",
    ),
    (
        "Refund issued",
        "<p>Hello {customer.first_name},</p><p>We have issued your refund. Depending on your bank it "
        "takes 3–5 working days to show on your statement.</p><p>{agent.name}</p>",
    ),
]


def create_demo_saved_replies():
    for title, body in DEMO_REPLIES:
        SavedReply.objects.get_or_create(title=title, owner=None, mailbox=None, defaults={"body": body})
