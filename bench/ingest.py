"""Ingest benchmark: messages per second and peak memory of the mail pipeline.

    python bench/ingest.py --source files --count 10000    # import_mail from .eml files, temporary SQLite
    python bench/ingest.py --source files --count 2000     # smaller, while developing
    python bench/ingest.py --source imap --count 10000     # fetch_mail from a private dovecot (root)
    DATABASE_URL=postgres://…/bench python bench/ingest.py  # an EMPTY PostgreSQL database

``--source files`` generates ``--count`` messages as .eml files in a temporary folder (threads of
1–10 messages alternating between a customer and our replies, mixed body sizes, a fifth with an
attachment), then times the import service that ``manage.py import_mail`` runs (store raw, then
parse, thread and save 50 messages per transaction). Generation and migrations are not
timed. Prints one JSON line: messages, seconds, messages_per_second, peak_rss_mb (the process's
peak resident memory, from getrusage), peak_anon_mb (the same without pages of mapped files, i.e.
without the memory-mapped SQLite database) and the database engine. Each source is a function in
``SOURCES``. ``--source imap`` APPENDs the same generated messages to a private dovecot
(tests/servers/dovecot.py) and times one ``fetch_mailbox`` (what ``fetch_mail --once`` runs):
download in batches, store raw, then process each batch.
"""

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WORDS = (
    "parcel delivery refund invoice order payment card account password login shipping address "
    "return exchange broken damaged missing late tracking number discount coupon subscription "
    "cancel upgrade warranty size colour price receipt bank transfer courier warehouse stock "
    "thanks hello please urgent again still waiting answer question problem issue error website"
).split()
SUBJECTS = [
    "Where is my parcel?",
    "Refund for order {n}",
    "Invoice {n} is wrong",
    "Damaged item in order {n}",
]
ATTACHMENT_TYPES = [
    ("invoice.pdf", "application", "pdf"),
    ("photo.jpg", "image", "jpeg"),
    ("log.txt", "text", "plain"),
]
MAILBOX_ADDRESS = "support@bench.example"


def configure():
    var = tempfile.mkdtemp(prefix="helpdesk-bench-ingest-")
    os.environ.setdefault("HELPDESK_VAR_DIR", var)
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = f"sqlite:///{Path(var) / 'bench.sqlite3'}"
    os.environ["TASK_BACKEND"] = "immediate"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ["DJANGO_SETTINGS_MODULE"] = "helpdesk_site.settings.base"
    import django

    # Migrations run in their own process, so this one's peak memory is the import's alone.
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "--verbosity", "0"], check=True)
    django.setup()
    return var


def body_text(rng):
    """Mostly short mails, some long ones: 20 words to ~5,000 words (log-uniform)."""
    words = int(20 * (250 ** rng.random()))
    lines = []
    for start in range(0, words, 12):
        lines.append(" ".join(rng.choices(WORDS, k=min(12, words - start))))
    return "Hello,\n\n" + "\n".join(lines) + "\n\nRegards\n"


def generate(folder, count, rng):
    """Write ``count`` messages as .eml files (100 per sub-folder), in threads of 1–10 messages."""
    written = 0
    thread = 0
    start = datetime(2024, 1, 1, tzinfo=UTC)
    while written < count:
        thread += 1
        length = min(rng.randint(1, 10), count - written)
        customer = f"customer{rng.randint(1, max(1, count // 4))}@mail{thread % 50}.example"
        subject = rng.choice(SUBJECTS).format(n=thread)
        at = start + timedelta(minutes=thread * 7)
        ids = []
        for position in range(length):
            ours = position % 2 == 1
            msg = EmailMessage()
            msg["From"] = f"Shop Support <{MAILBOX_ADDRESS}>" if ours else f"Customer {thread} <{customer}>"
            msg["To"] = customer if ours else MAILBOX_ADDRESS
            msg["Subject"] = ("Re: " if position else "") + subject
            message_id = f"<t{thread}.m{position}@{'bench.example' if ours else 'mail.example'}>"
            msg["Message-ID"] = message_id
            if ids:
                msg["In-Reply-To"] = ids[-1]
                msg["References"] = " ".join(ids[-10:])
            msg["Date"] = format_datetime(at + timedelta(hours=position))
            msg.set_content(body_text(rng))
            if rng.random() < 0.2:
                filename, maintype, subtype = rng.choice(ATTACHMENT_TYPES)
                size = int(2000 * (100 ** rng.random()))  # 2 KB to 200 KB
                msg.add_attachment(rng.randbytes(size), maintype=maintype, subtype=subtype, filename=filename)
            ids.append(message_id)
            path = Path(folder) / f"{written // 100:04d}" / f"{written:06d}.eml"
            path.parent.mkdir(exist_ok=True)
            path.write_bytes(msg.as_bytes())
            written += 1


