"""Where the Whoosh index lives: its schema, opening it, writing under a lock, and searchers.

One index directory (``var/whoosh`` by default) holds every indexed page. Field names say
what a field is for:

* ``t_<field>_<lang>``: the text of a ``SearchField``, stemmed for the page's language;
* ``a_<field>_<lang>``: the text of an ``AutocompleteField``, unstemmed, for prefix matching;
* ``w_<lang>``: every word of the page unstemmed: typo-tolerant matching and suggestions;
* ``f_<field>``: a ``FilterField`` value, encoded so that string order is value order;
* ``r_<relation>__<field>``: filter values reached through ``RelatedFields`` (many per page);
* ``key`` (unique), ``pk``, ``ct`` (content types), ``lang``, ``nulls`` (NULL filter fields), ``order``.

Writers from several processes (web and worker) take Whoosh's file lock (``fcntl.flock``)
and wait for it up to ``lock_timeout`` seconds. Each thread keeps one searcher per index,
refreshed when another writer committed, with a small cache of filter document sets.
"""

import logging
import threading
import time
from collections import OrderedDict
from contextlib import contextmanager
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.analysis import RegexTokenizer
from whoosh.fields import ID, KEYWORD, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.writing import CLEAR, LockError, SegmentWriter

from . import whoosh_codec
from .analysis import LANGUAGES, plain_analyzer, stemming_analyzer
from .docsets import PostingCache, bitmap

logger = logging.getLogger(__name__)
whoosh_codec.install()  # posting blocks that unpickle ten times faster (see whoosh_codec)

#: Bump when the schema changes; ``update_index`` then recreates the index from scratch.
SCHEMA_VERSION = "1"
SCHEMA_MARKER = f"schema_v{SCHEMA_VERSION}"
MULTI_VALUE_SEPARATOR = "\x1f"
NO_DOCUMENTS = {-1}  # a set (Whoosh accepts set, not frozenset); treat as read-only


def build_schema():
    schema = Schema(
        key=ID(stored=True, unique=True),
        pk=ID(stored=True),
        ct=KEYWORD(),
        lang=ID(stored=True),
        nulls=KEYWORD(),
        order=ID(sortable=True),
    )
    schema.add(SCHEMA_MARKER, ID())
    schema.add("f_*", ID(sortable=True), glob=True)
    schema.add("r_*", KEYWORD(analyzer=RegexTokenizer(f"[^{MULTI_VALUE_SEPARATOR}]+")), glob=True)
    for language in LANGUAGES:
        schema.add(f"t_*_{language}", TEXT(analyzer=stemming_analyzer(language)), glob=True)
        schema.add(f"a_*_{language}", TEXT(analyzer=plain_analyzer(language), phrase=False), glob=True)
        schema.add(f"w_{language}", TEXT(analyzer=plain_analyzer(language), phrase=False))
    return schema


