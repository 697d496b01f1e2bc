"""'Was this helpful?' votes: one per visitor per article, without personal data.

A visitor is a random id in a signed cookie (``kb_visitor``). The vote stores only a keyed
hash of that id and the article id, so votes of one visitor on different articles cannot
be linked, and nobody can be identified from the table. Voting again changes the vote.
"""

import secrets
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.crypto import salted_hmac

from helpdesk_site.plugins import do_action

from .models import ArticleVote
from .view_counts import recent_views

VISITOR_COOKIE = "kb_visitor"
VISITOR_SALT = "kb.visitor"
VISITOR_COOKIE_AGE = 365 * 24 * 3600
COMMENT_MAX_LENGTH = 1000


class FeedbackError(ValueError):
    """The vote cannot be accepted; the message says why, for the visitor."""


def visitor_id(request):
    """The visitor's random id from the signed cookie, or a new one (set it with remember_visitor)."""
    value = request.get_signed_cookie(VISITOR_COOKIE, default=None, salt=VISITOR_SALT)
    if value and len(value) == 32:
        return value, False
    return secrets.token_hex(16), True


def remember_visitor(response, visitor, secure=False):
    response.set_signed_cookie(
        VISITOR_COOKIE,
        visitor,
        salt=VISITOR_SALT,
        max_age=VISITOR_COOKIE_AGE,
        httponly=True,
        samesite="Lax",
        secure=secure,
    )


def voter_hash(article_id, visitor):
    return salted_hmac("kb.vote", f"{article_id}:{visitor}", algorithm="sha256").hexdigest()


@dataclass
class VoteResult:
    vote: ArticleVote
    created: bool


def record_vote(article, visitor, helpful, comment=""):
    """Store (or change) this visitor's vote on the article; fires ``kb.article_voted``."""
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX_LENGTH:
        raise FeedbackError(f"The comment is too long: at most {COMMENT_MAX_LENGTH} characters, please.")
    voter = voter_hash(article.pk, visitor)
    try:
        with transaction.atomic():
            vote, created = ArticleVote.objects.update_or_create(
                article=article, voter=voter, defaults={"helpful": bool(helpful), "comment": comment}
            )
    except IntegrityError:  # the same visitor's other request won the race
        vote = ArticleVote.objects.get(article=article, voter=voter)
        vote.helpful, vote.comment = bool(helpful), comment
        vote.save(update_fields=["helpful", "comment", "updated_at"])
        created = False
    do_action("kb.article_voted", article=article, helpful=vote.helpful, comment=vote.comment)
    return VoteResult(vote=vote, created=created)


def existing_vote(article, visitor):
    return ArticleVote.objects.filter(article=article, voter=voter_hash(article.pk, visitor)).first()


def feedback_summary(article, comments=10):
    """Counts and latest comments for editors (page editor's Feedback tab)."""
    votes = ArticleVote.objects.filter(article=article)
    yes = votes.filter(helpful=True).count()
    no = votes.filter(helpful=False).count()
    latest = list(votes.exclude(comment="").order_by("-updated_at")[:comments])
    return {"yes": yes, "no": no, "comments": latest, "views": recent_views(article)}
