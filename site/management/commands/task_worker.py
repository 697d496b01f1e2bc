"""``manage.py task_worker``: django-tasks-db's ``db_worker``, quieter by default.

``db_worker`` logs the start and the end of every task at its default verbosity; publishing one
page queues several tasks, so the console of ``make run`` drowned in them. This worker logs task
failures and warnings at verbosity 1 and everything at ``-v 2``. Options are ``db_worker``'s.
"""

import logging

from django_tasks_db.management.commands.db_worker import TASKS_LOGGER
from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand


class Command(DatabaseWorkerCommand):
    help = "Runs queued tasks from the database (db_worker), logging only failures and warnings."

    def configure_logging(self, verbosity):
        super().configure_logging(verbosity)
        if verbosity == 1:
            logging.getLogger(TASKS_LOGGER).setLevel(logging.WARNING)
