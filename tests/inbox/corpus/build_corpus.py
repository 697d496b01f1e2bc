"""Writes the hostile and odd .eml files of tests/inbox/corpus/.

Run from the repository root: ``python -m tests.inbox.corpus.build_corpus``.

Every message is spelled out byte by byte in the modules beside this one (not produced by the
email package, which would tidy it up), so the corpus is reproducible and each oddity is visible
in the source. The generated files are committed too; tests/inbox/test_parse_corpus.py checks
they match, and holds what each message must parse into.
"""

from __future__ import annotations

import sys
from pathlib import Path

from tests.inbox.corpus import charset_messages, mime_messages, reply_messages

HERE = Path(__file__).resolve().parent


def messages() -> dict[str, bytes]:
    """File name -> bytes of every corpus message, in file-name order."""
    found: dict[str, bytes] = {}
    for module in (charset_messages, mime_messages, reply_messages):
        found.update(module.messages())
    return dict(sorted(found.items()))


def build(target: Path = HERE) -> list[Path]:
    written = []
    for name, data in messages().items():
        path = target / name
        path.write_bytes(data)
        written.append(path)
    return written


if __name__ == "__main__":
    paths = build(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
    print(f"wrote {len(paths)} messages to {paths[0].parent}")
