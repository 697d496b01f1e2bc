"""The "tickets" search backend: Wagtail's database backend, minus one full-index scan per indexed ticket.

modelsearch's database index recomputes title length norms after every add: an average over
the whole index table plus an UPDATE scan, i.e. reading every entry (hundreds of MB at 100k
tickets) each time a message arrives. Ticket entries have no title (Ticket has no "title"
search field), so the per-add refresh changes nothing for them; it is skipped. A full
rebuild (`update_index --backend tickets`) still refreshes the norms once at its end.

On PostgreSQL, searches also go through ``inbox.search_postgres``'s compiler, which finds
matches through the GIN index on the entries' body instead of concatenating every entry's
vectors (seconds at 100k tickets).

Settings: ``WAGTAILSEARCH_BACKENDS["tickets"] = {"BACKEND": "inbox.search_backend", "AUTO_UPDATE": False}``.
Everything else (SQLite FTS5, PostgreSQL full text, MySQL, the fallback) is the stock backend.
"""

from django.db import connection
from modelsearch.backends.database import SearchBackend as database_search_backend


class SkipPerAddTitleNorms:
    def _refresh_title_norms(self, full=False):
        if full:
            super()._refresh_title_norms(full=True)


def SearchBackend(params):  # noqa: N802  (the name modelsearch looks up in a backend module)
    backend = database_search_backend(params)
    index_class = backend.index_class
    if hasattr(index_class, "_refresh_title_norms"):
        backend.index_class = type(f"Ticket{index_class.__name__}", (SkipPerAddTitleNorms, index_class), {})
    if connection.vendor == "postgresql":  # the test modelsearch's factory uses to pick its backend
        from inbox.search_postgres import BodyIndexSearchQueryCompiler

        backend.query_compiler_class = BodyIndexSearchQueryCompiler
    return backend
