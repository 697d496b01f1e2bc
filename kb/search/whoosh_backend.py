"""A Wagtail search backend on Whoosh, the embedded default of the help desk.

``Page.objects.live().search("...")``, ``.autocomplete(...)`` and the Wagtail admin's page
search all run on it; the site moves to PostgreSQL, OpenSearch or Elasticsearch by changing
``WAGTAILSEARCH_BACKENDS`` alone. Configuration::

    WAGTAILSEARCH_BACKENDS = {
        "default": {
            "BACKEND": "kb.search.whoosh_backend",
            "PATH": VAR_DIR / "whoosh",          # the index directory
            "MODELS": ["wagtailcore.Page"],      # what this backend indexes (and subclasses)
            "OTHER_MODELS_BACKEND": "modelsearch.backends.database",  # or None to ignore them
            "LOCK_TIMEOUT": 120,                 # seconds a writer waits for the index lock
        }
    }

modelsearch sends every indexed model (images, documents, tickets...) to every backend.
This one keeps only pages in Whoosh; other models go to ``OTHER_MODELS_BACKEND`` (the
database backend by default, so the admin's image and document search keep working), or
are ignored when it is None.
"""

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.functional import cached_property
from modelsearch.backends import get_search_backend
from modelsearch.backends.base import (
    BaseIndex,
    BaseSearchBackend,
    BaseSearchResults,
    EmptySearchResults,
    FilterFieldError,
)
from whoosh import sorting

from .whoosh_documents import builder_for, decode_value, document_key, filter_field_name
from .whoosh_query import WhooshAutocompleteQueryCompiler, WhooshSearchQueryCompiler
from .whoosh_store import get_store


def prepare_batch(model, items):
    """Let a model compute per-item values for many items at once (``prepare_search_documents``)."""
    prepare = getattr(model, "prepare_search_documents", None)
    if prepare is not None and items:
        prepare(items)


class WhooshIndex(BaseIndex):
    """The single Whoosh index of a backend: every handled model lives in it."""

    def __init__(self, backend):
        super().__init__(backend)
        self.store = backend.store

    def get_key(self):
        return f"whoosh:{self.store.path}"

    def __str__(self):
        return f"Whoosh index at {self.store.path}"

    def reset(self):
        self.store.clear()

    def add_items(self, model, items):
        if not items:
            return
        prepare_batch(model, items)
        builder = builder_for(model)
        docs = [builder.build(item) for item in items]
        with self.store.writer() as writer:
            for doc in docs:
                writer.update_document(**doc)

    def delete_item(self, item):
        with self.store.writer() as writer:
            writer.delete_by_term("key", document_key(item))


class _RebuildingWhooshIndex(WhooshIndex):
    """Writes through the rebuild's single writer; nothing is visible until it commits."""

    def __init__(self, backend, writer):
        super().__init__(backend)
        self.writer = writer

    def add_items(self, model, items):
        prepare_batch(model, items)
        builder = builder_for(model)
        for item in items:
            self.writer.add_document(**builder.build(item))


class WhooshRebuilder:
    """``update_index``: rebuild the Whoosh index in one writer, replaced on commit.

    Indexes of the other-models backend are rebuilt by that backend's own rebuilder.
    """

    def __init__(self, index):
        self.index = index
        self._delegate = None
        self._context = None
        if not isinstance(index, WhooshIndex):
            rebuilder_class = getattr(index.backend, "rebuilder_class", None)
            self._delegate = rebuilder_class(index) if rebuilder_class else None

    def start(self):
        if not isinstance(self.index, WhooshIndex):
            return self._delegate.start() if self._delegate else self.index
        self._context = self.index.store.replacing_writer()
        writer = self._context.__enter__()
        return _RebuildingWhooshIndex(self.index.backend, writer)

    def finish(self):
        if self._context is not None:
            self._context.__exit__(None, None, None)
            self._context = None
        elif self._delegate is not None:
            self._delegate.finish()

    def __del__(self):
        # An interrupted rebuild must not keep the index locked.
        if self._context is not None:
            try:
                self._context.__exit__(RuntimeError, RuntimeError("rebuild interrupted"), None)
            except Exception:  # noqa: S110 (at interpreter exit modules may already be gone)
                pass


