"""BM25F ranking of a known set of matching documents, the way Whoosh scores them.

The KB search page already knows every matching document (docsets.py, for the counts and
the category facet). Scoring them from whole posting blocks costs a fraction of walking
Whoosh's matcher tree document by document, and gives the same scores: per term
``boost × idf × tf·(K1+1) / (tf + K1·(1−B+B·length/average length))``, summed over the terms
a document matches; a prefix match adds its boost once.
"""

import heapq

from whoosh import query as wq
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.util.numeric import byte_to_length

from .docsets import DocSets, members

K1 = 1.2
B = 0.75
_LENGTH_OF_BYTE = [byte_to_length(value) for value in range(256)]


def _units(query, found):
    """(kind, field, text, boost) of every scoring leaf of the query tree."""
    if isinstance(query, wq.Term):
        found.append(("term", query.fieldname, query.text, query.boost))
    elif isinstance(query, wq.Prefix):
        found.append(("prefix", query.fieldname, query.text, query.boost))
    elif isinstance(query, wq.And | wq.Or | wq.DisjunctionMax):
        for sub in query.subqueries:
            _units(sub, found)
    return found


def _segment_lengths(segment_reader, field):
    """The length of ``field`` in each document of one segment, read as a whole column."""
    count = segment_reader.doc_count_all()
    perdoc = getattr(segment_reader, "_perdoc", None)  # Whoosh-Reloaded 2.7.5 internals
    name = _lenfield(field)
    if perdoc is not None and hasattr(perdoc, "column_reader"):
        if not perdoc.has_column(name):
            return [0] * count
        return [_LENGTH_OF_BYTE[value] for value in perdoc.column_reader(name, LENGTHS_COLUMN)]
    return [segment_reader.doc_field_length(docnum, field) for docnum in range(count)]


class Ranker:
    def __init__(self, searcher, cache):
        self.searcher = searcher
        self.reader = searcher.reader()
        self.cache = cache
        lengths = getattr(searcher, "_kb_lengths", None)
        if lengths is None:
            lengths = searcher._kb_lengths = {}
        self.lengths = lengths  # field -> length of the field in every document

    def _field_lengths(self, field):
        lengths = self.lengths.get(field)
        if lengths is None:
            lengths = []
            for segment_reader, _offset in self.reader.leaf_readers():
                lengths.extend(_segment_lengths(segment_reader, field))
            self.lengths[field] = lengths
        return lengths

    def top(self, query, candidate_bits, limit):
        """The ``limit`` best (docnum, score) among the candidates (a bitmap), best first."""
        candidates = set(members(candidate_bits))
        scores = dict.fromkeys(candidates, 0.0)
        searcher = self.searcher
        docsets = DocSets(searcher, self.cache)
        for kind, field, text, boost in _units(query, []):
            if kind == "prefix":
                for docnum in members(docsets.of(wq.Prefix(field, text)) & candidate_bits):
                    scores[docnum] += boost
                continue
            postings = self.cache.get(searcher, field, text)
            if not postings.ids:
                continue
            idf = searcher.idf(field, text)
            average = searcher.avg_field_length(field) or 1
            lengths = self._field_lengths(field)
            if len(candidates) < len(postings.ids):
                weights = dict(zip(postings.ids, postings.weights, strict=True))
                pairs = ((docnum, weights[docnum]) for docnum in candidates if docnum in weights)
            else:
                pairs = (
                    (docnum, weight)
                    for docnum, weight in zip(postings.ids, postings.weights, strict=True)
                    if docnum in candidates
                )
            for docnum, weight in pairs:
                norm = K1 * ((1 - B) + B * lengths[docnum] / average)
                scores[docnum] += boost * idf * (weight * (K1 + 1)) / (weight + norm)
        return heapq.nlargest(limit, scores.items(), key=lambda item: (item[1], -item[0]))
