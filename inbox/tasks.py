"""Background tasks of the inbox (django-tasks; the TASKS setting picks the backend).

``send_outgoing_message`` sends one stored reply or auto-reply and, after a temporary
failure, enqueues itself again for the next attempt. ``enqueue_send`` is how services queue
it: deferred to ``run_after`` when the backend supports that, otherwise left to the worker's
poll loop (``inbox.mail.send.send_due_messages``), which sends whatever is due.
"""

from django.utils import timezone
from django_tasks import task

from inbox.mail.send import send_message
from inbox.models import Message


def enqueue_send(message_id, run_after=None):
    """Queue the send task for a message, to run at ``run_after`` (a datetime) or now."""
    send_task = send_outgoing_message
    if run_after is not None and run_after > timezone.now():
        if not send_task.get_backend().supports_defer:
            return None  # the poll loop's send_due_messages() sends it when due
        send_task = send_task.using(run_after=run_after)
    return send_task.enqueue(message_id)


@task()
def send_outgoing_message(message_id: int) -> str:
    """Send the message if it is (still) due; returns its delivery state afterwards."""
    message = Message.objects.select_related("ticket__mailbox").filter(pk=message_id).first()
    if message is None:
        return "gone"  # undone before it left
    attempts_before = message.send_attempts
    send_message(message)
    attempted = message.send_attempts > attempts_before  # not when another worker had it claimed
    if attempted and message.delivery_state == Message.Delivery.QUEUED and message.next_attempt_at:
        enqueue_send(message.pk, message.next_attempt_at)
    return message.delivery_state
