"""Public knowledge base views, reached through the KB home's and article's sub-routes.

``GET <kb home>/instant/?q=...`` answers JSON for search-as-you-type (also used by contact
forms): ``{"query": "...", "results": [{"id", "title", "url", "category"}, ...]}``, at most
8 live public articles of that KB home's language, best first.
"""

from django.http import Http404, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from helpdesk_site import ratelimit
from helpdesk_site.plugins import do_action

from . import analytics, feedback
from .listings import tag_listing as find_tag_articles
from .search.service import instant_search as find_suggestions
from .search.service import language_of_home, search_articles

QUERY_MAX_LENGTH = 200


def _int_param(request, name, default=None):
    try:
        return int(request.GET.get(name, default))
    except (TypeError, ValueError):
        return default


def _page_context(request, kb_home, **extra):
    return {"page": kb_home, "self": kb_home, "kb_home": kb_home, "request": request, **extra}


def search_results(request, kb_home):
    query = " ".join(request.GET.get("q", "").split())[:QUERY_MAX_LENGTH]
    section_id = _int_param(request, "category")
    page_number = max(1, _int_param(request, "page", 1) or 1)
    outcome = search_articles(kb_home, query, section_id=section_id, page=page_number, request=request)
    if query and page_number == 1 and section_id is None:
        language = language_of_home(kb_home)
        analytics.record_search(language, query, outcome.total)
        if not outcome.total:
            do_action("kb.search_without_results", query=query, language=language, kb_home=kb_home)
    context = _page_context(
        request,
        kb_home,
        search=outcome,
        search_query=query,
        page_numbers=range(1, outcome.num_pages + 1),
        first_result_number=(outcome.page_number - 1) * outcome.per_page + 1,
        breadcrumbs=[kb_home],
        search_url=kb_home.url + kb_home.reverse_subpage("search"),
    )
    return TemplateResponse(request, "kb/search_results.html", context)


def instant_search(request, kb_home):
    if not ratelimit.allow("instant", ratelimit.client_key(request), limit=240, window_seconds=60):
        return JsonResponse({"error": _("Too many searches; please wait a minute.")}, status=429)
    query = " ".join(request.GET.get("q", "").split())[:QUERY_MAX_LENGTH]
    results = find_suggestions(kb_home, query, request=request)
    response = JsonResponse({"query": query, "results": results})
    response["Cache-Control"] = "private, max-age=30"
    return response


def tag_listing(request, kb_home, tag):
    found, articles = find_tag_articles(kb_home, tag)
    if found is None or not articles:
        raise Http404(_("No articles have this tag."))
    context = _page_context(request, kb_home, tag=found, articles=articles, breadcrumbs=[kb_home])
    return TemplateResponse(request, "kb/tag_page.html", context)


def _wants_json(request):
    return "application/json" in request.headers.get("Accept", "")


def _feedback_error(request, article, message, status):
    if _wants_json(request):
        return JsonResponse({"ok": False, "error": message}, status=status)
    response = TemplateResponse(
        request,
        "kb/feedback_error.html",
        {"page": article, "self": article, "message": message, "article_url": article.get_url(request)},
        status=status,
    )
    return response


def article_feedback(request, article):
    """POST helpful=yes|no and an optional comment; one vote per visitor (a second one changes it)."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    visitor, new_visitor = feedback.visitor_id(request)
    client = ratelimit.client_key(request)
    if not (
        ratelimit.allow("vote-client", client, limit=30, window_seconds=3600)
        and ratelimit.allow("vote-visitor", visitor, limit=20, window_seconds=3600)
    ):
        return _feedback_error(
            request, article, _("Too many votes from your connection; please try again later."), 429
        )
    answer = request.POST.get("helpful", "")
    if answer not in ("yes", "no"):
        return _feedback_error(request, article, _("Please answer Yes or No."), 400)
    try:
        result = feedback.record_vote(article, visitor, answer == "yes", request.POST.get("comment", ""))
    except feedback.FeedbackError as error:
        return _feedback_error(request, article, str(error), 400)
    if _wants_json(request):
        response = JsonResponse(
            {"ok": True, "helpful": result.vote.helpful, "message": _("Thank you for your feedback!")}
        )
    else:
        response = redirect(article.get_url(request) + "?feedback=thanks#feedback")
    if new_visitor:
        feedback.remember_visitor(response, visitor, secure=request.is_secure())
    return response
