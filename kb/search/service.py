"""Knowledge base search: what the KB search page and the instant-search box call.

With the Whoosh backend (the default) this adds what Wagtail's search API has no words
for: typo-tolerant matching, "did you mean" suggestions from the index's vocabulary,
highlighted snippets, a per-category facet and filter. With any other backend (database,
Elasticsearch, OpenSearch) the same functions fall back to ``Page.objects.search()``:
plain ranked results, no suggestion.

Only live, public articles of the KB home's own tree (and so of its language) are ever
returned: the index carries a "public" flag, restricted sections are also excluded at
query time, and the pages shown are re-read with ``.live().public()``.
"""

import math
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.html import escape
from wagtail.models import Page
from wagtail.search.backends import get_search_backend

from helpdesk_site.plugins import apply_filters

from .analysis import language_for, stemming_analyzer, terms
from .docsets import DocSets, bitmap
from .kb_queries import (
    SECTION_FIELD,
    article_model,
    instant_fields,
    kb_filter,
    matched_words,
    restricted_paths,
    suggestion,
    typing_query,
    typo_tolerance,
    words_query,
)
from .ranking import Ranker
from .snippets import highlight, snippet_text
from .whoosh_backend import WhooshSearchBackend
from .whoosh_documents import decode_value
from .whoosh_query import searchable_fields

INSTANT_LIMIT = 8
PER_PAGE = 10


@dataclass
class Hit:
    page: Page
    url: str
    category: Page | None
    snippet: str
    score: float = 0.0
    title_html: str = ""

    def __post_init__(self):
        self.title_html = self.title_html or escape(self.page.title)


@dataclass
class SearchOutcome:
    query: str
    hits: list = field(default_factory=list)
    total: int = 0
    page_number: int = 1
    num_pages: int = 0
    per_page: int = PER_PAGE
    suggestion: str = ""
    corrected: bool = False
    sections: list = field(default_factory=list)
    section: Page | None = None

    @property
    def searched_for(self):
        return self.suggestion if self.corrected else self.query


def language_of_home(kb_home):
    return language_for(kb_home.locale.language_code)


def whoosh_backend():
    backend = get_search_backend()
    return backend if isinstance(backend, WhooshSearchBackend) else None


def _visible_pages(ids, restricted=(), with_text=True):
    """Live articles among ``ids`` outside the restricted paths (a second check against the
    database); ``with_text=False`` leaves their bodies unread (titles and links only)."""
    pages = article_model().objects.live().filter(pk__in=ids)
    if not with_text:
        pages = pages.defer("body")
    return {page.pk: page for page in pages if not any(page.path.startswith(path) for path in restricted)}


def _categories_and_sections(pages, section_ids=()):
    """({path: category} of the pages' parents, {id: page} of ``section_ids``), read in one query."""
    parent_paths = {page.path[: -Page.steplen] for page in pages}
    section_ids = {pk for pk in section_ids if pk is not None}
    if not parent_paths and not section_ids:
        return {}, {}
    found = Page.objects.filter(Q(path__in=parent_paths) | Q(pk__in=section_ids)).only("id", "title", "path")
    found = list(found)
    return (
        {page.path: page for page in found if page.path in parent_paths},
        {page.pk: page for page in found if page.pk in section_ids},
    )


def _categories_of(pages):
    return _categories_and_sections(pages)[0]


def _page_url(page, request):
    return page.get_url(request=request) if request is not None else page.get_url()


# Full search --------------------------------------------------------------------------------


def search_articles(kb_home, query, *, section_id=None, page=1, per_page=PER_PAGE, request=None):
    """Search the articles of one KB home (its language); ``page`` is 1-based."""
    query = " ".join((query or "").split())
    outcome = SearchOutcome(query=query, page_number=max(1, int(page or 1)), per_page=per_page)
    if not query:
        return outcome
    if section_id is not None:
        outcome.section = Page.objects.filter(pk=section_id).first()
    backend = whoosh_backend()
    if backend is None:
        return _search_with_wagtail(kb_home, outcome, request)
    return _search_with_whoosh(backend, kb_home, outcome, section_id, request)


