"""Ticket full-text search through Wagtail's search API, in the "tickets" backend.

The backend is the database one (SQLite FTS5 here, PostgreSQL full text in production),
configured as WAGTAILSEARCH_BACKENDS["tickets"] so that the site's "default" backend can be
something else for the knowledge base. One index entry per ticket holds its subject, the
customer's name and addresses and every message body (Ticket.search_fields); lists stay fast
because the ticket rows themselves carry no copy of the text.

Wagtail's own signal handlers would index tickets into every backend, so Ticket opts out
(``search_auto_update = False``) and the receivers below keep the "tickets" backend current:
a saved message, ticket (subject, customer), customer or address re-indexes its tickets.
"""

import logging
import threading
from contextlib import contextmanager

from django.db import transaction
from django.db.models import Prefetch
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.search.backends import get_search_backend
from wagtail.search.query import And, Phrase, PlainText

from inbox.models import Customer, CustomerAddress, Message, Ticket

logger = logging.getLogger(__name__)

BACKEND_NAME = "tickets"
INDEX_CHUNK = 500
# Ticket fields whose change alters what is indexed.
INDEXED_TICKET_FIELDS = {"subject", "customer", "customer_id"}
INDEXED_MESSAGE_FIELDS = {"ticket", "ticket_id", "body_text", "from_address"}


def get_backend():
    return get_search_backend(BACKEND_NAME)


def parse_query(text):
    """The typed search as a Wagtail query: every word must match; "quoted words" match as a phrase."""
    parts = []
    for position, chunk in enumerate(text.split('"')):
        chunk = " ".join(chunk.split())
        if not chunk:
            continue
        if position % 2:
            parts.append(Phrase(chunk))
        else:
            parts.append(PlainText(chunk, operator="and"))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else And(parts)


def matching_ids(results):
    """The ticket ids of sliced search results, in their order, without building a Ticket per row."""
    get_queryset = getattr(results, "get_queryset", None)  # modelsearch's database backends
    if get_queryset is None:
        return [ticket.pk for ticket in results]
    return list(get_queryset().values_list("pk", flat=True))


class TicketSearchResults:
    """Matching tickets in two steps: the ids in the list's order, then the page's tickets in full.

    Sorting thousands of matches drags every column of every match through the database's
    sorter; sorting ids alone is several times cheaper, and only the page's rows are loaded.
    Paginates like a queryset (``count()`` and slicing). ``count_up_to(limit)`` reads the ids of
    the first ``limit`` matches at once, so the pages within them need no query of their own:
    the list counts and shows a search with one search query instead of two.
    """

    def __init__(self, id_results, queryset, unordered_results=None):
        self.id_results = id_results
        self.queryset = queryset
        # Counting needs no particular order; sorting the matches only to count them is wasted work.
        self.unordered_results = unordered_results if unordered_results is not None else id_results
        self.leading_ids = None  # the first matches' ids, once count_up_to() has read them
        self.leading_limit = 0

    def read_all(self):
        """Whether ``leading_ids`` holds every match."""
        return self.leading_ids is not None and len(self.leading_ids) < self.leading_limit

    def count(self):
        if self.read_all():
            return len(self.leading_ids)
        return self.unordered_results.count()

    def count_up_to(self, limit):
        """How many match, counting no further than ``limit``; keeps those matches' ids for the pages."""
        self.leading_ids = matching_ids(self.id_results[:limit])
        self.leading_limit = limit
        return len(self.leading_ids)

    def ids(self, start, stop):
        """The ids of matches ``start`` to ``stop``: from those count_up_to() read if they lie within, else asked."""
        start = start or 0
        if self.leading_ids is not None and (
            self.read_all() or (stop is not None and stop <= self.leading_limit)
        ):
            return self.leading_ids[start:stop]
        return matching_ids(self.id_results[start:stop])

    def _load(self, ids):
        rows = {ticket.pk: ticket for ticket in self.queryset.filter(pk__in=ids)}
        return [rows[pk] for pk in ids if pk in rows]

    def __getitem__(self, key):
        if isinstance(key, slice):
            if key.step is not None:
                raise ValueError("search results do not slice with a step")
            return self._load(self.ids(key.start, key.stop))
        return self[key : key + 1][0]

    def __iter__(self):
        return iter(self._load(self.ids(0, None)))

    def __len__(self):
        return self.count()


def search_tickets(queryset, text, order_by_relevance=False):
    """Tickets of ``queryset`` (already limited to what the user may see) matching ``text``.

    Keeps the queryset's ordering unless ``order_by_relevance``; the search itself runs
    through Wagtail's search API in the "tickets" backend.
    """
    query = parse_query(text)
    if query is None:
        return queryset
    backend = get_backend()
    ids_only = queryset.select_related(None).prefetch_related(None).only("pk")
    id_results = backend.search(query, ids_only, order_by_relevance=order_by_relevance)
    unordered = backend.search(query, ids_only.order_by(), order_by_relevance=False)
    return TicketSearchResults(id_results, queryset, unordered)


def indexable_tickets():
    """Tickets with what their index entry reads, in four queries per chunk (the customer's addresses
    are two relations deep: without the prefetch it is one query per ticket)."""
    return Ticket.objects.select_related("customer").prefetch_related(
        "customer__addresses",
        Prefetch("messages", queryset=Message.objects.only("ticket_id", "from_address", "body_text")),
    )


