"""Inbox benchmark: 100,000 tickets and 400,000 messages, then server time of the agents' screens.

    python bench/inbox.py                    # 100,000 tickets in a temporary SQLite file
    python bench/inbox.py --tickets 10000    # smaller, while developing
    DATABASE_URL=postgres://…/bench python bench/inbox.py   # an empty PostgreSQL database (or one
                                                            # this script filled before: it is reused)

Generates the data with bulk_create, indexes it for search through the real indexing path
(inbox.search), then times ~50 requests each through Django's test Client (in-process, so
the figures are server time without network): the inbox list, a filtered list, two searches
(two common words that ~1 ticket in 6 contains; a customer's address) and a ticket page with 50
messages. Prints one JSON line: p50/p95 in ms, CPU p95, and the SQL queries of each screen.
`--db PATH` keeps (or reuses) a SQLite file instead of a temporary one. On PostgreSQL the
tables are ANALYZEd before measuring, as autovacuum would soon after the bulk load (a test
server may run without autovacuum, and without statistics the planner takes them for empty).
"""

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Mail text with a realistic (Zipf) word distribution: a few words everywhere, most words rare.
COMMON = (
    "the to and i a you my of is for it in have on this that be with not order please thanks can "
    "your we me was but are hello would at as if do so know from an still no will get just there "
    "help could they when what all one been has did any time which about like how need out up"
).split()
DOMAIN = (
    "parcel delivery refund invoice payment card account password login shipping address return "
    "exchange broken damaged missing late tracking number discount coupon subscription cancel "
    "upgrade warranty size colour receipt bank transfer paypal courier warehouse stock restock "
    "email phone website error charged twice wrong item replacement label customs voucher"
).split()


def vocabulary(rng):
    """~3,000 words ranked for a Zipf draw: common words first, shop words among the top few hundred."""
    words = list(COMMON)
    domain = list(DOMAIN)
    filler = [f"w{index:04d}" for index in range(3000 - len(COMMON) - len(DOMAIN))]
    while domain or filler:
        if domain and rng.random() < 0.25:
            words.append(domain.pop(0))
        elif filler:
            words.append(filler.pop(0))
        else:
            words.append(domain.pop(0))
    weights = [1 / (rank + 2.7) for rank in range(len(words))]
    return words, weights


FIRST = "Anna Ben Chloe David Emma Felix Greta Hugo Ines Jonas Kira Leo Mia Noah Olga Paul Rosa Sven".split()
LAST = "Smith Jones Miller Brown Garcia Novak Rossi Berg Dubois Silva Kowalski Jensen Meyer Costa".split()
SUBJECTS = [
    "Where is my parcel?",
    "Refund for order {n}",
    "Invoice {n} is wrong",
    "Cannot log in to my account",
    "Damaged item in order {n}",
    "Question about shipping to {w}",
    "Change my delivery address",
    "Coupon code does not work",
    "Cancel subscription {n}",
    "Warranty claim for {w} {w2}",
]
TAGS = ["vip", "refund", "bug", "shipping", "billing", "wholesale", "complaint", "feedback"]
RUNS = 50
WARMUP = 3


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--messages-per-ticket", type=int, default=4)
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument("--db", help="SQLite file to create or reuse (default: a temporary one)")
    parser.add_argument("--seed", type=int, default=4)
    return parser.parse_args()


def configure(args):
    var = tempfile.mkdtemp(prefix="helpdesk-bench-")
    os.environ.setdefault("HELPDESK_VAR_DIR", var)
    if not os.environ.get("DATABASE_URL"):
        path = Path(args.db).resolve() if args.db else Path(var) / "bench.sqlite3"
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ["TASK_BACKEND"] = "immediate"
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ["DJANGO_SETTINGS_MODULE"] = "helpdesk_site.settings.base"
    import django

    django.setup()
    from django.conf import settings
    from django.test.utils import override_settings

    # Plain static storage: the manifest needs `collectstatic`, and serving files is not measured here.
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    override_settings(STORAGES=storages).enable()


def body_pool(rng, size=20_000):
    """Message bodies to draw from: generating 400,000 distinct ones would dominate the run."""
    words, weights = vocabulary(rng)
    return [" ".join(rng.choices(words, weights, k=rng.randint(30, 90))) for _ in range(size)]


