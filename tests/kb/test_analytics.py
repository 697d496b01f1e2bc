"""View counts without database writes, search analytics, deflections and the admin report."""

import datetime

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.hooks import register_temporarily

from kb import analytics
from kb.models import ArticleViewDaily, Deflection, SearchTerm
from kb.view_counts import FLUSH_MARKER, flush_view_counts

pytestmark = pytest.mark.django_db


@pytest.fixture
def article(kb, kb_home):
    return kb.article(kb.category(kb_home, "Account"), "Reset your password", "Choose a new one.")


def writes(queries):
    return [q["sql"] for q in queries if q["sql"].split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}]


def test_viewing_an_article_writes_nothing_to_the_database(client, article):
    from django.core.cache import cache

    cache.set(FLUSH_MARKER, 1)  # a flush was scheduled recently: views only touch the cache
    with CaptureQueriesContext(connection) as queries:
        for _ in range(3):
            assert client.get(article.url).status_code == 200

    assert writes(queries.captured_queries) == []
    assert not ArticleViewDaily.objects.exists()
    assert flush_view_counts() == 3
    assert ArticleViewDaily.objects.get(article=article, date=timezone.localdate()).views == 3


def test_the_first_view_after_a_quiet_period_schedules_one_flush(client, article):
    client.get(article.url)  # the immediate task backend runs the flush at once
    client.get(article.url)  # still within the interval: counted in the cache only

    assert ArticleViewDaily.objects.get(article=article).views == 1
    flush_view_counts()
    assert ArticleViewDaily.objects.get(article=article).views == 2


def test_flushing_adds_to_existing_rows_and_never_counts_twice(client, article):
    from django.core.cache import cache

    cache.set(FLUSH_MARKER, 1)
    client.get(article.url)
    assert flush_view_counts() == 1
    assert flush_view_counts() == 0
    client.get(article.url)
    client.get(article.url)
    flush_view_counts()

    assert ArticleViewDaily.objects.get(article=article).views == 3


def test_robots_are_not_counted(client, article):
    from django.core.cache import cache

    cache.set(FLUSH_MARKER, 1)
    client.get(article.url, HTTP_USER_AGENT="Googlebot/2.1")

    assert flush_view_counts() == 0


def test_kb_flush_views_command_moves_the_counts(client, article):
    from io import StringIO

    from django.core.cache import cache
    from django.core.management import call_command

    cache.set(FLUSH_MARKER, 1)
    client.get(article.url)
    out = StringIO()
    call_command("kb_flush_views", stdout=out)

    assert out.getvalue().strip() == "Flushed 1 article views."


def test_searches_without_results_are_recorded_with_count_and_last_seen(client, kb_home, article):
    url = kb_home.url + "search/"
    client.get(url, {"q": "Quantum   Teleport"})
    client.get(url, {"q": "quantum teleport"})
    client.get(url, {"q": "password"})
    client.get(kb_home.url + "instant/", {"q": "quantum"})  # keystrokes are not counted

    failed = SearchTerm.objects.get(query="quantum teleport")
    assert (failed.searches, failed.searches_without_results, failed.language) == (2, 2, "en")
    assert failed.last_without_results is not None
    found = SearchTerm.objects.get(query="password")
    assert (found.searches, found.searches_without_results, found.last_result_count) == (1, 0, 1)


def test_plugins_hear_about_searches_without_results(client, kb_home):
    heard = []

    def listener(query, language, kb_home):
        heard.append((query, language))

    with register_temporarily("kb.search_without_results", listener):
        client.get(kb_home.url + "search/", {"q": "nothing here"})

    assert heard == [("nothing here", "en")]


def test_record_deflection_counts_questions_answered_by_an_article(article):
    heard = []
    with register_temporarily("kb.deflection_recorded", lambda deflection: heard.append(deflection.query)):
        analytics.record_deflection(article=article, query="  Reset PASSWORD ", source="contact_form")
        analytics.record_deflection(query="refund")

    assert Deflection.objects.count() == 2
    assert heard == ["reset password", "refund"]
    report = analytics.deflections_report()
    assert report["recent"] == 2
    assert report["by_article"][0]["article__title"] == "Reset your password"


def test_the_views_report_has_daily_buckets(article):
    today = timezone.localdate()
    ArticleViewDaily.objects.create(article=article, date=today, views=5)
    ArticleViewDaily.objects.create(article=article, date=today - datetime.timedelta(days=2), views=2)

    report = analytics.views_report(days=7)

    assert [day["views"] for day in report["days"]] == [0, 0, 0, 0, 2, 0, 5]
    assert report["articles"][0]["daily"] == [0, 0, 0, 0, 2, 0, 5]
    assert report["total"] == 7


def test_the_admin_report_shows_searches_votes_views_and_deflections(admin_client, client, kb_home, article):
    client.get(kb_home.url + "search/", {"q": "teleport"})
    Client().post(article.url + "feedback/", {"helpful": "no"})
    client.get(article.url)
    analytics.record_deflection(article=article, query="password")

    page = admin_client.get("/admin/reports/knowledge-base/").content.decode()

    failed = page.split("Searches with no results")[1].split("</section>")[0]
    assert "teleport" in failed
    unhelpful = page.split("most “No” votes")[1].split("</section>")[0]
    assert "Reset your password" in unhelpful
    views = page.split("Views per day")[1].split("</section>")[0]
    assert "Reset your password" in views
    assert "questions answered before a ticket" in page


def test_the_report_needs_the_permission(client, django_user_model, kb_home):
    editor = django_user_model.objects.create_user("editor", password="pw")
    editor.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(editor)
    assert client.get("/admin/reports/knowledge-base/").status_code == 302  # refused, back to the dashboard

    group = Group.objects.create(name="Site owners")
    group.permissions.add(Permission.objects.get(codename="view_searchterm"))
    editor.groups.add(group)
    editor = django_user_model.objects.get(pk=editor.pk)
    client.force_login(editor)
    assert client.get("/admin/reports/knowledge-base/").status_code == 200