def _search_with_whoosh(backend, kb_home, outcome, section_id, request):
    language = language_of_home(kb_home)
    fields = searchable_fields(article_model())
    restricted = restricted_paths(kb_home)
    whole_kb = kb_filter(kb_home, restricted=restricted)
    if whole_kb is None:
        return outcome
    store = backend.store
    with store.searcher() as searcher:
        typos = typo_tolerance(searcher, language)
        outcome.suggestion = suggestion(typos.vocabulary, fields, outcome.query)
        # Every word, then any word, then the suggested spelling, then the last word as the
        # start of a word (the visitor pressed Enter while still typing).
        attempts = [(outcome.query, "and"), (outcome.query, "or")]
        if outcome.suggestion:
            attempts.append((outcome.suggestion, "and"))
        attempts.append((outcome.query, "typing"))
        for text, operator in attempts:
            if operator == "typing":
                search_query = typing_query(text, fields, language, typos)
            else:
                search_query = words_query(text, fields, language, operator, typos)
            matches = _matching_sections(searcher, store, search_query, store.filter_bits(searcher, whole_kb))
            if matches:
                break
        if not matches:
            return outcome
        outcome.corrected = text != outcome.query
        outcome.total = matches.get(section_id, 0) if section_id is not None else sum(matches.values())
        outcome.num_pages = math.ceil(outcome.total / outcome.per_page)
        hits = []
        if outcome.total and outcome.page_number <= outcome.num_pages:
            candidates = matches.documents
            if section_id is not None:
                candidates &= matches.section_bits.get(section_id, 0)
            best = Ranker(searcher, store.postings).top(
                search_query, candidates, outcome.page_number * outcome.per_page
            )
            start = (outcome.page_number - 1) * outcome.per_page
            hits = [(int(searcher.stored_fields(docnum)["pk"]), score) for docnum, score in best[start:]]
        words = matched_words(typos.vocabulary, text, last_is_prefix=operator == "typing")
    stems = set(terms(stemming_analyzer(language), text))
    outcome.hits, sections = _hits(hits, stems, words, language, request, restricted, section_ids=matches)
    outcome.sections = sorted(
        ((sections[pk], count) for pk, count in matches.items() if pk in sections),
        key=lambda item: item[0].path,
    )
    return outcome


class _Matches(dict):
    """{section id: matching articles}, with the bitmap of the matching documents."""

    documents = 0
    section_bits = None


def _section_bitmaps(searcher, store):
    """{section id: bitmap of its documents}, built once per index version."""
    key = ("sections", searcher.reader().generation())
    found = store.postings.extras.get(key)
    if found is None:
        by_section = {}
        # Segment by segment: Whoosh-Reloaded's multi-segment column iterator skips documents.
        for segment_reader, offset in searcher.reader().leaf_readers():
            if not segment_reader.has_column(SECTION_FIELD):
                continue
            column = segment_reader.column_reader(SECTION_FIELD)
            for docnum in range(segment_reader.doc_count_all()):
                value = column[docnum]
                if value:
                    by_section.setdefault(value, []).append(offset + docnum)
        found = {
            decode_value(value, "IntegerField"): bitmap(docnums) for value, docnums in by_section.items()
        }
        store.postings.extras[key] = found
    return found


def _matching_sections(searcher, store, search_query, allowed):
    """Every match of the query among ``allowed`` documents (a bitmap), counted per section."""
    documents = DocSets(searcher, store.postings).of(search_query) & allowed
    section_bits = _section_bitmaps(searcher, store)
    matches = _Matches()
    if documents:
        for section, bits in section_bits.items():
            count = (documents & bits).bit_count()
            if count:
                matches[section] = count
    matches.documents = documents
    matches.section_bits = section_bits
    return matches


