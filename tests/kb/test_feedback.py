"""'Was this helpful?': one vote per visitor per article, no personal data, CSRF and rate limits."""

import pytest
from django.test import Client
from wagtail.hooks import register_temporarily

from kb.models import ArticleVote

pytestmark = pytest.mark.django_db


@pytest.fixture
def article(kb, kb_home):
    return kb.article(kb.category(kb_home, "Account"), "Reset your password", "Choose a new one.")


def feedback_url(article):
    return article.url + article.reverse_subpage("feedback")


def vote(client, article, helpful, comment="", json=True, **extra):
    headers = {"HTTP_ACCEPT": "application/json"} if json else {}
    return client.post(feedback_url(article), {"helpful": helpful, "comment": comment}, **headers, **extra)


def test_a_visitor_votes_once_and_voting_again_changes_the_vote(client, article):
    assert vote(client, article, "no", "Missing the 2FA case").json()["ok"] is True
    assert vote(client, article, "yes").status_code == 200

    votes = list(ArticleVote.objects.filter(article=article))
    assert len(votes) == 1
    assert votes[0].helpful is True


def test_votes_of_different_visitors_are_all_counted(article):
    for answer in ("yes", "yes", "no"):
        assert vote(Client(), article, answer).status_code == 200

    assert ArticleVote.objects.filter(article=article, helpful=True).count() == 2
    assert ArticleVote.objects.filter(article=article, helpful=False).count() == 1


def test_no_personal_data_is_stored(client, article):
    vote(client, article, "no", REMOTE_ADDR="203.0.113.9", HTTP_USER_AGENT="Firefox")

    stored = ArticleVote.objects.values().get()
    assert "203.0.113.9" not in str(stored)
    cookie = client.cookies["kb_visitor"].value
    assert cookie.split(":")[0] not in str(stored)  # the cookie's random id is not stored either
    assert len(stored["voter"]) == 64


def test_the_same_visitor_gets_unrelated_voter_keys_on_two_articles(client, kb, article):
    other = kb.article(article.get_parent(), "Change your email", "New address.")
    vote(client, article, "yes")
    vote(client, other, "yes")

    keys = set(ArticleVote.objects.values_list("voter", flat=True))
    assert len(keys) == 2


def test_without_javascript_the_vote_redirects_back_with_a_thank_you(client, article):
    response = vote(client, article, "yes", json=False)

    assert response.status_code == 302
    assert response["Location"].endswith("?feedback=thanks#feedback")
    page = client.get(response["Location"])
    assert "Thank you for your feedback!" in page.content.decode()


def test_votes_need_the_csrf_token(article):
    client = Client(enforce_csrf_checks=True)

    assert vote(client, article, "yes").status_code == 403
    assert not ArticleVote.objects.exists()


def test_a_vote_needs_yes_or_no_and_a_reasonable_comment(client, article):
    assert vote(client, article, "maybe").json() == {"ok": False, "error": "Please answer Yes or No."}
    too_long = vote(client, article, "no", "x" * 1001)
    assert too_long.status_code == 400
    assert "at most 1000 characters" in too_long.json()["error"]
    assert client.get(feedback_url(article)).status_code == 405
    assert not ArticleVote.objects.exists()


def test_many_votes_from_one_address_are_refused(article):
    statuses = [vote(Client(), article, "yes", REMOTE_ADDR="198.51.100.7").status_code for _ in range(31)]

    assert statuses[:30] == [200] * 30
    assert statuses[30] == 429
    assert ArticleVote.objects.count() == 30


def test_plugins_hear_about_votes(client, article):
    heard = []

    def listener(article, helpful, comment):
        heard.append((article.title, helpful, comment))

    with register_temporarily("kb.article_voted", listener):
        vote(client, article, "no", "Outdated screenshot")

    assert heard == [("Reset your password", False, "Outdated screenshot")]


def test_editors_see_the_counts_and_comments_in_the_page_editor(admin_client, article):
    vote(Client(), article, "yes")
    vote(Client(), article, "no", "Outdated screenshot")

    page = admin_client.get(f"/admin/pages/{article.pk}/edit/").content.decode()

    assert "Visitor feedback" in page
    assert "Helpful: <strong>1</strong> · Not helpful: <strong>1</strong>" in page
    assert "Outdated screenshot" in page
