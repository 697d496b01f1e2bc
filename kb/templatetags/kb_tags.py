"""Template helpers of the knowledge base pages: SEO meta tags and sub-route URLs."""

from django import template
from django.utils.html import strip_tags
from django.utils.text import Truncator

register = template.Library()

DESCRIPTION_LENGTH = 160


def _description(page):
    specific = getattr(page, "specific", page)
    for candidate in (
        getattr(specific, "search_description", ""),
        getattr(specific, "summary", ""),
        getattr(specific, "description", ""),
        strip_tags(getattr(specific, "intro", "") or ""),
    ):
        if candidate and candidate.strip():
            return Truncator(" ".join(candidate.split())).chars(DESCRIPTION_LENGTH)
    return ""


@register.inclusion_tag("kb/includes/meta.html", takes_context=True)
def kb_meta(context, page, title="", noindex=False, canonical=""):
    """Meta description, canonical link, hreflang alternates and Open Graph tags."""
    request = context.get("request")
    url = canonical or page.get_full_url(request)
    if url.startswith("/"):
        url = request.build_absolute_uri(url) if request is not None else page.get_site().root_url + url
    translations = []
    if not noindex:
        for translation in page.get_translations(inclusive=False).live().public().select_related("locale"):
            translations.append((translation.locale.language_code, translation.get_full_url(request)))
    site = page.get_site()
    return {
        "title": title or getattr(page, "seo_title", "") or page.title,
        "description": _description(page),
        "canonical": url,
        "noindex": noindex,
        "language": page.locale.language_code,
        "translations": translations,
        "site_name": site.site_name if site else "",
        "og_type": "article" if page.specific_class.__name__ == "ArticlePage" else "website",
    }


@register.simple_tag
def kb_route(kb_home, name, *args):
    """URL of a KB home sub-route: {% kb_route kb_home "tag" tag.slug %}, "search", "instant"."""
    return kb_home.url + kb_home.reverse_subpage(name, args=args or None)


@register.filter
def kb_anchor(heading_value):
    """The id of a heading block value (its explicit anchor or a slug of its text)."""
    from kb.blocks import heading_anchor

    return heading_anchor(heading_value.get("text", ""), heading_value.get("anchor", ""))
