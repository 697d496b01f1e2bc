"""What the knowledge base pages list: categories with counts, articles, related articles.

Everything here is limited to live pages outside private sections (``.live().public()``)
and to one KB home's tree, which is also one language.
"""

import datetime

from django.db.models import Count, Sum
from django.utils import timezone
from taggit.models import Tag
from wagtail.models import Page

from .models import ArticlePage, ArticleViewDaily, CategoryPage, KnowledgeBaseIndexPage

HOME_LIST_LENGTH = 5
RELATED_LENGTH = 5
POPULAR_DAYS = 30


def visible_articles(kb_home):
    return ArticlePage.objects.live().public().descendant_of(kb_home)


def kb_home_of(page):
    return KnowledgeBaseIndexPage.objects.ancestor_of(page, inclusive=True).order_by("-depth").first()


def _with_counts(categories, article_paths):
    return [
        (category, sum(1 for path in article_paths if path.startswith(category.path)))
        for category in categories
    ]


def popular_articles(kb_home, limit=HOME_LIST_LENGTH, days=POPULAR_DAYS):
    since = timezone.localdate() - datetime.timedelta(days=days - 1)
    visible = visible_articles(kb_home)
    ranked = (
        ArticleViewDaily.objects.filter(date__gte=since, article__in=visible.values("pk"))
        .values("article_id")
        .annotate(total=Sum("views"))
        .order_by("-total")[:limit]
    )
    ids = [row["article_id"] for row in ranked]
    pages = {page.pk: page for page in visible.filter(pk__in=ids)}
    return [pages[pk] for pk in ids if pk in pages]


def home_listing(kb_home):
    articles = visible_articles(kb_home)
    paths = list(articles.values_list("path", flat=True))
    categories = CategoryPage.objects.child_of(kb_home).live().public()
    return {
        "categories": _with_counts(categories, paths),
        "article_count": len(paths),
        "popular_articles": popular_articles(kb_home),
        "recent_articles": list(articles.order_by("-last_published_at")[:HOME_LIST_LENGTH]),
    }


def breadcrumbs(page, kb_home):
    """Ancestors from the KB home down to the page's parent (for the breadcrumb trail)."""
    if kb_home is None:
        return []
    return list(Page.objects.ancestor_of(page).filter(depth__gte=kb_home.depth).live().order_by("depth"))


def category_listing(category):
    kb_home = kb_home_of(category)
    articles = ArticlePage.objects.child_of(category).live().public()
    descendants = list(
        ArticlePage.objects.descendant_of(category).live().public().values_list("path", flat=True)
    )
    return {
        "kb_home": kb_home,
        "breadcrumbs": breadcrumbs(category, kb_home),
        "subcategories": _with_counts(CategoryPage.objects.child_of(category).live().public(), descendants),
        "articles": list(articles),
    }


def related_articles(article, kb_home, limit=RELATED_LENGTH):
    """Articles the editor chose, then others of the same KB sharing the most tags."""
    visible = visible_articles(kb_home) if kb_home else ArticlePage.objects.none()
    chosen_ids = [link.related_id for link in article.related_links.all()]
    chosen = {page.pk: page for page in visible.filter(pk__in=chosen_ids)}
    related = [chosen[pk] for pk in chosen_ids if pk in chosen][:limit]
    tag_ids = list(article.tags.values_list("pk", flat=True))
    if len(related) < limit and tag_ids:
        by_tags = (
            visible.filter(tagged_items__tag_id__in=tag_ids)
            .exclude(pk__in=[article.pk, *chosen_ids])
            .annotate(shared=Count("tagged_items"))
            .order_by("-shared", "-last_published_at")[: limit - len(related)]
        )
        related.extend(by_tags)
    return related


def article_context(article, request):
    kb_home = kb_home_of(article)
    trail = breadcrumbs(article, kb_home)
    return {
        "kb_home": kb_home,
        "breadcrumbs": trail,
        "category": trail[-1].specific if len(trail) > 1 else None,
        "toc": article.headings,
        "related_articles": related_articles(article, kb_home),
        "attachments": list(article.attachments.select_related("document")),
        "tags": list(article.tags.all()),
    }


def tag_listing(kb_home, tag_slug):
    tag = Tag.objects.filter(slug=tag_slug).first()
    if tag is None:
        return None, []
    articles = visible_articles(kb_home).filter(tagged_items__tag=tag).distinct().order_by("title")
    return tag, list(articles)
