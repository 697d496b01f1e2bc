"""BM25F ranking of a known set of matching documents, the way Whoosh scores them.

The KB search page already knows every matching document (docsets.py, for the counts and
the category facet). Scoring them from whole posting lists costs a fraction of walking
Whoosh's matcher tree document by document, and gives the same scores: per term
``boost × idf × tf·(K1+1) / (tf + K1·(1−B+B·length/average length))``, summed over the terms
a document matches; a prefix match adds its boost once.

Only the best few documents are shown, so not every posting of every term is read. Terms
go by the most they can add to a score (title terms, boosted and rare, before body terms),
and once the documents scored so far hold a top ``limit`` that the terms left could not
overturn (MaxScore pruning), those terms are only looked up for the few documents still in
the running. A common word's body posting list (most of the knowledge base) is then never
walked, and its per-posting part of the formula (kept per index version once computed) is
only computed for the documents looked up: a term's bound comes from its highest frequency
and shortest field, which Whoosh keeps per term.
"""

import heapq
from array import array
from bisect import bisect_left

from whoosh import query as wq
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.reading import TermNotFound
from whoosh.util.numeric import byte_to_length

from .docsets import DocSets, members

K1 = 1.2
B = 0.75
_LENGTH_OF_BYTE = [byte_to_length(value) for value in range(256)]
#: Float sums may differ in the last bits from the bounds they are compared with.
_SLACK = 1 + 1e-9
#: Look a term up per document (binary search) rather than walk its postings when the
#: documents are this many times fewer than the postings.
_LOOKUP_RATIO = 4


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


class _Scored:
    """One scoring term: its documents (ascending) and their frequencies (None for a prefix,
    which adds its factor once), the factor (boost × idf) and the most it adds to a score."""

    __slots__ = ("ids", "weights", "lengths", "flat", "ratio", "postings", "factor", "bound")

    def __init__(self, ids, factor, top_part, weights=None, lengths=None, average=1.0, postings=None):
        self.ids = ids
        self.weights = weights
        self.lengths = lengths
        self.flat = K1 * (1 - B)
        self.ratio = K1 * B / average
        self.postings = postings
        self.factor = factor
        self.bound = factor * top_part * _SLACK

    def part(self, at, docnum):
        """The BM25 part of the posting at ``at`` (document ``docnum``)."""
        weight = self.weights[at]
        return weight * (K1 + 1) / (weight + self.flat + self.ratio * self.lengths[docnum])

    def parts(self):
        """Every posting's part, computed once per index version and kept with the postings."""
        postings = self.postings
        if postings.parts is None:
            flat, ratio, lengths = self.flat, self.ratio, self.lengths
            postings.parts = array(
                "d",
                [
                    weight * (K1 + 1) / (weight + flat + ratio * lengths[docnum])
                    for docnum, weight in zip(self.ids, self.weights, strict=True)
                ],
            )
            postings.top_part = max(postings.parts)
        return postings.parts

    def add_to(self, scores, docs, allowed):
        """Add this term's score to ``scores`` for ``docs`` (a list; ``allowed``: the same as a set)."""
        ids, factor = self.ids, self.factor
        get = scores.get
        if len(docs) * _LOOKUP_RATIO < len(ids):
            count = len(ids)
            for docnum in docs:
                at = bisect_left(ids, docnum)
                if at < count and ids[at] == docnum:
                    gain = factor * self.part(at, docnum) if self.weights is not None else factor
                    scores[docnum] = get(docnum, 0.0) + gain
        elif self.weights is None:
            for docnum in ids:
                if docnum in allowed:
                    scores[docnum] = get(docnum, 0.0) + factor
        else:
            for docnum, part in zip(ids, self.parts(), strict=True):
                if docnum in allowed:
                    scores[docnum] = get(docnum, 0.0) + factor * part


def _kth_best(scores, limit):
    return heapq.nlargest(limit, scores.values())[-1]


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

    def _top_part(self, field, text, postings, average):
        """The largest part any posting of the term can have: from the term's highest frequency
        and shortest field (the part grows with one and shrinks with the other)."""
        if postings.parts is not None:
            return postings.top_part
        try:
            info = self.reader.term_info(field, text)
            weight, length = info.max_weight(), info.min_length()
        except TermNotFound:
            weight, length = max(postings.weights), 0
        return weight * (K1 + 1) / (weight + K1 * (1 - B) + K1 * B / average * length)

    def _scored(self, query, candidate_bits):
        found = []
        docsets = DocSets(self.searcher, self.cache)
        for kind, field, text, boost in _units(query, []):
            if kind == "prefix":
                ids = members(docsets.of(wq.Prefix(field, text)) & candidate_bits)
                if ids and boost > 0:
                    found.append(_Scored(ids, boost, 1.0))
                continue
            postings = self.cache.get(self.searcher, field, text)
            if not postings.ids:
                continue
            factor = boost * self.searcher.idf(field, text)
            if factor > 0:
                average = self.searcher.avg_field_length(field) or 1
                top_part = self._top_part(field, text, postings, average)
                found.append(
                    _Scored(
                        postings.ids,
                        factor,
                        top_part,
                        postings.weights,
                        self._field_lengths(field),
                        average,
                        postings,
                    )
                )
        found.sort(key=lambda scored: -scored.bound)
        return found

    def top(self, query, candidate_bits, limit):
        """The ``limit`` best (docnum, score) among the candidates (a bitmap), best first."""
        if limit <= 0 or not candidate_bits:
            return []
        candidates = members(candidate_bits)
        allowed = set(candidates)
        terms = self._scored(query, candidate_bits)
        # left[i]: the most the terms from i on can add to a score.
        left = [0.0] * (len(terms) + 1)
        for position in range(len(terms) - 1, -1, -1):
            left[position] = left[position + 1] + terms[position].bound
        scores = {}
        for position, term in enumerate(terms):
            if len(scores) >= limit:
                threshold = _kth_best(scores, limit)
                if threshold > left[position] * _SLACK:
                    # A document no term so far matched cannot reach the top any more, nor
                    # can one scored so far whose score plus everything left stays below it.
                    running = [
                        docnum
                        for docnum, score in scores.items()
                        if (score + left[position]) * _SLACK >= threshold
                    ]
                    scores = {docnum: scores[docnum] for docnum in running}
                    running_set = set(running)
                    for rest in terms[position:]:
                        rest.add_to(scores, running, running_set)
                    break
            term.add_to(scores, candidates, allowed)
        best = heapq.nlargest(limit, scores.items(), key=lambda item: (item[1], -item[0]))
        if len(best) < limit:  # candidates no scoring term matched rank last, by document order
            best.extend((docnum, 0.0) for docnum in candidates if docnum not in scores)
            best = best[:limit]
        return best
