"""Background work of the knowledge base (run by the django-tasks worker)."""

from django_tasks import task


@task()
def flush_view_counts_task():
    from .view_counts import flush_view_counts

    return flush_view_counts()


@task()
def reindex_pages_task(page_id):
    """Re-index a page and everything below it (after a move or a privacy change)."""
    from .search.indexing import reindex_subtree

    return reindex_subtree(page_id)


@task()
def reindex_page_task(page_id):
    """Re-index one page once its publication is complete (tags and other child rows saved)."""
    from modelsearch.index import insert_or_update_object
    from wagtail.models import Page

    page = Page.objects.filter(pk=page_id).first()
    if page is not None:
        insert_or_update_object(page.specific)
