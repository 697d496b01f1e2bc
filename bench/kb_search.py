"""Knowledge base search benchmark: Whoosh (the KB search) against Wagtail's database backend.

    python bench/kb_search.py                   # 10,000 articles of about 800 words (temporary SQLite)
    python bench/kb_search.py --articles 1000   # smaller, while developing
    python bench/kb_search.py --var /tmp/kb10k  # keep the database and index in /tmp/kb10k...
    python bench/kb_search.py --var /tmp/kb10k --reuse --database-queries 0  # ...and time again

Generates ``--articles`` English articles under one KB home and ten categories, written straight
to the database (no signals, no revisions: generation is not what is measured). Like real help
articles, each is about a few topic words (password, invoice, printer...) that fill its title,
headings and a fifth of its ~800-word body; the rest is common help-text words, stop words and a
long tail of 12,000 rarer words (Zipf). Queries are 1–3 words, three in four topic words and the
rest common words, a fifth with a dropped letter (a typo). Then:

* rebuilds the Whoosh index through the backend's rebuild path (what ``update_index`` runs) and
  reports the time and the index size on disk;
* builds Wagtail's default database search index (SQLite FTS5 here) for the same articles;
* times ``--queries`` searches (1–3 words, a fifth with a typo) with the KB search page's service
  (ranking, typo tolerance, suggestion, snippets, category counts), with the same queries through
  Wagtail's API on Whoosh, and through Wagtail's API on the database backend; and the same number
  of instant searches (an unfinished last word) with the KB service and with the database
  backend's autocomplete.

Prints one JSON line: milliseconds at p50/p95 (and the number of queries) for each, the ratios
database/Whoosh at p95, the rebuild seconds, the index size, and the load average at the end
(timings are wall-clock: other work on the machine inflates them; ``cpu_p50_ms``/``cpu_p95_ms``
are the same percentiles of the process's CPU time, which waiting for a busy core does not
inflate). Each KB call gets a request as the views do (Wagtail's routing has resolved its
site), so page URLs are computed as in a real response. The database backend runs only the first ``--database-queries`` queries: at
10,000 articles each of its searches takes seconds (0 skips it).

``--var DIR`` keeps the generated database, both indexes, the queries and the build figures in
DIR; ``--reuse`` then times the searches again on them without generating or rebuilding
anything (the build figures printed are those of the run that built DIR), and
``--reuse --rebuild-whoosh`` rebuilds (and times) only the Whoosh index first.
"""

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BASE_WORDS = (
    "account password reset login sign email address invoice payment card refund subscription plan "
    "upgrade downgrade cancel billing receipt tax order shipping delivery tracking parcel return "
    "exchange warranty product install download update version desktop mobile app browser cache "
    "cookie setting profile team member invite permission role owner admin workspace project "
    "document file upload export import backup restore sync offline error message problem issue "
    "slow crash freeze network connection wifi proxy firewall server timeout security two factor "
    "authentication code token key api webhook integration calendar notification alert report "
    "dashboard chart filter search tag label folder archive delete trash recover history share "
    "link public private access request approve reject language translation keyboard shortcut "
    "printer scanner device bluetooth battery screen display theme dark light font size zoom"
).split()
SYLLABLES = "ka lo mi ne ru sa ti ve zo pra tel mon dar sen vik lor bas tem fin gal cor ban".split()
FILLER = "the a to of and in for with on your you can is it this that from by when if".split()
GENERAL_WORDS = (
    "click open select choose page button menu option new enter check see use need want change make "
    "find show start stop add remove save send get set keep turn try work help time step first next "
    "then also again only more most each every other same different right left top bottom list item "
    "name number date type support contact question answer wait minute hour day week month account "
    "screen window tab field box form link view edit create close copy paste move sort group"
).split()


