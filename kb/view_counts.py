"""Article view counts that cost no database write on a page view.

A view increments a per-article, per-day counter in the cache (Redis in production:
atomic; the file cache may miss a few concurrent increments). ``flush_view_counts`` adds the
counters to ``ArticleViewDaily`` rows and subtracts what it moved from the cache, so views
arriving during a flush are kept. It runs:

* as the ``kb.flush_view_counts`` django-tasks task, enqueued at most once per
  ``FLUSH_INTERVAL`` by the first view after the previous flush (the worker runs it), and
* as ``manage.py kb_flush_views`` (cron, or before reading the reports).

Counters live ``KEEP_DAYS`` days in the cache; a flush looks back that far.
"""

import datetime
import logging
import re

from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

logger = logging.getLogger(__name__)

FLUSH_INTERVAL = 300
KEEP_DAYS = 3
FLUSH_MARKER = "kb:views:flush-scheduled"
_BOTS = re.compile(r"bot|crawl|spider|slurp|facebookexternalhit|preview|monitor", re.IGNORECASE)


def _key(article_id, day):
    return f"kb:views:{article_id}:{day:%Y%m%d}"


def count_view(article, request=None):
    """Count one view of the article today (robots are not counted)."""
    if request is not None and _BOTS.search(request.META.get("HTTP_USER_AGENT", "")):
        return
    key = _key(article.pk, timezone.localdate())
    if not cache.add(key, 1, KEEP_DAYS * 24 * 3600):
        try:
            cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.add(key, 1, KEEP_DAYS * 24 * 3600)
    _schedule_flush()


def _schedule_flush():
    if not cache.add(FLUSH_MARKER, 1, FLUSH_INTERVAL):
        return
    from .tasks import flush_view_counts_task

    try:
        task = flush_view_counts_task
        if task.get_backend().supports_defer:
            task = task.using(run_after=timezone.now() + datetime.timedelta(seconds=FLUSH_INTERVAL))
        task.enqueue()
    except Exception:
        # Counting a view must never break the page; the next interval tries again.
        logger.exception("could not enqueue the knowledge base view-count flush")


def pending_views(article_ids, days=KEEP_DAYS, today=None):
    """{(article_id, date): views} still in the cache, not yet flushed."""
    today = today or timezone.localdate()
    dates = [today - datetime.timedelta(days=back) for back in range(days)]
    keys = {_key(article_id, day): (article_id, day) for article_id in article_ids for day in dates}
    found = {}
    names = list(keys)
    for start in range(0, len(names), 1000):
        for key, value in cache.get_many(names[start : start + 1000]).items():
            if value:
                found[keys[key]] = int(value)
    return found


def flush_view_counts(today=None):
    """Move cached view counters into ArticleViewDaily; returns the number of views moved."""
    from .models import ArticlePage, ArticleViewDaily

    article_ids = list(ArticlePage.objects.values_list("pk", flat=True))
    moved = 0
    for (article_id, day), views in pending_views(article_ids, today=today).items():
        with transaction.atomic():
            row, created = ArticleViewDaily.objects.get_or_create(
                article_id=article_id, date=day, defaults={"views": views}
            )
            if not created:
                ArticleViewDaily.objects.filter(pk=row.pk).update(views=F("views") + views)
        try:
            cache.decr(_key(article_id, day), views)
        except ValueError:
            pass  # the counter expired meanwhile: nothing left to subtract
        moved += views
    return moved


def recent_views(article, days=30):
    """Views of the article over the last ``days`` days, flushed or still in the cache."""
    from .models import ArticleViewDaily

    since = timezone.localdate() - datetime.timedelta(days=days - 1)
    stored = ArticleViewDaily.objects.filter(article=article, date__gte=since).aggregate(total=Sum("views"))
    return (stored["total"] or 0) + sum(pending_views([article.pk]).values())
