"""Knowledge base models: pages (pages.py), visitor feedback and views (feedback.py), analytics."""

from .analytics import Deflection, SearchTerm
from .feedback import ArticleViewDaily, ArticleVote
from .pages import (
    ArticleAttachment,
    ArticlePage,
    ArticlePageTag,
    CategoryPage,
    KnowledgeBaseIndexPage,
    RelatedArticle,
)

__all__ = [
    "ArticleAttachment",
    "ArticlePage",
    "ArticlePageTag",
    "ArticleViewDaily",
    "ArticleVote",
    "CategoryPage",
    "Deflection",
    "KnowledgeBaseIndexPage",
    "RelatedArticle",
    "SearchTerm",
]
