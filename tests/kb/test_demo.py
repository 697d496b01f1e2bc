"""The demo knowledge base that seed_demo builds."""

import pytest
from wagtail.models import Locale, Site

from kb.demo import create_demo_kb
from kb.models import ArticlePage, CategoryPage, KnowledgeBaseIndexPage
from kb.search.service import search_articles

pytestmark = pytest.mark.django_db


def test_the_demo_builds_three_categories_and_twelve_searchable_articles_plus_russian_and_thai(client):
    Locale.objects.create(language_code="ru")
    Locale.objects.create(language_code="th")
    root = Site.objects.get(is_default_site=True).root_page

    home = create_demo_kb(root, Locale.get_default())

    assert CategoryPage.objects.child_of(home).live().count() == 3
    assert ArticlePage.objects.descendant_of(home).live().count() == 12
    assert client.get(home.url).status_code == 200
    assert search_articles(home, "invoice").hits[0].page.title == "Download your invoices"
    russian = KnowledgeBaseIndexPage.objects.get(locale__language_code="ru")
    assert [hit.page.title for hit in search_articles(russian, "пароли").hits] == ["Как восстановить пароль"]
    thai = KnowledgeBaseIndexPage.objects.get(locale__language_code="th")
    assert [hit.page.title for hit in search_articles(thai, "รหัสผ่าน").hits] == ["วิธีเปลี่ยนรหัสผ่าน"]


def test_without_other_locales_only_the_english_kb_is_built(db):
    root = Site.objects.get(is_default_site=True).root_page

    create_demo_kb(root, Locale.get_default())

    assert KnowledgeBaseIndexPage.objects.count() == 1
