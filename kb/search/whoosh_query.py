"""Translating Wagtail search queries and queryset filters into Whoosh queries.

``WhooshSearchQueryCompiler`` follows modelsearch's ``BaseSearchQueryCompiler`` contract:
queryset filters become Whoosh filter queries (exact, in, ranges, startswith, isnull,
and/or/not), the search query (PlainText, Phrase, Fuzzy, Boost, And, Or, Not, MatchAll)
becomes a scored Whoosh query over the model's ``SearchField``s in each language present
(or only the language of a ``locale`` filter), each field weighted by its ``boost``.
"""

from functools import cache

from django.db import DEFAULT_DB_ALIAS
from django.db.models import F, OrderBy, Subquery
from django.db.models.lookups import Lookup
from django.db.models.sql import Query
from django.db.models.sql.constants import MULTI, SINGLE
from modelsearch.backends.base import BaseSearchQueryCompiler, OrderByFieldError
from modelsearch.index import AutocompleteField, RelatedFields, SearchField, get_indexed_models
from modelsearch.query import And, Boost, Fuzzy, MatchAll, Not, Or, Phrase, PlainText
from whoosh import query as wq
from whoosh import sorting

from .analysis import LANGUAGES, plain_analyzer, stemming_analyzer, terms
from .whoosh_documents import (
    autocomplete_field_name,
    content_types,
    encode_value,
    filter_field_name,
    language_of_locale,
    text_field_name,
    words_field_name,
)

#: Matches no document, and keeps meaning that inside Whoosh's Not (unlike NullQuery).
MATCH_NOTHING = wq.Not(wq.Every())


def any_of(queries, boost=1.0):
    queries = [q for q in queries if q is not None]
    if not queries:
        return MATCH_NOTHING
    if len(queries) == 1 and boost == 1.0:
        return queries[0]
    return wq.Or(queries, boost=boost)


def all_of(queries):
    queries = [q for q in queries if q is not None]
    if not queries:
        return MATCH_NOTHING
    return queries[0] if len(queries) == 1 else wq.And(queries)


def best_of(queries):
    """The best-scoring field wins, as Elasticsearch's multi_match (dis_max) does."""
    queries = [q for q in queries if q is not None]
    if not queries:
        return MATCH_NOTHING
    return queries[0] if len(queries) == 1 else wq.DisjunctionMax(queries)


def fuzzy_distance(word):
    """Edits allowed for a word of this length (Elasticsearch's "AUTO" fuzziness)."""
    if len(word) <= 2:
        return 0
    return 1 if len(word) <= 5 else 2


@cache
def _family(model):
    """The model and its indexed subclasses: a search on a parent also finds a child's fields."""
    return (
        model,
        *[other for other in get_indexed_models() if other is not model and issubclass(other, model)],
    )


def searchable_fields(model, only=None):
    """(name, boost) of the SearchFields of the model (and of its subclasses when ``only`` is None).

    Fields reached through RelatedFields are named ``relation__field``.
    """
    found = {}

    def walk(fields, prefix):
        for field in fields:
            if isinstance(field, RelatedFields):
                if prefix or only is None:
                    walk(field.fields, (*prefix, field.field_name))
            elif isinstance(field, SearchField):
                if not prefix and only is not None and field.field_name not in only:
                    continue
                name = "__".join([*prefix, field.field_name])
                found[name] = max(found.get(name, 0.0), float(field.boost or 1.0))

    for member in _family(model) if only is None else (model,):
        walk(member.get_search_fields(), ())
    return list(found.items())


def autocomplete_fields(model, only=None):
    """Names of the AutocompleteFields (of subclasses too when ``only`` is None), related ones as a__b."""
    found = []

    def walk(fields, prefix):
        for field in fields:
            if isinstance(field, RelatedFields):
                if only is None:
                    walk(field.fields, (*prefix, field.field_name))
            elif isinstance(field, AutocompleteField):
                name = "__".join([*prefix, field.field_name])
                if (only is None or name in only) and name not in found:
                    found.append(name)

    for member in _family(model) if only is None else (model,):
        walk(member.get_search_fields(), ())
    return found


def languages_in(searcher):
    """Languages with at least one document, cached on the searcher (it is replaced on change)."""
    languages = getattr(searcher, "_kb_languages", None)
    if languages is None:
        languages = [lang for lang in LANGUAGES if searcher.doc_frequency("lang", lang)]
        searcher._kb_languages = languages
    return languages


