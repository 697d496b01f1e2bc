"""What visitors see: KB home, categories, articles, tags, SEO tags, right-to-left pages, privacy."""

import re

import pytest
from wagtail.documents import get_document_model

from kb.models import ArticleAttachment, ArticlePage, RelatedArticle

pytestmark = pytest.mark.django_db


def html_of(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


@pytest.fixture
def tree(kb, kb_home):
    account = kb.category(kb_home, "Account", icon="🔑", description="Passwords and sign-in.")
    billing = kb.category(kb_home, "Billing")
    refunds = kb.category(billing, "Refunds")
    reset = kb.article(
        account,
        "Reset your password",
        summary="Get a reset link by email.",
        tags=["password", "security"],
        blocks=[
            ("paragraph", "Intro text."),
            ("heading", "Request a link"),
            ("paragraph", "Click the link."),
            ("subheading", "Expired links"),
            ("callout", "Links work once."),
            ("code", "reset --user me"),
            ("faq", [("No email?", "Check spam.")]),
        ],
    )
    signin = kb.article(account, "Cannot sign in", "Check caps lock.", tags=["password"])
    kb.article(billing, "Invoices", "Download invoices.")
    kb.article(refunds, "Refund policy", "Thirty days.")
    return {"account": account, "billing": billing, "reset": reset, "signin": signin}


def test_the_kb_home_lists_categories_with_article_counts_and_recent_articles(client, kb_home, tree):
    page = html_of(client, kb_home.url)

    assert re.search(r"Account</span>.*?2 articles", page, re.S)
    assert re.search(r"Billing</span>.*?2 articles", page, re.S)  # the nested category's article counts
    assert "Recently updated" in page and "Refund policy" in page
    assert 'role="combobox"' in page and 'aria-controls="kb-home-search-listbox"' in page


def test_popular_articles_come_from_flushed_view_counts(client, kb_home, tree):
    from kb.view_counts import flush_view_counts

    for _ in range(3):
        client.get(tree["signin"].url)
    client.get(tree["reset"].url)
    flush_view_counts()

    page = html_of(client, kb_home.url)
    popular = page.split("Popular articles")[1].split("</section>")[0]
    assert popular.index("Cannot sign in") < popular.index("Reset your password")


def test_a_category_lists_its_sections_and_articles_in_tree_order(client, kb, tree):
    page = html_of(client, tree["billing"].url)

    assert "Refunds" in page and "1 article" in page
    assert "Invoices" in page
    account = html_of(client, tree["account"].url)
    assert account.index("Reset your password") < account.index("Cannot sign in")
    assert 'aria-label="Breadcrumb"' in account


def test_an_article_has_a_table_of_contents_anchors_breadcrumbs_and_blocks(client, tree):
    page = html_of(client, tree["reset"].url)

    assert '<a href="#request-a-link">Request a link</a>' in page
    assert '<h2 id="request-a-link">Request a link</h2>' in page
    assert '<h3 id="expired-links">Expired links</h3>' in page
    assert 'class="kb-callout kb-callout--warning" role="note"' in page
    assert '<code class="language-bash">reset --user me</code>' in page
    assert "<summary>No email?</summary>" in page
    assert re.search(
        r'<nav class="kb-breadcrumbs".*Help center.*Account.*aria-current="page">Reset your password',
        page,
        re.S,
    )
    assert "Last updated" in page and "<time datetime=" in page


def test_an_article_has_meta_description_canonical_and_open_graph_tags(client, tree):
    page = html_of(client, tree["reset"].url)

    assert '<meta name="description" content="Get a reset link by email.">' in page
    # The canonical URL uses the Wagtail site's own host name, whatever host the request came to.
    assert '<link rel="canonical" href="http://localhost/kb/account/reset-your-password/">' in page
    assert '<meta property="og:type" content="article">' in page
    assert '<meta property="og:title" content="Reset your password">' in page


def test_related_articles_are_the_chosen_ones_then_those_sharing_tags(client, kb, tree):
    RelatedArticle.objects.create(article=tree["reset"], related=ArticlePage.objects.get(title="Invoices"))

    page = html_of(client, tree["reset"].url)
    related = page.split("Related articles</h2>")[1]

    assert related.index("Invoices") < related.index("Cannot sign in")


def test_attachments_are_listed_as_downloads(client, tree):
    from django.core.files.base import ContentFile

    document = get_document_model()(title="Reset checklist")
    document.file.save("checklist.pdf", ContentFile(b"%PDF-1.4"), save=False)
    document.save()
    ArticleAttachment.objects.create(article=tree["reset"], document=document)

    page = html_of(client, tree["reset"].url)

    assert "Reset checklist" in page and "(PDF" in page


def test_tag_pages_list_the_tagged_articles(client, kb_home, tree):
    page = html_of(client, kb_home.url + "tags/password/")

    assert "Articles tagged “password”" in page
    assert re.search(r'<nav class="kb-breadcrumbs".*Help center.*aria-current="page">password', page, re.S)
    assert "Reset your password" in page and "Cannot sign in" in page
    assert "Invoices" not in page
    assert client.get(kb_home.url + "tags/nothing/").status_code == 404


def test_private_articles_are_left_out_of_listings_and_refuse_visitors(client, kb, kb_home, tree):
    kb.restrict(tree["billing"])

    home = html_of(client, kb_home.url)
    assert "Billing" not in home and "Refund policy" not in home
    response = client.get(ArticlePage.objects.get(title="Invoices").url)
    assert "Download invoices." not in response.content.decode()
    assert 'name="password"' in response.content.decode()  # Wagtail asks for the section's password


def test_the_sitemap_lists_public_articles_only(client, kb, tree):
    kb.restrict(tree["billing"])

    sitemap = client.get("/sitemap.xml").content.decode()

    assert "/kb/account/reset-your-password/" in sitemap
    assert "/kb/billing/" not in sitemap


def test_right_to_left_languages_render_right_to_left(client, kb):
    home = kb.home(title="مركز المساعدة", slug="kb-ar", language_code="ar")
    category = kb.category(home, "الحساب", slug="account")
    article = kb.article(category, "تغيير كلمة المرور", "نص المقال.", slug="password")

    page = html_of(client, article.url)

    assert '<html lang="ar" dir="rtl">' in page


def test_the_search_page_shows_results_and_is_not_indexed_by_search_engines(client, kb_home, tree):
    page = html_of(client, kb_home.url + "search/", q="pasword")

    assert '<meta name="robots" content="noindex, follow">' in page
    assert "Did you mean" in page and "password" in page
    assert "Reset your <mark>password</mark>" in page
