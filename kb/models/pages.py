"""The knowledge base page tree: KB home → categories (nested) → articles.

Each language has its own tree (Wagtail i18n: one locale per tree); searches run in the
language of the KB home they start from.
"""

from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, InlinePanel, ObjectList, PageChooserPanel, TabbedInterface
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page, PageViewRestriction
from wagtail.search import index

from kb.blocks import ArticleBodyBlock, heading_anchor
from kb.panels import FeedbackSummaryPanel
from kb.search.snippets import plain_text_from_stream


class KnowledgeBaseIndexPage(RoutablePageMixin, Page):
    """The home of a knowledge base in one language: search box, categories, popular and
    recent articles. Add it under the site's home page in Pages; its sub-pages ``search/``,
    ``instant/`` (JSON for search-as-you-type) and ``tags/<tag>/`` are built in."""

    intro = RichTextField(blank=True, verbose_name=_("introduction"), features=["bold", "italic", "link"])

    content_panels = Page.content_panels + [FieldPanel("intro")]
    subpage_types = ["kb.CategoryPage"]
    template = "kb/knowledge_base_index_page.html"

    class Meta:
        verbose_name = _("knowledge base")

    def get_context(self, request, *args, **kwargs):
        from kb.listings import home_listing

        context = super().get_context(request, *args, **kwargs)
        context.update(home_listing(self))
        context["kb_home"] = self
        return context

    @path("search/", name="search")
    def search_route(self, request):
        from kb.views import search_results

        return search_results(request, self)

    @path("instant/", name="instant")
    def instant_route(self, request):
        from kb.views import instant_search

        return instant_search(request, self)

    @path("tags/<str:tag>/", name="tag")
    def tag_route(self, request, tag):
        from kb.views import tag_listing

        return tag_listing(request, self, tag)


class CategoryPage(Page):
    """A group of articles (categories nest). Articles show in the order of the page tree:
    reorder them in the Pages explorer."""

    description = models.TextField(blank=True, verbose_name=_("description"))
    icon = models.CharField(
        max_length=8,
        blank=True,
        verbose_name=_("icon"),
        help_text=_("Optional emoji or symbol shown on the knowledge base home, e.g. 🔑."),
    )

    content_panels = Page.content_panels + [FieldPanel("description"), FieldPanel("icon")]
    parent_page_types = ["kb.KnowledgeBaseIndexPage", "kb.CategoryPage"]
    subpage_types = ["kb.CategoryPage", "kb.ArticlePage"]
    search_fields = Page.search_fields + [index.SearchField("description")]
    template = "kb/category_page.html"

    class Meta:
        verbose_name = _("knowledge base category")

    def get_context(self, request, *args, **kwargs):
        from kb.listings import category_listing

        context = super().get_context(request, *args, **kwargs)
        context.update(category_listing(self))
        return context


class ArticlePageTag(TaggedItemBase):
    content_object = ParentalKey("kb.ArticlePage", on_delete=models.CASCADE, related_name="tagged_items")