def configure(var=None):
    var = var or tempfile.mkdtemp(prefix="helpdesk-bench-kb-")
    Path(var).mkdir(parents=True, exist_ok=True)
    os.environ["HELPDESK_VAR_DIR"] = str(var)
    os.environ["DATABASE_URL"] = f"sqlite:///{Path(var) / 'bench.sqlite3'}"
    os.environ["TASK_BACKEND"] = "immediate"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ["DJANGO_SETTINGS_MODULE"] = "helpdesk_site.settings.base"
    import django
    from django.conf import settings

    django.setup()
    settings.WAGTAILSEARCH_BACKENDS["database"] = {
        "BACKEND": "wagtail.search.backends.database",
        "AUTO_UPDATE": False,
    }
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return var


def vocabulary(rng, size=12000):
    words = list(BASE_WORDS)
    seen = set(words)
    while len(words) < size:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    weights = [1 / (rank + 1) for rank in range(len(words))]
    return words, weights


def sentence(rng, topics, words, weights, length):
    picked = []
    for _ in range(length):
        roll = rng.random()
        if roll < 0.35:
            picked.append(rng.choice(FILLER))
        elif roll < 0.70:
            picked.append(rng.choice(GENERAL_WORDS))
        elif roll < 0.88:
            picked.append(rng.choice(topics) if rng.random() < 0.9 else rng.choice(BASE_WORDS))
        else:
            picked.append(rng.choices(words, weights)[0])
    return " ".join(picked).capitalize() + "."


def article_body(rng, topics, words, weights, target_words=800):
    blocks, count = [], 0
    while count < target_words:
        heading = " ".join([rng.choice(topics), *rng.sample(GENERAL_WORDS, rng.randint(1, 3))]).capitalize()
        blocks.append({"type": "heading", "value": {"text": heading, "level": "h2", "anchor": ""}})
        paragraph = " ".join(
            sentence(rng, topics, words, weights, rng.randint(10, 20)) for _ in range(rng.randint(3, 6))
        )
        blocks.append({"type": "paragraph", "value": f"<p>{paragraph}</p>"})
        count += len(paragraph.split()) + len(heading.split())
    return json.dumps(blocks), count