def index_tickets(ticket_ids):
    """(Re-)index the given tickets now; ids of tickets that no longer exist are dropped from the index."""
    backend = get_backend()
    ids = sorted(set(ticket_ids))
    for start in range(0, len(ids), INDEX_CHUNK):
        chunk = ids[start : start + INDEX_CHUNK]
        tickets = list(indexable_tickets().filter(pk__in=chunk))
        if tickets:
            backend.add_bulk(Ticket, tickets)
        for missing in set(chunk) - {ticket.pk for ticket in tickets}:
            backend.delete(Ticket(pk=missing))


def index_all_tickets(chunk_size=INDEX_CHUNK, progress=None):
    """Index every ticket (after a restore or an import); returns how many."""
    done = 0
    last_pk = 0
    while True:
        ids = list(
            Ticket.objects.filter(pk__gt=last_pk).order_by("pk").values_list("pk", flat=True)[:chunk_size]
        )
        if not ids:
            return done
        index_tickets(ids)
        done += len(ids)
        last_pk = ids[-1]
        if progress:
            progress(done)


def reindex(ticket_ids):
    """Re-index these tickets now, inside the caller's transaction (the index lives in the same database,
    so a rollback undoes both). A failure is logged, never raised: the tickets themselves are safe."""
    ids = {pk for pk in ticket_ids if pk}
    if not ids:
        return
    pending = getattr(_deferred, "ids", None)
    if pending is not None:
        pending.update(ids)
        return
    try:
        with transaction.atomic():
            index_tickets(ids)
    except Exception:
        # `manage.py update_index --backend tickets` repairs the index later.
        logger.exception("could not update the ticket search index for tickets %s", sorted(ids))


def reindex_customer_tickets(customer_id):
    """Re-index every ticket of this customer (their name or addresses changed)."""
    pending = getattr(_deferred, "customers", None)
    if pending is not None:
        pending.add(customer_id)  # looked up once for the whole block, not once per new customer
        return
    reindex(Ticket.objects.filter(customer_id=customer_id).values_list("pk", flat=True))


_deferred = threading.local()
DEFERRED_CHUNK = 50


@contextmanager
def deferred_reindex(index=None):
    """Collect the re-index requests of a block and index those tickets once when it ends (mail ingest).

    One pass per batch instead of one per message: SQLite's backend rescans the whole index per call.
    ``index(ticket_ids)``, when given, is called for each chunk instead of ``reindex`` (the bulk
    import hands the chunks to a worker process: ``inbox.mail.parsing_pool.ParserPool.index_later``).
    """
    if getattr(_deferred, "ids", None) is not None:
        yield  # an outer block indexes
        return
    _deferred.ids = set()
    _deferred.customers = set()
    try:
        yield
    finally:
        ids, customers = _deferred.ids, sorted(_deferred.customers)
        _deferred.customers = None
        try:
            for start in range(0, len(customers), INDEX_CHUNK):
                chunk = customers[start : start + INDEX_CHUNK]
                ids.update(Ticket.objects.filter(customer_id__in=chunk).values_list("pk", flat=True))
        except Exception:
            logger.exception("could not find the tickets of customers %s to re-index", customers)
        ids, _deferred.ids = sorted(ids), None
        # Small chunks: indexing loads every message of each ticket, so memory follows the chunk size.
        for start in range(0, len(ids), DEFERRED_CHUNK):
            (index or reindex)(ids[start : start + DEFERRED_CHUNK])


@receiver(post_save, sender=Message, dispatch_uid="inbox_search_message_saved")
def _message_saved(sender, instance, created, update_fields=None, raw=False, **kwargs):
    # Delivery bookkeeping (state, attempts …) saves messages often and changes nothing searchable.
    if not raw and (created or update_fields is None or INDEXED_MESSAGE_FIELDS & set(update_fields)):
        reindex([instance.ticket_id])


@receiver(post_delete, sender=Message, dispatch_uid="inbox_search_message_deleted")
def _message_deleted(sender, instance, **kwargs):
    reindex([instance.ticket_id])


@receiver(post_save, sender=Ticket, dispatch_uid="inbox_search_ticket_saved")
def _ticket_saved(sender, instance, created, update_fields=None, raw=False, **kwargs):
    if raw:
        return
    if created or update_fields is None or INDEXED_TICKET_FIELDS & set(update_fields):
        reindex([instance.pk])


@receiver(post_delete, sender=Ticket, dispatch_uid="inbox_search_ticket_deleted")
def _ticket_deleted(sender, instance, **kwargs):
    reindex([instance.pk])


@receiver(post_save, sender=Customer, dispatch_uid="inbox_search_customer_saved")
def _customer_saved(sender, instance, created, raw=False, **kwargs):
    if not (raw or created):
        reindex_customer_tickets(instance.pk)


@receiver(post_save, sender=CustomerAddress, dispatch_uid="inbox_search_address_saved")
@receiver(post_delete, sender=CustomerAddress, dispatch_uid="inbox_search_address_deleted")
def _address_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        reindex_customer_tickets(instance.customer_id)