class ArticlePage(RoutablePageMixin, Page):
    """A knowledge base article. Visitors vote "Was this helpful?" on it; the Feedback tab
    of the editor shows the votes, and Reports → Knowledge base shows views over time."""

    summary = models.TextField(
        blank=True,
        verbose_name=_("summary"),
        help_text=_("One or two sentences shown in listings and search results, and to search engines."),
    )
    body = StreamField(ArticleBodyBlock(), blank=True, verbose_name=_("body"))
    tags = ClusterTaggableManager(through=ArticlePageTag, blank=True, verbose_name=_("tags"))

    parent_page_types = ["kb.CategoryPage"]
    subpage_types = []
    template = "kb/article_page.html"

    # Ranking: title above headings above tags above summary above body.
    search_fields = Page.search_fields + [
        index.SearchField("title", boost=10),
        index.SearchField("search_headings", boost=5),
        index.RelatedFields("tags", [index.SearchField("name", boost=3)]),
        index.SearchField("summary", boost=2),
        index.SearchField("body_text"),
        index.FilterField("kb_home_id", type="IntegerField"),
        index.FilterField("kb_section_id", type="IntegerField"),
        index.FilterField("kb_public", type="BooleanField"),
    ]

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        FieldPanel("body"),
        FieldPanel("tags"),
        InlinePanel("related_links", label=_("Related articles"), heading=_("Related articles")),
        InlinePanel("attachments", label=_("Attachments"), heading=_("Attachments")),
    ]
    edit_handler = TabbedInterface(
        [
            ObjectList(content_panels, heading=_("Content")),
            ObjectList(Page.promote_panels, heading=_("Promote")),
            ObjectList(Page.settings_panels, heading=_("Settings")),
            ObjectList([FeedbackSummaryPanel()], heading=_("Feedback")),
        ]
    )

    class Meta:
        verbose_name = _("knowledge base article")

    def serve(self, request, view=None, args=None, kwargs=None):
        if view is None or getattr(view, "__name__", "") == "index_route":
            if request.method == "GET" and not getattr(request, "is_preview", False):
                from kb.view_counts import count_view

                count_view(self, request)
        return super().serve(request, view, args, kwargs)

    def get_context(self, request, *args, **kwargs):
        from kb.listings import article_context

        context = super().get_context(request, *args, **kwargs)
        context.update(article_context(self, request))
        return context

    @path("feedback/", name="feedback")
    def feedback_route(self, request):
        from kb.views import article_feedback

        return article_feedback(request, self)

    # What the search index and the templates read -----------------------------------

    def anchored_blocks(self):
        """(block, anchor) for every body block; anchor is None except for headings."""
        seen = {}
        for block in self.body:
            anchor = None
            if block.block_type == "heading":
                anchor = heading_anchor(block.value["text"], block.value.get("anchor", ""))
                seen[anchor] = seen.get(anchor, 0) + 1
                if seen[anchor] > 1:  # two headings with the same text still get distinct ids
                    anchor = f"{anchor}-{seen[anchor]}"
            yield block, anchor

    @property
    def headings(self):
        """(level, text, anchor) of every heading block, in order: the table of contents."""
        return [
            (block.value["level"], block.value["text"], anchor)
            for block, anchor in self.anchored_blocks()
            if anchor is not None
        ]

    @property
    def search_headings(self):
        """Heading texts, read from the stored JSON (indexing renders no blocks)."""
        return "\n".join(
            block["value"].get("text", "")
            for block in self.body.raw_data
            if block.get("type") == "heading" and isinstance(block.get("value"), dict)
        )

    @property
    def body_text(self):
        """The body as plain text: what search indexes and snippets quote."""
        return plain_text_from_stream(self.body.raw_data)

    @cached_property
    def kb_home(self):
        return (
            KnowledgeBaseIndexPage.objects.filter(path__in=self._ancestor_paths()).order_by("-depth").first()
        )

    @property
    def kb_home_id(self):
        facts = self.__dict__.get("_search_facts")
        if facts is not None:
            return facts["home"]
        return self.kb_home.pk if self.kb_home else None

    @property
    def kb_section_id(self):
        """The top-level category the article is filed under (search filter and facet)."""
        facts = self.__dict__.get("_search_facts")
        if facts is not None:
            return facts["section"]
        home = self.kb_home
        if home is None:
            return None
        section_path = self.path[: len(home.path) + Page.steplen]
        return Page.objects.filter(path=section_path).values_list("pk", flat=True).first()

    @property
    def kb_public(self):
        """False when the article or one of its ancestors has a view restriction."""
        facts = self.__dict__.get("_search_facts")
        if facts is not None:
            return facts["public"]
        return not PageViewRestriction.objects.filter(page__path__in=self._ancestor_paths()).exists()

    def _ancestor_paths(self):
        return [self.path[:end] for end in range(Page.steplen, len(self.path) + 1, Page.steplen)]

    @classmethod
    def prepare_search_documents(cls, articles):
        """Work out the KB home, section and privacy of many articles in three queries.

        The Whoosh backend calls this before indexing a batch; the properties above then
        answer without a query per article.
        """
        ancestor_paths = {path for article in articles for path in article._ancestor_paths()}
        homes = dict(KnowledgeBaseIndexPage.objects.filter(path__in=ancestor_paths).values_list("path", "pk"))
        restricted = set(
            PageViewRestriction.objects.filter(page__path__in=ancestor_paths).values_list(
                "page__path", flat=True
            )
        )
        home_paths = {
            article.pk: max(
                (path for path in article._ancestor_paths() if path in homes), key=len, default=None
            )
            for article in articles
        }
        section_paths = {
            article.path[: len(home_paths[article.pk]) + Page.steplen]
            for article in articles
            if home_paths[article.pk]
        }
        sections = dict(Page.objects.filter(path__in=section_paths).values_list("path", "pk"))
        for article in articles:
            home_path = home_paths[article.pk]
            section_path = article.path[: len(home_path) + Page.steplen] if home_path else None
            article._search_facts = {
                "home": homes.get(home_path),
                "section": sections.get(section_path),
                "public": not any(path in restricted for path in article._ancestor_paths()),
            }


class RelatedArticle(Orderable):
    """An article the editor links from another one ("Related articles" in the editor)."""

    article = ParentalKey(ArticlePage, on_delete=models.CASCADE, related_name="related_links")
    related = models.ForeignKey(
        ArticlePage, on_delete=models.CASCADE, related_name="+", verbose_name=_("related article")
    )

    panels = [PageChooserPanel("related", page_type="kb.ArticlePage")]

    class Meta(Orderable.Meta):
        verbose_name = _("related article")


class ArticleAttachment(Orderable):
    """A downloadable document (Wagtail Documents) attached to an article."""

    article = ParentalKey(ArticlePage, on_delete=models.CASCADE, related_name="attachments")
    document = models.ForeignKey(
        "wagtaildocs.Document", on_delete=models.CASCADE, related_name="+", verbose_name=_("document")
    )
    title = models.CharField(
        max_length=200,
        blank=True,
        verbose_name=_("link text"),
        help_text=_("Defaults to the document's title."),
    )

    panels = [FieldPanel("document"), FieldPanel("title")]

    class Meta(Orderable.Meta):
        verbose_name = _("attachment")

    @property
    def link_text(self):
        return self.title or self.document.title