def generate(args, rng):
    """Mailboxes, agents, customers, tickets, messages and tags, all with bulk_create."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group, Permission
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction
    from django.utils import timezone
    from taggit.models import Tag, TaggedItem

    from inbox.models import Customer, CustomerAddress, Mailbox, Message, Ticket

    User = get_user_model()
    now = timezone.now()
    access = Permission.objects.get(codename="access_admin")
    mailboxes = []
    for name in ("Support", "Sales", "Billing"):
        mailbox = Mailbox.objects.create(name=name, address=f"{name.lower()}@bench.example")
        group = Group.objects.create(name=f"{name} agents")
        group.permissions.add(access)
        mailbox.groups.add(group)
        mailboxes.append((mailbox, group))
    agents = []
    for index in range(12):
        agent = User.objects.create_user(f"agent{index}", f"agent{index}@bench.example", "bench")
        agent.first_name, agent.last_name = rng.choice(FIRST), rng.choice(LAST)
        agent.save()
        # Every agent works two of the three mailboxes: lists filter by permission, as in real use.
        for _mailbox, group in (mailboxes[index % 3], mailboxes[(index + 1) % 3]):
            agent.groups.add(group)
        agents.append(agent)

    n_tickets = args.tickets
    n_customers = max(1, n_tickets // 3)
    bodies = body_pool(rng)
    with transaction.atomic():
        Customer.objects.bulk_create(
            [Customer(name=f"{rng.choice(FIRST)} {rng.choice(LAST)}") for _ in range(n_customers)],
            batch_size=5000,
        )
        customer_ids = list(Customer.objects.order_by("pk").values_list("pk", flat=True))
        CustomerAddress.objects.bulk_create(
            [
                CustomerAddress(
                    customer_id=pk, address=f"customer{pk}@mail{pk % 97}.example", is_primary=True
                )
                for pk in customer_ids
            ],
            batch_size=5000,
        )

        statuses = ["open"] * 15 + ["pending"] * 10 + ["closed"] * 70 + ["spam"] * 5
        tickets = []
        for number in range(n_tickets):
            created = now - timedelta(minutes=rng.randint(60, 365 * 24 * 60))
            last = min(now, created + timedelta(minutes=rng.randint(1, 14 * 24 * 60)))
            status = rng.choice(statuses)
            subject = rng.choice(SUBJECTS).format(
                n=10000 + number, w=rng.choice(DOMAIN), w2=rng.choice(DOMAIN)
            )
            tickets.append(
                Ticket(
                    mailbox=rng.choice(mailboxes)[0],
                    customer_id=rng.choice(customer_ids),
                    subject=subject,
                    status=status,
                    priority=rng.choice([0, 1, 1, 1, 1, 2, 3]),
                    assignee=rng.choice(agents) if rng.random() < 0.6 else None,
                    created_at=created,
                    last_activity_at=last,
                    last_customer_message_at=last,
                    waiting_since=last if status == "open" and rng.random() < 0.7 else None,
                    closed_at=last if status == "closed" else None,
                    message_count=args.messages_per_ticket,
                    preview=rng.choice(bodies)[:255],
                )
            )
        Ticket.objects.bulk_create(tickets, batch_size=5000)
        rows = list(Ticket.objects.order_by("pk").values_list("pk", "customer_id", "created_at", "subject"))

        # The whole-conversation ticket: 50 messages, in an open ticket of agent0's first mailbox.
        page_ticket_id = Ticket.objects.filter(mailbox=mailboxes[0][0], status="open").order_by("pk")[0].pk
        total = n_tickets * args.messages_per_ticket
        per_ticket = {pk: args.messages_per_ticket for pk, *_ in rows}
        per_ticket[page_ticket_id] = 50
        surplus = 50 - args.messages_per_ticket
        for pk, *_ in rows:  # keep the total at tickets x messages-per-ticket
            if surplus <= 0:
                break
            if pk != page_ticket_id and per_ticket[pk] > 1:
                per_ticket[pk] -= 1
                surplus -= 1
        Ticket.objects.filter(pk=page_ticket_id).update(message_count=50)

        batch = []
        for pk, customer_id, created, subject in rows:
            for index in range(per_ticket[pk]):
                incoming = index % 2 == 0
                batch.append(
                    Message(
                        ticket_id=pk,
                        kind="incoming" if incoming else "reply",
                        customer_id=customer_id if incoming else None,
                        from_address=f"customer{customer_id}@mail{customer_id % 97}.example"
                        if incoming
                        else "support@bench.example",
                        subject=subject,
                        body_text=rng.choice(bodies),
                        body_html="",
                        created_at=created + timedelta(minutes=index * 30),
                        message_id=f"<{pk}.{index}@bench.example>",
                        delivery_state="" if incoming else "sent",
                    )
                )
                if len(batch) >= 5000:
                    Message.objects.bulk_create(batch)
                    batch = []
        Message.objects.bulk_create(batch)

        tags = [Tag.objects.create(name=name, slug=name) for name in TAGS]
        content_type = ContentType.objects.get_for_model(Ticket)
        TaggedItem.objects.bulk_create(
            [
                TaggedItem(tag=rng.choice(tags), content_type=content_type, object_id=pk)
                for pk, *_ in rows
                if rng.random() < 0.2
            ],
            batch_size=5000,
        )
    return page_ticket_id, total


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def measure(client, url, runs):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # per-process caches (content types …) fill on the first request, generated data or not
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    query_count = len(captured.captured_queries)  # read now: the next request resets Django's query log
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    for _ in range(WARMUP - 1):
        client.get(url)
    times, cpu_times = [], []
    for _ in range(runs):
        start, cpu_start = time.perf_counter(), time.process_time()
        client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        cpu_times.append((time.process_time() - cpu_start) * 1000)
    return {
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(percentile(times, 0.95), 1),
        "max_ms": round(max(times), 1),
        # CPU time of this process: what the figures would be on an otherwise idle machine, minus I/O waits.
        "cpu_p95_ms": round(percentile(cpu_times, 0.95), 1),
        "queries": query_count,
    }


def main():
    args = parse_args()
    configure(args)
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    from inbox.models import Message, Ticket
    from inbox.queries import compute_menu_state
    from inbox.search import index_all_tickets
    from inbox.sqlite_stats import refresh_planner_statistics

    call_command("migrate", verbosity=0)
    rng = random.Random(args.seed)
    result = {"db": connection.vendor, "tickets": args.tickets}
    existing = Ticket.objects.count()
    if existing == 0:
        start = time.perf_counter()
        page_ticket_id, _total = generate(args, rng)
        result["generate_s"] = round(time.perf_counter() - start, 1)
        start = time.perf_counter()
        index_all_tickets(chunk_size=1000)
        result["index_s"] = round(time.perf_counter() - start, 1)
        refresh_planner_statistics(connection)  # what the next new connection would do
    elif existing == args.tickets:
        page_ticket_id = (
            Ticket.objects.filter(message_count=50).order_by("pk").values_list("pk", flat=True)[0]
        )
    else:
        raise SystemExit(f"the database holds {existing} tickets, not {args.tickets}: use an empty database")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    result["messages"] = Message.objects.count()

    from django.contrib.auth import get_user_model

    agent = get_user_model().objects.get(username="agent0")
    client = Client()
    client.force_login(agent)
    page_ticket = Ticket.objects.get(pk=page_ticket_id)
    support_id = page_ticket.mailbox_id
    address = page_ticket.customer.addresses.first().address
    screens = {
        "list": reverse("inbox_tickets:index"),
        "filtered_list": reverse("inbox_tickets:folder", args=["open"])
        + f"?mailbox={support_id}&priority=2&priority=3&tag=vip&ordering=-waiting",
        "search": reverse("inbox_tickets:folder", args=["all"]) + "?q=refund+invoice",
        "search_address": reverse("inbox_tickets:folder", args=["all"]) + f"?q={address}",
    }
    try:
        screens["ticket_page"] = reverse("inbox_ticket:detail", args=[page_ticket_id])
    except NoReverseMatch:
        result["ticket_page"] = "not available"
    for name, url in screens.items():
        result[name] = measure(client, url, args.runs)
    from inbox.search import search_tickets

    result["search_matches"] = search_tickets(Ticket.objects.all(), "refund invoice").count()

    # The menu's counts are cached for 10 s per agent; this is what a cache miss costs.
    times = []
    for _ in range(10):
        cache.clear()
        start = time.perf_counter()
        compute_menu_state(agent)
        times.append((time.perf_counter() - start) * 1000)
    result["menu_counts_ms"] = round(statistics.median(times), 1)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
