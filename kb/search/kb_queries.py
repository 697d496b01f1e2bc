"""The Whoosh queries of the knowledge base search: which articles, how words match.

Kept apart from service.py, which runs them and turns hits into pages and snippets.
"""

from wagtail.models import PageViewRestriction
from whoosh import query as wq

from .analysis import plain_analyzer, stemming_analyzer, terms
from .typos import TypoTolerance, Vocabulary
from .whoosh_documents import autocomplete_field_name, encode_value, text_field_name, words_field_name
from .whoosh_query import MATCH_NOTHING, all_of, any_of, text_query

TYPO_BOOST = 0.2  # a typo-tolerant match counts a fifth of an exact one
TYPO_WEIGHTED_FIELDS = (("title", 10.0),)  # a typo in a title word still ranks as a title match
PREFIX_HIGHLIGHTS = 50  # words an unfinished last word may stand for, when marking snippets
SECTION_FIELD = "f_kb_section_id"


def article_model():
    from kb.models import ArticlePage

    return ArticlePage


def restricted_paths(kb_home):
    """Paths of restricted sections inside (or above) this KB home, read at query time."""
    paths = PageViewRestriction.objects.values_list("page__path", flat=True)
    return [path for path in paths if path.startswith(kb_home.path) or kb_home.path.startswith(path)]


def kb_filter(kb_home, section_id=None, restricted=None):
    """Live, public articles of this KB home (optionally one top-level category); None if
    the whole knowledge base is private. ``restricted``: restricted_paths(), if already read."""
    restricted = restricted_paths(kb_home) if restricted is None else restricted
    if any(kb_home.path.startswith(path) for path in restricted):
        return None
    parts = [
        wq.Term("ct", article_model().indexed_get_content_type()),
        wq.Term("f_live", "1"),
        wq.Term("f_kb_public", "1"),
        wq.Term("f_kb_home_id", encode_value(kb_home.pk, "IntegerField")),
    ]
    if section_id is not None:
        parts.append(wq.Term(SECTION_FIELD, encode_value(section_id, "IntegerField")))
    # The index's public flag is refreshed by a task; this also hides what was restricted since.
    parts.extend(wq.Not(wq.Prefix("f_path", path)) for path in restricted)
    return wq.And(parts)


#: The short fields instant search looks in (titles, headings, tags, summaries): it answers
#: while the visitor types, so it leaves the long bodies to the full search.
INSTANT_FIELDS = ("title", "search_headings", "tags__name", "summary")


def typo_tolerance(searcher, language, whole_text=True):
    return TypoTolerance(
        Vocabulary(searcher, language), TYPO_BOOST, TYPO_WEIGHTED_FIELDS, whole_text=whole_text
    )


def instant_fields(fields):
    return [(name, boost) for name, boost in fields if name in INSTANT_FIELDS]


def words_query(text, fields, language, operator, typos):
    return text_query(text, fields, language, operator, typos=typos)


def typing_query(text, fields, language, typos, any_word_prefix=True):
    """Text still being typed: earlier words match as in a search (typos included), the last
    one also as the start of a title word (or, with ``any_word_prefix``, of any word once it
    has three letters)."""
    words = terms(plain_analyzer(language), text)
    if not words:
        return MATCH_NOTHING
    *complete, last = words
    last_options = [
        wq.Prefix(autocomplete_field_name("title", language), last, boost=3.0),
        text_query(last, fields, language, "and"),
        # Stems start like the words they come from ("passw" → "password" from "passwords").
        *(wq.Prefix(text_field_name(name, language), last, boost=weight / 2) for name, weight in fields),
    ]
    if any_word_prefix and len(last) >= 3:
        last_options.append(wq.Prefix(words_field_name(language), last, boost=0.5))
    if not typos.vocabulary.completions(last, 1):
        # Nothing starts like this: perhaps a typo in a finished word.
        last_options.append(text_query(last, fields, language, "and", typos=typos))
    groups = [text_query(word, fields, language, "and", typos=typos) for word in complete]
    groups.append(any_of(last_options))
    return all_of(groups)


def suggestion(vocabulary, fields, text):
    """The query with unknown words replaced by the closest indexed ones, or "" if none is.

    A word counts as misspelt only when neither it nor its stem ("книгу" → "книг") is in the
    index, so an inflection is never "corrected".
    """
    language = vocabulary.language
    stemmer = stemming_analyzer(language)
    changed, words = False, []
    for word in terms(plain_analyzer(language), text):
        replacement = word
        if not word.isdigit() and not vocabulary.known(word):
            stems = terms(stemmer, word)
            stem_known = any(
                vocabulary.known(stem, text_field_name(name, language))
                for stem in stems
                for name, _ in fields
            )
            corrected = None if stem_known else vocabulary.correction(word)
            if corrected:
                replacement, changed = corrected, True
        words.append(replacement)
    return " ".join(words) if changed else ""


def matched_words(vocabulary, text, last_is_prefix=False):
    """Unstemmed words a query matched, near misses and completions included (for snippets)."""
    words = terms(plain_analyzer(vocabulary.language), text)
    found = set(words)
    for word in words:
        found.update(vocabulary.near(word))
    if last_is_prefix and words:
        found.update(vocabulary.completions(words[-1], PREFIX_HIGHLIGHTS))
    return found
