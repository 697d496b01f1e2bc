from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page


class HomePage(Page):
    """The site's front page: a welcome text, the knowledge base search and ways to get help."""

    intro = RichTextField(blank=True, verbose_name=_("introduction"))
    help_heading = models.CharField(max_length=200, blank=True, default="", verbose_name=_("help heading"))

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("help_heading")]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("home page")
