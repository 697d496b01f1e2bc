from django.db import models
from django.utils.translation import gettext_lazy as _


class ArticleVote(models.Model):
    """One visitor's "Was this helpful?" answer on one article (Reports → Knowledge base).

    ``voter`` is a keyed hash of the article and a random id kept in the visitor's signed
    cookie: it tells repeat votes apart without storing who voted (no IP, no account).
    """

    article = models.ForeignKey("kb.ArticlePage", on_delete=models.CASCADE, related_name="votes")
    voter = models.CharField(max_length=64, editable=False)
    helpful = models.BooleanField(verbose_name=_("helpful"))
    comment = models.TextField(blank=True, default="", verbose_name=_("comment"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("article vote")
        verbose_name_plural = _("article votes")
        constraints = [models.UniqueConstraint(fields=["article", "voter"], name="kb_one_vote_per_visitor")]
        indexes = [models.Index(fields=["article", "helpful"])]

    def __str__(self):
        return f"{self.article_id}: {'yes' if self.helpful else 'no'}"


class ArticleViewDaily(models.Model):
    """Page views of an article on one day, flushed from the cache by ``kb_flush_views``.

    Shown as views over time in Reports → Knowledge base, and behind "Popular articles".
    """

    article = models.ForeignKey("kb.ArticlePage", on_delete=models.CASCADE, related_name="daily_views")
    date = models.DateField()
    views = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("article views per day")
        verbose_name_plural = _("article views per day")
        constraints = [models.UniqueConstraint(fields=["article", "date"], name="kb_one_view_row_per_day")]
        indexes = [models.Index(fields=["date"])]

    def __str__(self):
        return f"{self.article_id} {self.date}: {self.views}"
