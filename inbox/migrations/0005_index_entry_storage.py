"""Keep the search index entries' rows small on PostgreSQL, so that finding matches reads few pages.

A ticket search (inbox.search_postgres) finds matching entries through the GIN index on their
body, then reads each match's row for its ticket id. A ticket's entry is about 3 kB (the body
vector and a plain text copy); PostgreSQL keeps up to 2 kB of it in the row, so 17,000 matches
at 100k tickets sit on 11,000 pages. With ``toast_tuple_target = 128`` a row over 2 kB keeps
only its ids and pointers in the table (the vectors move to the TOAST table, read only when a
phrase needs rechecking or a result is ranked), and the same matches sit on a few hundred pages.

Rows written before this migration keep their layout until their tickets are re-indexed
(``manage.py update_index --backend tickets``, or ``VACUUM FULL wagtailsearch_indexentry``).
Nothing to do on SQLite (its full-text index is a separate FTS5 table).
"""

from django.db import migrations

TARGET = 128


def index_entry_table(apps):
    return apps.get_model("wagtailsearch", "IndexEntry")._meta.db_table


def set_storage(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        table = schema_editor.quote_name(index_entry_table(apps))
        schema_editor.execute(f"ALTER TABLE {table} SET (toast_tuple_target = {TARGET})")


def reset_storage(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        table = schema_editor.quote_name(index_entry_table(apps))
        schema_editor.execute(f"ALTER TABLE {table} RESET (toast_tuple_target)")


class Migration(migrations.Migration):
    dependencies = [
        ("inbox", "0004_ticket_ticket_live"),
        ("wagtailsearch", "0010_add_text_fields"),
    ]

    operations = [migrations.RunPython(set_storage, reset_storage, elidable=False)]
