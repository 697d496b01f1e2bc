"""Keeping the search index right when a change touches more than the saved page.

Wagtail re-indexes a page when it is saved (publish, unpublish, edit) and removes it when it
is deleted. Two changes alter other pages' documents without saving them: a move rewrites
the tree paths of the page's descendants, and a privacy restriction changes whether
everything below it is public. Both re-index the affected subtree.
"""

import logging

from modelsearch.backends import get_search_backends_with_name
from wagtail.models import Page

logger = logging.getLogger(__name__)
CHUNK = 500


def reindex_subtree(page_id):
    """Re-index the page with this id and its descendants in every auto-updated backend."""
    root = Page.objects.filter(pk=page_id).first()
    if root is None:
        return 0
    pages = Page.objects.filter(path__startswith=root.path).order_by("path")
    count = 0
    for start in range(0, pages.count(), CHUNK):
        by_model = {}
        for page in pages[start : start + CHUNK].specific(defer=False):
            by_model.setdefault(type(page), []).append(page)
        for model, items in by_model.items():
            for name, backend in get_search_backends_with_name(with_auto_update=True):
                try:
                    backend.add_bulk(model, items)
                except Exception:
                    logger.exception(
                        "re-indexing %d %s pages in the '%s' backend failed", len(items), model, name
                    )
                    if not backend.catch_indexing_errors:
                        raise
            count += len(items)
    return count