class WhooshSearchResults(BaseSearchResults):
    supports_facet = True

    def _run(self, searcher, limit, scored=True, **kwargs):
        compiler = self.query_compiler
        options = {
            "limit": limit,
            "filter": self.backend.store.filter_docs(searcher, compiler.filter_query()),
        }
        sort = compiler.sort_facet() if scored else None
        if sort is not None:
            options["sortedby"] = sort
        elif not scored:
            options["scored"] = False
        options.update(kwargs)
        return searcher.search(compiler.search_query(searcher), **options)

    def _do_search(self):
        if self.stop is not None and self.stop <= self.start:
            return []
        with self.backend.store.searcher() as searcher:
            results = self._run(searcher, self.stop)
            hits = [(hit["pk"], hit.score) for hit in results[self.start : self.stop]]
        if not hits:
            return []
        model = self.query_compiler.queryset.model
        pks = [model._meta.pk.to_python(pk) for pk, _ in hits]
        found = {str(obj.pk): obj for obj in self.query_compiler.queryset.filter(pk__in=pks)}
        ordered = []
        for pk, score in hits:
            obj = found.get(pk)
            if obj is None:
                continue  # deleted, or filtered out since it was indexed
            if self._score_field:
                setattr(obj, self._score_field, score)
            ordered.append(obj)
        return ordered

    def _do_count(self):
        with self.backend.store.searcher() as searcher:
            total = len(self._run(searcher, None, scored=False))
        total = max(total - self.start, 0)
        if self.stop is not None:
            total = min(total, self.stop - self.start)
        return total

    def facet(self, field_name):
        compiler = self.query_compiler
        field = compiler._get_filterable_field(field_name)
        if field is None:
            raise FilterFieldError(
                f'Cannot facet search results with field "{field_name}". Please add '
                f'index.FilterField("{field_name}") to {compiler.queryset.model.__name__}.search_fields.',
                field_name=field_name,
            )
        model = compiler.queryset.model
        column = filter_field_name(field.get_attname(model))
        internal_type = field.get_type(model)
        with self.backend.store.searcher() as searcher:
            facet = sorting.FieldFacet(column, maptype=sorting.Count)
            results = self._run(searcher, None, scored=False, groupedby={"facet": facet})
            groups = results.groups("facet")
        counts = [(decode_value(key, internal_type), count) for key, count in groups.items()]
        counts.sort(key=lambda item: -item[1])
        return dict(counts)


class WhooshSearchBackend(BaseSearchBackend):
    query_compiler_class = WhooshSearchQueryCompiler
    autocomplete_query_compiler_class = WhooshAutocompleteQueryCompiler
    results_class = WhooshSearchResults
    index_class = WhooshIndex
    rebuilder_class = WhooshRebuilder
    # A page publish must not fail because the index is busy; the error is logged and
    # ``update_index`` repairs the index.
    catch_indexing_errors = True

    def __init__(self, params):
        super().__init__(params)
        path = params.get("PATH") or getattr(settings, "VAR_DIR", None)
        if not path:
            raise ImproperlyConfigured(
                "The Whoosh search backend needs a PATH: set WAGTAILSEARCH_BACKENDS['default']['PATH'] "
                "to the directory that holds the index."
            )
        if not params.get("PATH"):
            path = f"{path}/whoosh"
        self.model_labels = list(params.get("MODELS") or ["wagtailcore.Page"])
        self.other_models_backend = params.get("OTHER_MODELS_BACKEND", "modelsearch.backends.database")
        self.store = get_store(path, lock_timeout=float(params.get("LOCK_TIMEOUT", 120)))

    @cached_property
    def handled_models(self):
        try:
            return tuple(apps.get_model(label) for label in self.model_labels)
        except (LookupError, ValueError) as error:
            raise ImproperlyConfigured(
                f"WAGTAILSEARCH_BACKENDS MODELS for the Whoosh backend lists an unknown model: {error}"
            )

    def handles(self, model):
        return issubclass(model, self.handled_models)

    @cached_property
    def other_backend(self):
        if not self.other_models_backend:
            return None
        return get_search_backend(self.other_models_backend)

    def get_index_for_model(self, model):
        if self.handles(model):
            return WhooshIndex(self)
        if self.other_backend is not None:
            return self.other_backend.get_index_for_model(model)
        return BaseIndex(self)  # ignored: every operation is a no-op

    def _other_model_search(self, method, query, model_or_queryset, **kwargs):
        if self.other_backend is None:
            return EmptySearchResults()
        return getattr(self.other_backend, method)(query, model_or_queryset, **kwargs)

    def _model_of(self, model_or_queryset):
        return getattr(model_or_queryset, "model", model_or_queryset)

    def search(self, query, model_or_queryset, **kwargs):
        if not self.handles(self._model_of(model_or_queryset)):
            return self._other_model_search("search", query, model_or_queryset, **kwargs)
        return super().search(query, model_or_queryset, **kwargs)

    def autocomplete(self, query, model_or_queryset, **kwargs):
        if not self.handles(self._model_of(model_or_queryset)):
            return self._other_model_search("autocomplete", query, model_or_queryset, **kwargs)
        return super().autocomplete(query, model_or_queryset, **kwargs)


SearchBackend = WhooshSearchBackend
