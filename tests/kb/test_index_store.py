"""The Whoosh index directory: writers of several processes (web and worker) take turns."""

import subprocess
import sys
import time
from pathlib import Path

from kb.search.whoosh_store import WhooshStore

ROOT = Path(__file__).resolve().parents[2]
OTHER_PROCESS = """
import sys
from whoosh.writing import LockError
from kb.search.whoosh_store import WhooshStore
store = WhooshStore(sys.argv[1], lock_timeout=float(sys.argv[2]))
try:
    with store.writer() as writer:
        writer.add_document(key="from-worker", pk="2")
except LockError as error:
    print(error)
    sys.exit(3)
"""


def other_process(path, timeout):
    return subprocess.Popen(
        [sys.executable, "-c", OTHER_PROCESS, str(path), str(timeout)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )


def test_a_writer_in_another_process_waits_for_the_lock_and_both_documents_are_kept(tmp_path):
    store = WhooshStore(tmp_path / "whoosh", lock_timeout=10)
    with store.writer() as writer:
        writer.add_document(key="from-web", pk="1")
        worker = other_process(store.path, timeout=30)
        time.sleep(1.5)
        assert worker.poll() is None  # still waiting for our lock

    assert worker.wait(timeout=60) == 0
    with store.searcher() as searcher:
        assert {doc["key"] for doc in searcher.documents()} == {"from-web", "from-worker"}


def test_a_writer_that_cannot_get_the_lock_in_time_fails_with_a_clear_error(tmp_path):
    store = WhooshStore(tmp_path / "whoosh", lock_timeout=10)
    with store.writer() as writer:
        writer.add_document(key="from-web", pk="1")
        worker = other_process(store.path, timeout=0.3)
        output, _ = worker.communicate(timeout=60)

    assert worker.returncode == 3
    assert "stayed locked for 0.3 s" in output
    with store.searcher() as searcher:
        assert [doc["key"] for doc in searcher.documents()] == ["from-web"]