def _hits(hits, stems, words, language, request, restricted, section_ids=()):
    """The Hit of each (pk, score) still visible, and {id: page} of ``section_ids``."""
    pages = _visible_pages([pk for pk, _ in hits], restricted)
    categories, sections = _categories_and_sections(pages.values(), section_ids)
    found = []
    for pk, score in hits:
        page = pages.get(pk)
        if page is None:
            continue
        body = snippet_text(page.body.raw_data, stems, words)
        snippet = (
            highlight(body, stems, words, language)
            or highlight(page.summary, stems, words, language)
            or highlight(page.summary or body, stems, words, language, even_without_match=True)
        )
        title = highlight(page.title, stems, words, language, even_without_match=True)
        category = categories.get(page.path[: -Page.steplen])
        found.append(Hit(page, _page_url(page, request), category, snippet, score, title))
    return found, sections


def _search_with_wagtail(kb_home, outcome, request):
    """Any other backend: Wagtail's search API within the KB home's tree and locale."""
    articles = (
        article_model().objects.live().public().descendant_of(kb_home).filter(locale_id=kb_home.locale_id)
    )
    if outcome.section is not None:
        articles = articles.descendant_of(outcome.section)
    results = articles.search(outcome.query, operator="and")
    if not results.count():
        results = articles.search(outcome.query, operator="or")
    outcome.total = results.count()
    outcome.num_pages = math.ceil(outcome.total / outcome.per_page) if outcome.total else 0
    start = (outcome.page_number - 1) * outcome.per_page
    pages = list(results[start : start + outcome.per_page])
    categories = _categories_of(pages)
    outcome.hits = [
        Hit(page, _page_url(page, request), categories.get(page.path[: -Page.steplen]), escape(page.summary))
        for page in pages
    ]
    return outcome


# Instant search -----------------------------------------------------------------------------


def instant_search(kb_home, query, *, limit=INSTANT_LIMIT, request=None):
    """The best ``limit`` articles for what the visitor typed so far: [{id, title, url, category}].

    The last word may be unfinished: it matches the start of title words (and of any word
    once it has three letters); earlier words match like a normal search, typos included.
    """
    query = " ".join((query or "").split())
    if not query:
        return []
    backend = whoosh_backend()
    if backend is None:
        pages = _instant_with_wagtail(kb_home, query, limit)
    else:
        pages = _instant_with_whoosh(backend, kb_home, query, limit)
    categories = _categories_of(pages)
    suggestions = []
    for page in pages:
        category = categories.get(page.path[: -Page.steplen])
        suggestions.append(
            {
                "id": page.pk,
                "title": page.title,
                "url": _page_url(page, request),
                "category": category.title if category else "",
            }
        )
    return apply_filters("kb.instant_search_results", suggestions, query=query, kb_home=kb_home)


def _instant_with_whoosh(backend, kb_home, query, limit):
    language = language_of_home(kb_home)
    restricted = restricted_paths(kb_home)
    filter_query = kb_filter(kb_home, restricted=restricted)
    if filter_query is None:
        return []
    fields = instant_fields(searchable_fields(article_model()))
    store = backend.store
    with store.searcher() as searcher:
        typos = typo_tolerance(searcher, language, whole_text=False)
        search_query = typing_query(query, fields, language, typos, any_word_prefix=False)
        candidates = DocSets(searcher, store.postings).of(search_query) & store.filter_bits(
            searcher, filter_query
        )
        best = Ranker(searcher, store.postings).top(search_query, candidates, limit)
        ids = [int(searcher.stored_fields(docnum)["pk"]) for docnum, _score in best]
    pages = _visible_pages(ids, restricted, with_text=False)
    return [pages[pk] for pk in ids if pk in pages]


def _instant_with_wagtail(kb_home, query, limit):
    articles = (
        article_model().objects.live().public().descendant_of(kb_home).filter(locale_id=kb_home.locale_id)
    )
    return list(articles.autocomplete(query, operator="and")[:limit])
