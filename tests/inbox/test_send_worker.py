"""Production's path: the reply's task goes through django-tasks-db and the real worker (``task_worker``)."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from inbox.models import Message
from inbox.services.replies import create_reply
from tests.inbox.outgoing_support import make_mailbox, make_ticket

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def db_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects


def run_worker():
    call_command(
        "task_worker", "--batch", "--queue-name", "*", "--no-reload", "--no-startup-delay", verbosity=0
    )


def test_the_db_worker_sends_a_reply_once_its_undo_window_has_passed(
    smtp_server, db_tasks, django_user_model
):
    agent = django_user_model.objects.create_user("alice", "alice@shop.example", "pw")
    ticket = make_ticket(make_mailbox(smtp_server))

    message = create_reply(ticket, agent, body_html="<p>Parcel resent.</p>", undo_seconds=1)

    task = db_tasks.get()
    assert task.run_after == message.send_after
    run_worker()  # too early: the task is not ready yet
    assert smtp_server.messages == []

    db_tasks.update(run_after=timezone.now() - timedelta(seconds=1))
    Message.objects.filter(pk=message.pk).update(send_after=timezone.now() - timedelta(seconds=1))
    run_worker()
    message.refresh_from_db()
    assert message.delivery_state == Message.Delivery.SENT
    assert len(smtp_server.messages) == 1


def test_a_temporary_failure_re_enqueues_the_task_for_the_next_attempt(
    smtp_server, db_tasks, django_user_model
):
    agent = django_user_model.objects.create_user("alice", "alice@shop.example", "pw")
    ticket = make_ticket(make_mailbox(smtp_server))
    smtp_server.fail_with(451)

    message = create_reply(ticket, agent, body_html="<p>Parcel resent.</p>")
    run_worker()

    message.refresh_from_db()
    assert message.delivery_state == Message.Delivery.QUEUED and message.send_attempts == 1
    retry = db_tasks.filter(status="READY").get()
    assert retry.run_after == message.next_attempt_at

    smtp_server.succeed()
    db_tasks.filter(pk=retry.pk).update(run_after=timezone.now())
    Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    run_worker()
    message.refresh_from_db()
    assert message.delivery_state == Message.Delivery.SENT
    assert len(smtp_server.messages) == 1