class WhooshStore:
    """One index directory, shared by every backend instance of this process that names it."""

    FILTER_CACHE_SIZE = 64

    def __init__(self, path, lock_timeout=120.0):
        self.path = Path(path)
        self.lock_timeout = lock_timeout
        self._index = None
        self._open_lock = threading.Lock()
        self._local = threading.local()
        self.postings = PostingCache()

    # Opening -------------------------------------------------------------------------

    def index(self):
        if self._index is None:
            with self._open_lock:
                if self._index is None:
                    self._index = self._open_or_create()
        return self._index

    def _open_or_create(self):
        self.path.mkdir(parents=True, exist_ok=True)
        if whoosh_index.exists_in(str(self.path)):
            return whoosh_index.open_dir(str(self.path))
        storage = FileStorage(str(self.path))
        lock = storage.lock(f"{whoosh_index._DEF_INDEX_NAME}_WRITELOCK")
        self._acquire(lock)
        try:
            # Another process may have created it while this one waited for the lock.
            if not whoosh_index.exists_in(str(self.path)):
                storage.create_index(build_schema())
        finally:
            lock.release()
        return whoosh_index.open_dir(str(self.path))

    def is_current(self):
        """False when the index on disk was built with an older schema (run ``update_index``)."""
        return SCHEMA_MARKER in self.index().schema.names()

    def _acquire(self, lock):
        deadline = time.monotonic() + self.lock_timeout
        while not lock.acquire(blocking=False):
            if time.monotonic() > deadline:
                raise LockError(f"the Whoosh index at {self.path} stayed locked for {self.lock_timeout} s")
            time.sleep(0.05)

    # Writing -------------------------------------------------------------------------

    @contextmanager
    def writer(self):
        """A writer that waits for the index lock, commits on success and cancels on error."""
        try:
            writer = self.index().writer(timeout=self.lock_timeout, delay=0.05)
        except LockError:
            raise LockError(
                f"the Whoosh index at {self.path} stayed locked for {self.lock_timeout} s"
            ) from None
        try:
            yield writer
        except BaseException:
            writer.cancel()
            raise
        writer.commit()

    @contextmanager
    def replacing_writer(self):
        """A writer whose commit replaces the whole index with what it wrote (full rebuild).

        Readers keep seeing the old documents until the commit. When the schema on disk is
        outdated the index is recreated first, so it is empty during that rebuild.
        """
        index = self.index()
        lock = index.lock("WRITELOCK")
        self._acquire(lock)
        try:
            if not self.is_current():
                index.storage.create_index(build_schema())
                with self._open_lock:
                    self._index = index = whoosh_index.open_dir(str(self.path))
            writer = SegmentWriter(index, _lk=False, limitmb=256)
            try:
                yield writer
            except BaseException:
                writer.cancel()
                raise
            writer.commit(mergetype=CLEAR)
        finally:
            lock.release()

    def clear(self):
        """Remove every document (an empty commit that drops all segments)."""
        writer = self.index().writer(timeout=self.lock_timeout, delay=0.05)
        writer.commit(mergetype=CLEAR)

    # Reading -------------------------------------------------------------------------

    @contextmanager
    def searcher(self):
        """This thread's searcher, refreshed if a writer committed since it was opened."""
        searcher = getattr(self._local, "searcher", None)
        if searcher is not None and not searcher.up_to_date():
            # Not Searcher.refresh(): Whoosh-Reloaded 2.7.5 keeps merged-away segments
            # in a refreshed reader, so documents would show up twice.
            searcher.close()
            searcher = None
        if searcher is None:
            searcher = self.index().searcher()
            self._local.filters = OrderedDict()
            self._local.searcher = searcher
        yield searcher

    def filter_docs(self, searcher, query):
        """The set of documents matching a filter query, cached until the index changes."""
        if query is None:
            return None
        return self._filter(searcher, query)[0]

    def filter_bits(self, searcher, query):
        """The same documents as a bitmap (an int: bit n set for document n)."""
        return self._filter(searcher, query)[1]

    def _filter(self, searcher, query):
        key = repr(query)
        cache = self._local.filters
        found = cache.get(key)
        if found is None:
            # A plain set: fast membership tests, and Whoosh's search() accepts it as a filter.
            docs = set(searcher._filter_to_comb(query))
            # Whoosh reads an empty allow-set as "no filter": a set no document is in filters all out.
            found = cache[key] = (docs or set(NO_DOCUMENTS), bitmap(docs))
            if len(cache) > self.FILTER_CACHE_SIZE:
                cache.popitem(last=False)
        else:
            cache.move_to_end(key)
        return found

    def size_on_disk(self):
        return sum(file.stat().st_size for file in self.path.iterdir() if file.is_file())


_stores = {}
_stores_lock = threading.Lock()


def get_store(path, lock_timeout=120.0):
    """The process-wide store for an index directory (searchers survive backend re-creation)."""
    key = str(Path(path).resolve())
    with _stores_lock:
        store = _stores.get(key)
        if store is None:
            store = _stores[key] = WhooshStore(key, lock_timeout=lock_timeout)
        store.lock_timeout = lock_timeout
        return store
