"""Search result snippets: a short passage of the article with the matched words marked.

The article text comes straight from the StreamField's stored JSON (no block rendering) and
only as far as the passage needs it (``snippet_text``); only the passage around the first
match is analysed, once, so a page of results stays cheap.
"""

import html
import re

from django.utils.html import escape
from django.utils.safestring import mark_safe

from .analysis import plain_analyzer, stem_of

# StreamField keys whose values are settings, not text.
_NOT_TEXT = {"type", "id", "level", "anchor", "language", "kind", "image", "decorative", "video"}
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")
SNIPPET_CHARS = 240


def _strings(value):
    if isinstance(value, dict):
        for key, item in value.items():
            if key not in _NOT_TEXT:
                yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, str):
        yield value


def _clean(text):
    return _SPACE.sub(" ", html.unescape(_TAG.sub(" ", text))).strip()


def plain_text_from_stream(raw_data):
    """The readable text of a StreamField's raw JSON (tags stripped, entities decoded)."""
    return " ".join(part for part in map(_clean, _strings(list(raw_data))) if part)


def snippet_text(raw_data, stems, words):
    """As much of ``plain_text_from_stream(raw_data)`` as ``highlight`` needs to give the same
    snippet: the text up to a little past the passage around the first match, or all of it
    when nothing matches. Articles are long and the first match is usually early."""
    candidates = [candidate for candidate in (*stems, *words) if candidate]
    pieces, length, needed = [], -1, None
    for part in map(_clean, _strings(list(raw_data))):
        if not part:
            continue
        pieces.append(part)
        offset = length + 1  # where this part starts, after the joining space
        length = offset + len(part)
        if needed is None:
            lowered = part.lower()
            found = [at for at in (lowered.find(candidate) for candidate in candidates) if at >= 0]
            if found:
                # A match cannot span two parts (words hold no spaces): this one is the first.
                # The passage ends before SNIPPET_CHARS past it (a margin for lower-casing
                # that changes lengths, as "İ" does).
                needed = offset + min(found) + SNIPPET_CHARS + 16
        if needed is not None and length > needed:
            break
    return " ".join(pieces)


def _window(text, start):
    """About SNIPPET_CHARS characters of ``text`` around ``start``, cut at word boundaries."""
    begin = max(0, start - SNIPPET_CHARS // 3)
    end = min(len(text), begin + SNIPPET_CHARS)
    if begin > 0:
        space = text.find(" ", begin)
        begin = space + 1 if 0 <= space < start else begin
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    return begin, end


def highlight(text, stems, words, language, even_without_match=False):
    """Safe HTML: a passage of ``text`` around the first match, matches in <mark>.

    ``stems`` are the query's stemmed terms, ``words`` the unstemmed words that matched
    (typo-tolerant matches included). "" when nothing matches, unless
    ``even_without_match`` asks for the start of the text then.
    """
    if not text:
        return ""
    lowered = text.lower()
    positions = [lowered.find(candidate) for candidate in (*stems, *words) if candidate]
    positions = [position for position in positions if position >= 0]
    if not positions and not even_without_match:
        return ""
    start = min(positions) if positions else 0
    begin, end = _window(text, start)
    passage = text[begin:end]
    marks = set()
    for token in plain_analyzer(language)(passage, chars=True, mode="index"):
        if token.text in words or (stems and stem_of(language, token.text) in stems):
            marks.add((token.startchar, token.endchar))
    pieces, cursor = [], 0
    for mark_start, mark_end in sorted(marks):
        if mark_start < cursor:
            continue
        pieces.append(escape(passage[cursor:mark_start]))
        pieces.append(f"<mark>{escape(passage[mark_start:mark_end])}</mark>")
        cursor = mark_end
    pieces.append(escape(passage[cursor:]))
    prefix = "… " if begin > 0 else ""
    suffix = " …" if end < len(text) else ""
    return mark_safe(prefix + "".join(pieces) + suffix)
