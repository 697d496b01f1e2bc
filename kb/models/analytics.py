from django.db import models
from django.utils.translation import gettext_lazy as _


class SearchTerm(models.Model):
    """What visitors searched the knowledge base for, per language (Reports → Knowledge base).

    One row per normalised query: how often it was searched, how often it found nothing,
    and when it was last seen, so site owners see which answers are missing.
    """

    language = models.CharField(max_length=12, verbose_name=_("language"))
    query = models.CharField(max_length=200, verbose_name=_("query"))
    searches = models.PositiveIntegerField(default=0, verbose_name=_("searches"))
    searches_without_results = models.PositiveIntegerField(
        default=0, verbose_name=_("searches without results")
    )
    last_result_count = models.PositiveIntegerField(default=0, verbose_name=_("results last time"))
    first_seen = models.DateTimeField(auto_now_add=True, verbose_name=_("first seen"))
    last_seen = models.DateTimeField(verbose_name=_("last seen"))
    last_without_results = models.DateTimeField(
        null=True, blank=True, verbose_name=_("last seen without results")
    )

    class Meta:
        verbose_name = _("knowledge base search")
        verbose_name_plural = _("knowledge base searches")
        constraints = [
            models.UniqueConstraint(fields=["language", "query"], name="kb_one_row_per_search_term")
        ]
        indexes = [models.Index(fields=["-searches"]), models.Index(fields=["-last_seen"])]

    def __str__(self):
        return f"{self.query} ({self.language})"


class Deflection(models.Model):
    """A question answered by the knowledge base instead of a ticket.

    Contact forms report one when a visitor opened a suggested article and did not send
    their message (``kb.analytics.record_deflection``); counted in Reports → Knowledge base.
    """

    article = models.ForeignKey(
        "kb.ArticlePage", null=True, blank=True, on_delete=models.SET_NULL, related_name="deflections"
    )
    query = models.CharField(max_length=200, blank=True, default="", verbose_name=_("query"))
    source = models.CharField(max_length=50, blank=True, default="", verbose_name=_("source"))
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("deflection")
        verbose_name_plural = _("deflections")

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d} {self.query or self.article_id}"