def text_query(query_text, fields, language, operator="and", boost=1.0, typos=None):
    """Each word must (and) or may (or) match one of the fields, the field scores adding up.

    ``typos`` (a :class:`kb.search.typos.TypoTolerance`) also lets an unknown word match the
    indexed words a typo or two away, scored lower than exact matches.
    """
    stemmer = stemming_analyzer(language)
    groups = []
    for word in terms(plain_analyzer(language), query_text):
        options = [
            wq.Term(text_field_name(name, language), stem, boost=weight * boost)
            for stem in terms(stemmer, word)
            for name, weight in fields
        ]
        if not options:
            continue  # a stop word
        if typos is not None:
            options.extend(
                wq.Term(field, near, boost=weight * boost) for field, near, weight in typos.alternatives(word)
            )
        # Scores of the fields add up (like Lucene's most_fields): a title match outweighs a
        # body match through the boosts, and a word in both ranks above either alone.
        groups.append(any_of(options))
    if not groups:
        return MATCH_NOTHING
    return all_of(groups) if operator == "and" else any_of(groups)


class WhooshSearchQueryCompiler(BaseSearchQueryCompiler):
    DEFAULT_OPERATOR = "or"
    HANDLES_ORDER_BY_EXPRESSIONS = True

    # Filters ---------------------------------------------------------------------------

    def _column(self, field_path):
        model = self.queryset.model
        relation = []
        for field in field_path[:-1]:
            relation.append(field.field_name)
            model = field.get_field(model).related_model
        leaf = field_path[-1]
        return filter_field_name(leaf.get_attname(model), tuple(relation)), leaf.get_type(model), model, leaf

    def _run_subquery(self, value, result_type):
        query = value.query if isinstance(value, Subquery) else value
        db_alias = self.queryset._db or DEFAULT_DB_ALIAS
        result = query.get_compiler(db_alias).execute_sql(result_type=result_type)
        if result_type == SINGLE:
            return result[0] if result else None
        return [row[0] for chunk in result for row in chunk]

    def _process_lookup(self, field_path, lookup, value):
        column, internal_type, model, leaf = self._column(field_path)

        def encode(item):
            return encode_value(item, internal_type)

        if lookup == "exact":
            if isinstance(value, Query | Subquery):
                value = self._run_subquery(value, SINGLE)
            if value is None:
                return wq.Term("nulls", column)
            return wq.Term(column, encode(value))
        if lookup == "isnull":
            query = wq.Term("nulls", column)
            return query if value else wq.Not(query)
        if lookup in ("startswith", "prefix"):
            return wq.Prefix(column, encode(value))
        if lookup in ("gt", "gte", "lt", "lte"):
            bound = encode(value)
            if lookup.startswith("g"):
                return wq.TermRange(column, bound, None, startexcl=lookup == "gt")
            return wq.TermRange(column, None, bound, endexcl=lookup == "lt")
        if lookup == "range":
            lower, upper = value
            return wq.TermRange(column, encode(lower), encode(upper))
        if lookup == "in":
            if isinstance(value, Query | Subquery):
                value = self._run_subquery(value, MULTI)
            return any_of([wq.Term(column, encode(item)) for item in value if item is not None])
        return None

    def _locale_filter(self):
        """The locale id a top-level ``locale=`` filter requires, if any (one language to search)."""
        where = self.queryset.query.where
        if where.negated or where.connector != "AND":
            return None
        for child in where.children:
            target = getattr(getattr(child, "lhs", None), "target", None)
            if (
                isinstance(child, Lookup)
                and child.lookup_name == "exact"
                and getattr(target, "attname", None) == "locale_id"
                and isinstance(child.rhs, int)
            ):
                return child.rhs
        return None

    def _get_filters_from_where_node(self, where_node, check_only=False):
        # modelsearch drops lookups on multi-table "<parent>_ptr_id" columns, so that
        # ArticlePage.objects.exclude(pk=...) would silently match everything; the pointer is
        # the primary key of the parent, which pages index as the "id" filter field.
        target = getattr(getattr(where_node, "lhs", None), "target", None)
        if isinstance(where_node, Lookup) and getattr(target, "attname", "").endswith("_ptr_id"):
            id_field = self._get_filterable_field("id")
            if id_field is None or check_only:
                return None
            return self._process_lookup([id_field], where_node.lookup_name, where_node.rhs)
        return super()._get_filters_from_where_node(where_node, check_only=check_only)

    def _process_match_none(self):
        return MATCH_NOTHING

    def _connect_filters(self, filters, connector, negated):
        filters = [item for item in filters if item is not None]
        if not filters:
            return None
        if len(filters) == 1:
            combined = filters[0]
        elif connector == "AND":
            combined = wq.And(filters)
        else:
            combined = wq.Or(filters)
        return wq.Not(combined) if negated else combined

    def filter_query(self):
        """Content type and queryset filters, applied as a filter (they do not score)."""
        parts = [wq.Term("ct", self.queryset.model.indexed_get_content_type())]
        from_queryset = self._get_filters_from_queryset()
        if from_queryset is not None:
            parts.append(from_queryset)
        return all_of(parts)

    # Search query ----------------------------------------------------------------------

    def languages(self, searcher):
        locale_id = self._locale_filter()
        if locale_id is not None:
            return [language_of_locale(locale_id)]
        return languages_in(searcher)

    def text_fields(self):
        return searchable_fields(self.queryset.model, self.fields)

    def search_query(self, searcher):
        languages = self.languages(searcher)
        fields = self.text_fields()
        if not fields and not isinstance(self.query, MatchAll):
            return MATCH_NOTHING
        return self._compile(self.query, fields, languages, 1.0)

    def _compile(self, query, fields, languages, boost):
        if isinstance(query, MatchAll):
            return wq.Every(boost=boost) if boost != 1.0 else wq.Every()
        if isinstance(query, PlainText):
            return any_of(
                [
                    text_query(query.query_string, fields, lang, query.operator, boost * query.boost)
                    for lang in languages
                ]
            )
        if isinstance(query, Phrase):
            return any_of([self._phrase(query.query_string, fields, lang, boost) for lang in languages])
        if isinstance(query, Fuzzy):
            return any_of([self._fuzzy(query, lang, boost) for lang in languages])
        if isinstance(query, Boost):
            return self._compile(query.subquery, fields, languages, boost * query.boost)
        if isinstance(query, And):
            return all_of([self._compile(sub, fields, languages, boost) for sub in query.subqueries])
        if isinstance(query, Or):
            return any_of([self._compile(sub, fields, languages, boost) for sub in query.subqueries])
        if isinstance(query, Not):
            return wq.Not(self._compile(query.subquery, fields, languages, boost))
        raise NotImplementedError(f"`{type(query).__name__}` is not supported by the Whoosh search backend.")

    def _phrase(self, text, fields, language, boost):
        # The analyzer reuses one Token object: copy what is needed as it goes.
        tokens = [
            (token.text, token.pos)
            for token in stemming_analyzer(language)(text, positions=True, mode="query")
        ]
        words = [word for word, _ in tokens]
        if not words:
            return MATCH_NOTHING
        positions = [pos for _, pos in tokens]
        # Stop words were dropped from the text but still count in positions.
        slop = max(1, max((b - a for a, b in zip(positions, positions[1:], strict=False)), default=1))
        options = []
        for name, weight in fields:
            field = text_field_name(name, language)
            if len(words) == 1:
                options.append(wq.Term(field, words[0], boost=weight * boost))
            else:
                options.append(wq.Phrase(field, words, slop=slop, boost=weight * boost))
        return best_of(options)

    def _fuzzy(self, query, language, boost):
        groups = []
        for word in terms(plain_analyzer(language), query.query_string):
            distance = fuzzy_distance(word)
            field = words_field_name(language)
            if distance:
                groups.append(wq.FuzzyTerm(field, word, boost=boost, maxdist=distance, prefixlength=0))
            else:
                groups.append(wq.Term(field, word, boost=boost))
        return all_of(groups) if query.operator == "and" else any_of(groups)

    # Ordering --------------------------------------------------------------------------

    def sort_facet(self):
        """None to rank by relevance, else the Whoosh facet for the queryset's order_by."""
        if self.order_by_relevance:
            return None
        if not self.queryset.ordered:
            return sorting.FieldFacet("order", reverse=True)
        facets = []
        model = self.queryset.model
        for item in self.queryset.query.order_by:
            if isinstance(item, OrderBy) and isinstance(item.expression, F):
                name, reverse = item.expression.name, item.descending
            elif isinstance(item, str):
                name, reverse = item.lstrip("-"), item.startswith("-")
            else:
                raise OrderByFieldError(
                    f'Sorting search results with "{item}" is not supported by this search backend.',
                    field_name=str(item),
                )
            field = self._get_filterable_field(name)
            if field is None:
                raise OrderByFieldError(
                    f'Cannot sort search results with field "{name}". Please add index.FilterField("{name}") '
                    f"to {model.__name__}.search_fields.",
                    field_name=name,
                )
            facets.append(sorting.FieldFacet(filter_field_name(field.get_attname(model)), reverse=reverse))
        if not facets:
            return None
        return facets[0] if len(facets) == 1 else sorting.MultiFacet(facets)

    def content_type_names(self):
        return content_types(self.queryset.model)


class WhooshAutocompleteQueryCompiler(WhooshSearchQueryCompiler):
    """Every word of the query matches the start of a word in an AutocompleteField."""

    def search_query(self, searcher):
        if isinstance(self.query, MatchAll):
            return wq.Every()
        if not isinstance(self.query, PlainText):
            raise NotImplementedError(
                f"`{type(self.query).__name__}` is not supported for autocomplete queries."
            )
        names = autocomplete_fields(self.queryset.model, self.fields)
        if not names:
            return MATCH_NOTHING
        per_language = []
        for language in self.languages(searcher):
            groups = [
                best_of([wq.Prefix(autocomplete_field_name(name, language), word) for name in names])
                for word in terms(plain_analyzer(language), self.query.query_string)
            ]
            if groups:
                per_language.append(all_of(groups) if self.query.operator == "and" else any_of(groups))
        return any_of(per_language)
