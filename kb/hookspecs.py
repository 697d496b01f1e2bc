"""Hooks the knowledge base fires (documented in docs/plugins.md, "Knowledge base hooks")."""

from helpdesk_site.plugins import define_action, define_filter

ARTICLE_VOTED = define_action(
    "kb.article_voted",
    "A visitor answered 'Was this helpful?'. Keyword arguments: article, helpful (bool), comment (str).",
)
SEARCH_WITHOUT_RESULTS = define_action(
    "kb.search_without_results",
    "A knowledge base search found nothing. Keyword arguments: query (str), language (str), kb_home.",
)
DEFLECTION_RECORDED = define_action(
    "kb.deflection_recorded",
    "A contact form reported a question answered by the knowledge base. Keyword argument: deflection.",
)
INSTANT_SEARCH_RESULTS = define_filter(
    "kb.instant_search_results",
    "Filter the instant-search suggestions (a list of dicts with title, url, category). "
    "Extra arguments: query, kb_home. Must return a list of such dicts.",
)
