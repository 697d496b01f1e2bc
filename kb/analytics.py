"""Knowledge base analytics: what visitors searched for, what they found helpful, what they
read, and how many questions the knowledge base answered instead of a ticket.

Contact forms report a deflection with :func:`record_deflection`. The admin report
(Reports → Knowledge base) reads the ``*_report`` functions.
"""

import datetime

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from helpdesk_site.plugins import do_action

from .models import ArticlePage, ArticleViewDaily, Deflection, SearchTerm

QUERY_MAX_LENGTH = 200


def normalise_query(text):
    """The form a search is counted under: words separated by single spaces, lower case."""
    return " ".join((text or "").split()).lower()[:QUERY_MAX_LENGTH]


def record_search(language, query, result_count):
    """Count one search (not instant-search keystrokes) and whether it found anything."""
    query = normalise_query(query)
    if not query:
        return None
    now = timezone.now()
    try:
        with transaction.atomic():
            term, _created = SearchTerm.objects.get_or_create(
                language=language, query=query, defaults={"last_seen": now}
            )
    except IntegrityError:  # created by a concurrent request
        term = SearchTerm.objects.get(language=language, query=query)
    changes = {"searches": F("searches") + 1, "last_seen": now, "last_result_count": result_count}
    if result_count == 0:
        changes.update(searches_without_results=F("searches_without_results") + 1, last_without_results=now)
    SearchTerm.objects.filter(pk=term.pk).update(**changes)
    return term


def record_deflection(article=None, query="", source=""):
    """Record a question the knowledge base answered before it became a ticket.

    ``article``: the ArticlePage the visitor opened (or None); ``query``: what they typed;
    ``source``: who reports it, e.g. "contact_form". Fires ``kb.deflection_recorded``.
    """
    deflection = Deflection.objects.create(
        article=article, query=normalise_query(query), source=(source or "")[:50]
    )
    do_action("kb.deflection_recorded", deflection=deflection)
    return deflection


# Reports ---------------------------------------------------------------------------------


def _since(days):
    return timezone.now() - datetime.timedelta(days=days)


def top_searches_report(days=30, limit=50):
    return SearchTerm.objects.filter(last_seen__gte=_since(days)).order_by("-searches", "-last_seen")[:limit]


def failed_searches_report(limit=50):
    return SearchTerm.objects.filter(searches_without_results__gt=0).order_by(
        "-searches_without_results", "-last_without_results"
    )[:limit]


def unhelpful_articles_report(limit=50):
    return (
        ArticlePage.objects.annotate(
            no_votes=Count("votes", filter=Q(votes__helpful=False)),
            yes_votes=Count("votes", filter=Q(votes__helpful=True)),
        )
        .filter(no_votes__gt=0)
        .order_by("-no_votes", "yes_votes", "title")[:limit]
    )


def views_report(days=30, articles=10, today=None):
    """Daily totals for the last ``days`` days and the most read articles with their daily views."""
    today = today or timezone.localdate()
    dates = [today - datetime.timedelta(days=back) for back in range(days - 1, -1, -1)]
    rows = ArticleViewDaily.objects.filter(date__gte=dates[0], date__lte=today)
    totals = dict(rows.values_list("date").annotate(total=Sum("views")).values_list("date", "total"))
    top = list(
        rows.values("article_id", "article__title").annotate(total=Sum("views")).order_by("-total")[:articles]
    )
    per_article = {}
    for article_id, day, views in rows.filter(article_id__in=[row["article_id"] for row in top]).values_list(
        "article_id", "date", "views"
    ):
        per_article.setdefault(article_id, {})[day] = views
    peak = max([totals.get(day, 0) for day in dates] + [1])
    return {
        "days": [
            {"date": day, "views": totals.get(day, 0), "share": totals.get(day, 0) / peak} for day in dates
        ],
        "total": sum(totals.values()),
        "articles": [
            {
                "id": row["article_id"],
                "title": row["article__title"],
                "total": row["total"],
                "daily": [per_article.get(row["article_id"], {}).get(day, 0) for day in dates],
            }
            for row in top
        ],
    }


def deflections_report(days=30):
    recent = Deflection.objects.filter(created_at__gte=_since(days))
    return {
        "total": Deflection.objects.count(),
        "recent": recent.count(),
        "by_article": list(
            recent.exclude(article=None)
            .values("article_id", "article__title")
            .annotate(count=Count("pk"))
            .order_by("-count")[:10]
        ),
    }