def build_tree(count, rng):
    """KB home, ten categories and ``count`` live articles, written directly (bulk)."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction
    from django.utils import timezone
    from taggit.models import Tag
    from wagtail.models import Locale, Page

    from kb.models import ArticlePage, ArticlePageTag, CategoryPage, KnowledgeBaseIndexPage

    locale = Locale.get_default()
    root = Page.get_first_root_node().get_children().first()
    home = root.add_child(
        instance=KnowledgeBaseIndexPage(title="Help center", slug="kb", locale=locale, live=True)
    )
    categories = [
        home.add_child(instance=CategoryPage(title=f"Topic {n}", slug=f"topic-{n}", locale=locale, live=True))
        for n in range(10)
    ]
    words, weights = vocabulary(rng)
    tags = [Tag.objects.create(name=word, slug=word) for word in BASE_WORDS]
    content_type = ContentType.objects.get_for_model(ArticlePage)
    now = timezone.now()
    total_words = 0
    per_category = -(-count // len(categories))
    with transaction.atomic():
        for category in categories:
            pages, rows = [], []
            for position in range(per_category):
                number = categories.index(category) * per_category + position
                if number >= count:
                    break
                topics = rng.sample(BASE_WORDS, 3)
                title = " ".join([*topics[:2], *rng.sample(GENERAL_WORDS, rng.randint(1, 3))]).capitalize()
                slug = f"article-{number}"
                body, words_in_body = article_body(rng, topics, words, weights)
                total_words += words_in_body
                pages.append(
                    Page(
                        title=title,
                        draft_title=title,
                        slug=slug,
                        content_type=content_type,
                        live=True,
                        has_unpublished_changes=False,
                        first_published_at=now,
                        last_published_at=now,
                        url_path=f"{category.url_path}{slug}/",
                        locale=locale,
                        translation_key=uuid.uuid4(),
                        depth=category.depth + 1,
                        path=Page._get_path(category.path, category.depth + 1, position + 1),
                        numchild=0,
                    )
                )
                rows.append((title, body))
            created = Page.objects.bulk_create(pages)
            with connection.cursor() as cursor:
                table = ArticlePage._meta.db_table
                cursor.executemany(
                    f"INSERT INTO {table} (page_ptr_id, summary, body) VALUES (%s, %s, %s)",
                    [(page.pk, title, body) for page, (title, body) in zip(created, rows, strict=True)],
                )
            tag_by_name = {tag.name: tag for tag in tags}
            article_tags = [tag_by_name.get(title.split()[0].lower(), tags[0]) for title, _body in rows]
            pairs = zip(created, article_tags, strict=True)  # the first title word is the tag
            ArticlePageTag.objects.bulk_create(
                [ArticlePageTag(content_object_id=a.pk, tag=t) for a, t in pairs]
            )
            Page.objects.filter(pk=category.pk).update(numchild=len(created))
    return home, words, total_words


def rebuild_whoosh():
    from wagtail.search.backends import get_search_backend

    from kb.models import ArticlePage

    backend = get_search_backend()
    started = time.perf_counter()
    rebuilder = backend.rebuilder_class(backend.get_index_for_model(ArticlePage))
    index = rebuilder.start()
    for model in _page_models():
        objects = model.get_indexed_objects().order_by("pk")
        for start in range(0, objects.count(), 500):
            index.add_items(model, list(objects[start : start + 500]))
    rebuilder.finish()
    return backend, time.perf_counter() - started


def _page_models():
    from django.db import connection
    from modelsearch.index import get_indexed_models
    from wagtail.models import Page

    tables = set(connection.introspection.table_names())
    return {
        model for model in get_indexed_models() if issubclass(model, Page) and model._meta.db_table in tables
    }


def rebuild_database():
    from wagtail.search.backends import get_search_backend

    from kb.models import ArticlePage

    backend = get_search_backend("database")
    started = time.perf_counter()
    index = backend.get_index_for_model(ArticlePage)
    objects = ArticlePage.objects.order_by("pk")
    for start in range(0, objects.count(), 500):
        index.add_items(ArticlePage, list(objects[start : start + 500]))
    return backend, time.perf_counter() - started


def typo(rng, word):
    if len(word) < 5:
        return word
    position = rng.randrange(1, len(word) - 1)
    return word[:position] + word[position + 1 :]  # a dropped letter


def make_queries(rng, count):
    queries = []
    for number in range(count):
        picked = [rng.choice(BASE_WORDS) if rng.random() < 0.75 else rng.choice(GENERAL_WORDS)]
        for _ in range(rng.randint(0, 2)):
            picked.append(rng.choice(BASE_WORDS) if rng.random() < 0.75 else rng.choice(GENERAL_WORDS))
        if number % 5 == 0:
            picked[0] = typo(rng, picked[0])
        queries.append(" ".join(picked))
    return queries


def percentiles(samples):
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p95_ms": round(ordered[max(0, int(len(ordered) * 0.95) - 1)] * 1000, 2),
    }


def timed(function, items):
    """Wall-clock percentiles, and the same for this process's CPU time (less sensitive to
    other work on the machine: a search waiting for a core does not count there)."""
    samples, cpu = [], []
    for item in items:
        started, started_cpu = time.perf_counter(), time.process_time()
        function(item)
        samples.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    cpu_figures = percentiles(cpu)
    return {
        **percentiles(samples),
        "n": len(samples),
        "cpu_p50_ms": cpu_figures["p50_ms"],
        "cpu_p95_ms": cpu_figures["p95_ms"],
    }


def visitor_request(path, query):
    """A request as the KB views get it: Wagtail's routing has already found its Site."""
    from django.test import RequestFactory
    from wagtail.models import Site

    request = RequestFactory(HTTP_HOST="localhost").get(path, {"q": query})
    Site.find_for_request(request)
    return request


