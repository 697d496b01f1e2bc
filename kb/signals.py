"""Signal receivers of the knowledge base (connected in KnowledgeBaseConfig.ready)."""

from django.db.models.signals import post_delete, post_save
from wagtail.models import Locale, PageViewRestriction
from wagtail.signals import page_published, post_page_move


def _reindex_later(page_id):
    from .tasks import reindex_pages_task

    # Enqueued in the same transaction: the worker sees it only once the change is committed.
    reindex_pages_task.enqueue(page_id)


def page_published_receiver(sender, instance, **kwargs):
    # Wagtail indexes a page when its row is saved, before tags and other child rows are;
    # with tasks run in place that document would miss them, so index it again now.
    from .tasks import reindex_page_task

    reindex_page_task.enqueue(instance.pk)


def page_moved(sender, instance, **kwargs):
    _reindex_later(instance.pk)


def privacy_changed(sender, instance, **kwargs):
    if instance.page_id:
        _reindex_later(instance.page_id)


def connect():
    from .search.whoosh_documents import forget_locales

    post_save.connect(forget_locales, sender=Locale, dispatch_uid="kb.locale_saved")
    post_delete.connect(forget_locales, sender=Locale, dispatch_uid="kb.locale_deleted")
    post_page_move.connect(page_moved, dispatch_uid="kb.page_moved")
    page_published.connect(page_published_receiver, dispatch_uid="kb.page_published")
    post_save.connect(privacy_changed, sender=PageViewRestriction, dispatch_uid="kb.privacy_saved")
    post_delete.connect(privacy_changed, sender=PageViewRestriction, dispatch_uid="kb.privacy_deleted")
