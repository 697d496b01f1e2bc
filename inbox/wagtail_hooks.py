"""Admin wiring of the inbox. Each admin module registers its own hooks on import."""

from wagtail import hooks

from .admin import dashboard, mailboxes, notifications, ticket_page, tickets  # noqa: F401


@hooks.register("site.worker_tick")
def send_due_replies():
    """Safety net for the task queue: replies whose undo window or retry time has passed."""
    from .mail.send import send_due_messages

    send_due_messages()
