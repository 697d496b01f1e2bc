"""Keeps SQLite's query planner statistics (sqlite_stat1) current for the inbox's big tables.

Without statistics SQLite takes ``merged_into_id IS NULL`` or ``content_type_id = ?`` for
selective filters: the inbox list then sorts the whole ticket table and a search runs the
FTS5 match once per index entry (seconds at 100k tickets). PostgreSQL's autovacuum keeps its
own statistics; SQLite only has them after ANALYZE. So whenever a connection opens (and
after migrations) each table below is analysed if it has none yet, or has more than doubled
since, which costs a full ANALYZE (~0.1 s at 100k tickets) a handful of times in a site's life.
"""

import logging

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate
from django.dispatch import receiver

logger = logging.getLogger(__name__)

# Tables whose queries the inbox list, search and ticket page depend on.
TABLES = [
    "inbox_ticket",
    "inbox_message",
    "inbox_customeraddress",
    "inbox_ticketread",
    "taggit_taggeditem",
    "wagtailsearch_indexentry",
]
# Below this many rows any plan is fast, and statistics taken now would soon mislead.
MIN_ROWS = 1000
GROWTH = 2


def _analysed_rows(cursor, table):
    cursor.execute("SELECT name FROM sqlite_schema WHERE name = 'sqlite_stat1'")
    if not cursor.fetchone():
        return None
    cursor.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = %s LIMIT 1", [table])
    row = cursor.fetchone()
    return int(row[0].split()[0]) if row else None


def refresh_planner_statistics(connection, min_rows=MIN_ROWS):
    """ANALYZE the tables that have no statistics or outgrew them; returns the tables analysed."""
    if connection.vendor != "sqlite":
        return []
    analysed = []
    try:
        with connection.cursor() as cursor:
            for table in TABLES:
                try:
                    cursor.execute(f'SELECT MAX(rowid) FROM "{table}"')  # O(log n), unlike COUNT(*)
                except DatabaseError:
                    continue  # not migrated yet
                rows = cursor.fetchone()[0] or 0
                known = _analysed_rows(cursor, table)
                if rows >= min_rows and (known is None or rows > GROWTH * known):
                    cursor.execute(f'ANALYZE "{table}"')
                    analysed.append(table)
    except DatabaseError:
        # The statistics only speed queries up; a locked database must not break the request.
        logger.exception("could not refresh SQLite planner statistics")
    return analysed


@receiver(connection_created, dispatch_uid="inbox_sqlite_stats_on_connect")
def _on_connect(sender, connection, **kwargs):
    refresh_planner_statistics(connection)


@receiver(post_migrate, dispatch_uid="inbox_sqlite_stats_after_migrate")
def _after_migrate(sender, using=DEFAULT_DB_ALIAS, **kwargs):
    refresh_planner_statistics(connections[using])