def _cpu_seconds():
    """CPU time of this process and its finished children (the parser processes), user + system."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _main_cpu_seconds():
    """CPU time of this process alone (the one writing to the database), user + system."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


class CpuClock:
    """CPU seconds of the whole import (with the parser processes) and of the main process alone.

    On a shared machine wall-clock rates follow the neighbours' load; the main process's CPU per
    message does not, and it is what bounds the rate (the parsers run on the other cores).
    """

    def __init__(self):
        self.total = _cpu_seconds()
        self.main = _main_cpu_seconds()

    def outcomes(self, messages):
        total, main = _cpu_seconds() - self.total, _main_cpu_seconds() - self.main
        return {
            "cpu_seconds": round(total, 2),
            "main_cpu_seconds": round(main, 2),
            "main_cpu_ms_per_message": round(1000 * main / messages, 2) if messages else None,
        }


def bench_files(args):
    from inbox.mail.importer import import_paths
    from inbox.models import Mailbox

    rng = random.Random(args.seed)
    folder = tempfile.mkdtemp(prefix="helpdesk-bench-mail-")
    generate(folder, args.count, rng)
    mailbox, _created = Mailbox.objects.get_or_create(name="Bench", defaults={"address": MAILBOX_ADDRESS})
    started = time.perf_counter()
    clock = CpuClock()
    result = import_paths(mailbox, [folder])
    seconds = time.perf_counter() - started
    cpu = clock.outcomes(result.messages)
    summary = result.summary
    return (
        result.messages,
        seconds,
        {
            "new_tickets": summary.new_tickets,
            "replies": summary.replies,
            "duplicates": summary.duplicates,
            "quarantined": summary.quarantined,
            **cpu,
        },
    )


def bench_imap(args):
    """APPEND the generated messages to a private dovecot, then time one fetch of the mailbox."""
    from inbox.mail.fetch import fetch_mailbox
    from tests.servers.dovecot import DovecotServer

    rng = random.Random(args.seed)
    folder = tempfile.mkdtemp(prefix="helpdesk-bench-mail-")
    generate(folder, args.count, rng)
    files = sorted(Path(folder).rglob("*.eml"))
    with DovecotServer() as server:
        account = server.add_user()
        for start in range(0, len(files), 500):
            account.append_many([path.read_bytes() for path in files[start : start + 500]])
        mailbox = account.mailbox(name="Bench IMAP", address=MAILBOX_ADDRESS)
        started = time.perf_counter()
        clock = CpuClock()
        result = fetch_mailbox(mailbox)
        seconds = time.perf_counter() - started
        cpu = clock.outcomes(result.fetched)
    if not result.ok:
        raise SystemExit(f"fetch failed: {result.error}")
    summary = result.processed
    return (
        result.fetched,
        seconds,
        {
            "new_tickets": summary.new_tickets,
            "replies": summary.replies,
            "duplicates": summary.duplicates,
            "quarantined": summary.quarantined,
            **cpu,
        },
    )


SOURCES = {"files": bench_files, "imap": bench_imap}


SAMPLER = """
import signal, sys, time
pid, peak, running = sys.argv[1], 0, [True]
signal.signal(signal.SIGTERM, lambda *_: running.__setitem__(0, False))
while running[0]:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("RssAnon:"):
                    peak = max(peak, int(line.split()[1]))
    except OSError:
        break
    time.sleep(0.1)
print(peak, flush=True)
"""


class AnonSampler:
    """Samples the process's anonymous memory (RssAnon): RSS without the pages of mapped files.

    The SQLite settings memory-map the database file (mmap_size), so ``peak_rss_mb`` also counts
    cached pages of the database itself, which grow with it and are reclaimable page cache. The
    sampler is a separate process, not a thread: a fetch forks parser processes only from a
    single-threaded process (as ``fetch_mail --once`` is), and a thread here would stop it.
    """

    def __init__(self):
        self.peak_kb = 0
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [sys.executable, "-c", SAMPLER, str(os.getpid())], stdout=subprocess.PIPE, text=True
        )

    def stop(self):
        self.process.terminate()
        output, _err = self.process.communicate(timeout=30)
        self.peak_kb = int(output.strip() or 0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", choices=sorted(SOURCES), default="files")
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    configure()
    from django.db import connection

    sampler = AnonSampler()
    sampler.start()
    messages, seconds, outcomes = SOURCES[args.source](args)
    sampler.stop()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    print(
        json.dumps(
            {
                "bench": "ingest",
                "source": args.source,
                "messages": messages,
                "seconds": round(seconds, 2),
                "messages_per_second": round(messages / seconds, 1) if seconds else None,
                "peak_rss_mb": round(peak_kb / 1024, 1),
                "peak_anon_mb": round(sampler.peak_kb / 1024, 1),
                "database": connection.vendor,
                "outcomes": outcomes,
            }
        )
    )


if __name__ == "__main__":
    main()