def build(options, rng, var):
    """Generate the articles and build both indexes; saves the queries and figures in ``var``."""
    home, _words, total_words = build_tree(options.articles, rng)
    whoosh, whoosh_rebuild = rebuild_whoosh()
    _database, database_rebuild = rebuild_database()
    queries = make_queries(rng, options.queries)
    prefixes = [query[: max(3, len(query) - rng.randint(1, 3))] for query in queries]
    built = {
        "home_id": home.pk,
        "articles": options.articles,
        "average_words": round(total_words / max(options.articles, 1)),
        "whoosh_rebuild_s": round(whoosh_rebuild, 2),
        "whoosh_index_mb": round(whoosh.store.size_on_disk() / 1e6, 1),
        "database_rebuild_s": round(database_rebuild, 2),
        "queries": queries,
        "prefixes": prefixes,
    }
    (Path(var) / BUILD_FILE).write_text(json.dumps(built))
    return built


BUILD_FILE = "kb_search_build.json"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument(
        "--database-queries",
        type=int,
        default=100,
        help="of the same queries, how many the (slow) database runs (0: none)",
    )
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--var", help="directory that keeps the database and indexes (default: temporary)")
    parser.add_argument(
        "--reuse", action="store_true", help="time again on what a previous run left in --var (no rebuild)"
    )
    parser.add_argument(
        "--rebuild-whoosh", action="store_true", help="with --reuse: rebuild the Whoosh index first"
    )
    options = parser.parse_args()
    if options.reuse and not options.var:
        parser.error("--reuse needs --var")
    if options.rebuild_whoosh and not options.reuse:
        parser.error("--rebuild-whoosh goes with --reuse")
    rng = random.Random(options.seed)
    var = configure(options.var)

    from wagtail.search.backends import get_search_backend

    from kb.models import ArticlePage, KnowledgeBaseIndexPage
    from kb.search.service import instant_search, search_articles

    if options.reuse:
        built = json.loads((Path(var) / BUILD_FILE).read_text())
        if options.rebuild_whoosh:
            rebuilt, seconds = rebuild_whoosh()
            built["whoosh_rebuild_s"] = round(seconds, 2)
            built["whoosh_index_mb"] = round(rebuilt.store.size_on_disk() / 1e6, 1)
            (Path(var) / BUILD_FILE).write_text(json.dumps(built))
    else:
        built = build(options, rng, var)
    home = KnowledgeBaseIndexPage.objects.get(pk=built["home_id"])
    queries, prefixes = built["queries"], built["prefixes"]
    database = get_search_backend("database")
    articles = ArticlePage.objects.live().descendant_of(home)
    whoosh = get_search_backend()

    search_url = home.url + "search/"
    instant_url = home.url + "instant/"
    for query in queries[:10]:  # warm-up: open searchers and the database
        search_articles(home, query, request=visitor_request(search_url, query))
        instant_search(home, query, request=visitor_request(instant_url, query))
        if options.database_queries:
            list(database.search(query, articles)[:10])
    few = slice(0, options.database_queries)

    def kb_search(query):
        return search_articles(home, query, request=visitor_request(search_url, query))

    def kb_instant(query):
        return instant_search(home, query, request=visitor_request(instant_url, query))

    results = {
        "benchmark": "kb_search",
        "reused": bool(options.reuse),
        **{key: value for key, value in built.items() if key not in ("home_id", "queries", "prefixes")},
        "kb_search": timed(kb_search, queries),
        "kb_instant": timed(kb_instant, prefixes),
        "wagtail_api_whoosh": timed(lambda q: list(whoosh.search(q, articles)[:10]), queries),
    }
    if options.database_queries:
        results["wagtail_api_database"] = timed(
            lambda q: list(database.search(q, articles)[:10]), queries[few]
        )
        results["database_autocomplete"] = timed(
            lambda q: list(database.autocomplete(q, articles)[:8]), prefixes[few]
        )
        results["ratio_database_to_kb_search_p95"] = round(
            results["wagtail_api_database"]["p95_ms"] / results["kb_search"]["p95_ms"], 2
        )
        results["ratio_database_to_whoosh_api_p95"] = round(
            results["wagtail_api_database"]["p95_ms"] / results["wagtail_api_whoosh"]["p95_ms"], 2
        )
        results["ratio_database_autocomplete_to_kb_instant_p95"] = round(
            results["database_autocomplete"]["p95_ms"] / results["kb_instant"]["p95_ms"], 2
        )
    results["load_average"] = round(os.getloadavg()[0], 2)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
