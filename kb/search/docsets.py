"""Which documents a query matches, as bitmaps, without scoring them; and posting lists.

The KB search page shows how many articles match and how many per category. Walking
Whoosh's matchers document by document costs milliseconds per thousand matches. Here each
term's posting list is read block by block, and the documents it holds become a bitmap (a
Python int, bit n = document n): "and", "or" and "not" are then single big-integer
operations and counting is ``int.bit_count()``. Posting lists are cached per process and
index version (``PostingCache``, bounded in size), so frequent words are read from disk once.
Deleted documents can still be in posting lists: callers intersect with a filter bitmap.
"""

import threading
from array import array
from collections import OrderedDict, deque
from itertools import accumulate, compress, repeat

from whoosh import query as wq
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching import FilterMatcher


def _leaf_postings(matcher):
    """(ids, weights) of one segment's posting list, read block by block."""
    if isinstance(matcher, FilterMatcher):
        matcher = matcher.child
    ids, weights = [], []
    if isinstance(matcher, W3LeafMatcher):
        # Whoosh-Reloaded 2.7.5 internals: a block's ids and weights decode at once (the ids
        # are stored as gaps: accumulate() sums them in C, as delta_decode() does in Python).
        while True:
            matcher._read_data()
            block_ids = matcher._data[0]
            ids.extend(block_ids if matcher._byteids else accumulate(block_ids))
            matcher._read_weights()
            weights.extend(matcher._weights)
            if matcher._lastblock:
                return ids, weights
            matcher._next_block()
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    return ids, weights


_DIGIT_OF_FLAG = bytes.maketrans(b"\x00\x01", b"01")


def bitmap(docnums):
    """A bitmap (int) with the bits of ``docnums`` set."""
    docnums = list(docnums)
    if not docnums:
        return 0
    # One byte per document, set in C (map + deque), then read as binary digits, highest first.
    flags = bytearray(max(docnums) + 1)
    deque(map(flags.__setitem__, docnums, repeat(1)), maxlen=0)
    return int(flags[::-1].translate(_DIGIT_OF_FLAG), 2)


_BIT_OF_DIGIT = bytes.maketrans(b"01", b"\x00\x01")


def members(bits):
    """The document numbers set in a bitmap, ascending."""
    if not bits:
        return []
    # Lowest bit first, one byte (0 or 1) per bit; compress() keeps the positions set, in C.
    flags = bin(bits)[:1:-1].encode("ascii").translate(_BIT_OF_DIGIT)
    return list(compress(range(len(flags)), flags))


class Postings:
    __slots__ = ("ids", "weights", "bits", "parts", "top_part")

    def __init__(self, ids, weights):
        self.ids = array("I", ids)
        self.weights = array("f", weights)
        self.bits = bitmap(self.ids)
        self.parts = None  # the ranker's BM25 part of each posting, computed on first use
        self.top_part = 0.0  # the largest of the parts


EMPTY = Postings((), ())


class PostingCache:
    """Posting lists of one index, for its current version, up to ``max_postings`` entries."""

    def __init__(self, max_postings=2_000_000):
        self.max_postings = max_postings
        self._generation = None
        self._entries = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        #: Per index version, for the caller: e.g. the KB's bitmap of each category.
        self.extras = {}

    def get(self, searcher, field, text):
        reader = searcher.reader()
        key = (field, text if isinstance(text, str) else text.decode("utf-8"))
        with self._lock:
            if self._generation != reader.generation():
                self._entries.clear()
                self.extras = {}
                self._size = 0
                self._generation = reader.generation()
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                return found
        found = self._read(reader, *key)
        with self._lock:
            if self._generation == reader.generation() and len(found.ids) <= self.max_postings:
                self._entries[key] = found
                self._size += len(found.ids)
                while self._size > self.max_postings:
                    _, dropped = self._entries.popitem(last=False)
                    self._size -= len(dropped.ids)
        return found

    @staticmethod
    def _read(reader, field, text):
        ids, weights = [], []
        for segment_reader, offset in reader.leaf_readers():
            if (field, text) in segment_reader:
                segment_ids, segment_weights = _leaf_postings(segment_reader.postings(field, text))
                ids.extend(segment_ids if not offset else (offset + docnum for docnum in segment_ids))
                weights.extend(segment_weights)
        return Postings(ids, weights) if ids else EMPTY


class DocSets:
    def __init__(self, searcher, cache):
        self.searcher = searcher
        self.reader = searcher.reader()
        self.cache = cache

    def term(self, field, text):
        return self.cache.get(self.searcher, field, text).bits

    def everything(self):
        return (1 << self.reader.doc_count_all()) - 1

    def of(self, query):
        """The bitmap of documents ``query`` matches (deleted ones possibly included)."""
        if isinstance(query, wq.Term):
            return self.term(query.fieldname, query.text)
        if isinstance(query, wq.Or | wq.DisjunctionMax):
            result = 0
            for sub in query.subqueries:
                result |= self.of(sub)
            return result
        if isinstance(query, wq.And):
            result = self.everything()
            for sub in query.subqueries:
                result &= self.of(sub)
                if not result:
                    break
            return result
        if isinstance(query, wq.Prefix):
            result = 0
            for text in self.reader.expand_prefix(query.fieldname, query.text):
                result |= self.term(query.fieldname, text)
            return result
        if isinstance(query, wq.Every):
            return self.everything()
        if isinstance(query, wq.Not):
            return self.everything() & ~self.of(query.query)
        return bitmap(self.searcher.docs_for_query(query))
