"""Search result snippets: a short passage of the article with the matched words marked.

The article text comes straight from the StreamField's stored JSON (no block rendering),
and only a window around the first match is analysed, so a page of results stays cheap.
"""

import html
import re

from django.utils.html import escape
from django.utils.safestring import mark_safe

from .analysis import plain_analyzer, stemming_analyzer

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


def plain_text_from_stream(raw_data):
    """The readable text of a StreamField's raw JSON (tags stripped, entities decoded)."""
    parts = (html.unescape(_TAG.sub(" ", text)) for text in _strings(list(raw_data)))
    return _SPACE.sub(" ", " ".join(parts)).strip()


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
    for token in stemming_analyzer(language)(passage, chars=True, mode="index"):
        if token.text in stems:
            marks.add((token.startchar, token.endchar))
    for token in plain_analyzer(language)(passage, chars=True, mode="index"):
        if token.text in words:
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
