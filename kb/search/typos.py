"""Typo tolerance and "did you mean" from the index's own vocabulary.

Only words the index does not know are treated as typos: a known word is matched exactly
(and by its stem), which keeps results precise and avoids building Levenshtein automata for
most queries. For an unknown word the close words (one edit for short words, two for long
ones) are looked up once per index version and reused by the query, the suggestion and the
snippet highlighter.
"""

from functools import lru_cache

from whoosh.automata.lev import levenshtein_automaton
from whoosh.codec.base import Automata
from whoosh.support.levenshtein import distance

from .whoosh_documents import words_field_name

MIN_TYPO_LENGTH = 4
FIRST_LETTERS_KEPT = 1  # misspellings rarely change the first letter; requiring it is much faster


def edit_budget(word):
    """Edits allowed to reach a word typed this long."""
    if len(word) < MIN_TYPO_LENGTH:
        return 0
    return 1 if len(word) <= 6 else 2


@lru_cache(maxsize=4096)
def _automaton(word, edits):
    return levenshtein_automaton(word, edits, FIRST_LETTERS_KEPT).to_dfa()


class Vocabulary:
    """The words of one language in one searcher's view of the index."""

    def __init__(self, searcher, language):
        self.searcher = searcher
        self.reader = searcher.reader()
        self.language = language
        self.words_field = words_field_name(language)
        self.has_words = self.words_field in searcher.schema
        # Lives as long as the searcher, which is replaced when the index changes.
        cache = getattr(searcher, "_kb_near_words", None)
        if cache is None:
            cache = searcher._kb_near_words = {}
        self._near = cache

    def known(self, word, field=None):
        field = field or self.words_field
        return bool(self.has_words and self.reader.doc_frequency(field, word))

    def near(self, word, field=None):
        """Indexed words within the edit budget of an unknown ``word`` (empty for known words)."""
        field = field or self.words_field
        key = (field, word)
        if key not in self._near:
            edits = edit_budget(word)
            found = []
            if edits and self.has_words and not self.known(word) and field in self.searcher.schema:
                automaton = _automaton(word, edits)
                matches = set()
                # Segment by segment: Whoosh-Reloaded's multi-segment cursor is not implemented.
                for segment_reader, _offset in self.reader.leaf_readers():
                    if field in segment_reader.indexed_field_names():
                        matches.update(Automata.find_matches(automaton, segment_reader.cursor(field)))
                matches.discard(word)
                found = sorted(matches)
            self._near[key] = found
        return self._near[key]

    def correction(self, word):
        """The likeliest intended word for an unknown one: fewest edits, then most documents."""
        candidates = self.near(word)
        if not candidates:
            return None
        return min(
            candidates,
            key=lambda match: (distance(word, match), -self.reader.doc_frequency(self.words_field, match)),
        )

    def completions(self, prefix, limit):
        """Up to ``limit`` indexed words starting with ``prefix``."""
        found = []
        if not self.has_words:
            return found
        for term in self.reader.expand_prefix(self.words_field, prefix):
            found.append(term.decode("utf-8") if isinstance(term, bytes) else term)
            if len(found) >= limit:
                break
        return found


class TypoTolerance:
    """How a query matches near misses: their weight, and which fields keep their own boost.

    ``weighted_fields`` are (autocomplete field, boost) pairs, e.g. ("title", 10): a typo in
    a title word still ranks as a title match. ``whole_text`` also matches near misses in
    every word of the article (the full search); instant search keeps to titles.
    """

    #: At most this many near words per typed word (the most frequent): bounds the query size.
    MAX_ALTERNATIVES = 8

    def __init__(self, vocabulary, boost=0.2, weighted_fields=(), whole_text=True):
        self.vocabulary = vocabulary
        self.boost = boost
        self.weighted_fields = weighted_fields
        self.whole_text = whole_text

    def _most_frequent(self, field, matches):
        reader = self.vocabulary.reader
        return sorted(matches, key=lambda match: -reader.doc_frequency(field, match))[: self.MAX_ALTERNATIVES]

    def alternatives(self, word):
        """(field, near word, boost) for the near misses of an unknown ``word``."""
        from .whoosh_documents import autocomplete_field_name

        vocabulary = self.vocabulary
        found = []
        if self.whole_text:
            field = vocabulary.words_field
            found.extend(
                (field, match, self.boost) for match in self._most_frequent(field, vocabulary.near(word))
            )
        for name, weight in self.weighted_fields:
            field = autocomplete_field_name(name, vocabulary.language)
            near = self._most_frequent(field, vocabulary.near(word, field))
            found.extend((field, match, self.boost * weight) for match in near)
        return found
