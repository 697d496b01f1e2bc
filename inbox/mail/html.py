"""HTML from and for email: sanitizing, HTML -> text, text -> HTML.

``sanitize_html(html)`` runs nh3 (ammonia) with an allow-list made for email:

* kept: text formatting, headings, lists, tables (with the old presentational attributes email
  still uses: ``width``, ``bgcolor``, ``cellpadding``...), ``<font>``, images and links;
* ``style`` attributes are kept but filtered to a list of harmless properties (colours, fonts,
  spacing, borders, alignment); values with ``url(``, ``expression`` or CSS escapes are dropped,
  so styles can neither load anything nor cover the page (no ``position``/``display``);
* ``class`` survives only for the names quote detection needs (``gmail_quote``,
  ``moz-cite-prefix``...), so email cannot borrow the admin's CSS classes; ``id`` values get
  the prefix ``mail-`` (``id="divRplyFwdMsg"`` becomes ``id="mail-divRplyFwdMsg"``);
* images: ``src`` must be ``http(s):``, ``cid:`` (left for the view to rewrite to the
  attachment URL) or ``data:image/{png,gif,jpeg,webp,bmp}``;
* links: ``http(s):``, ``mailto:``, ``tel:`` and ``cid:`` only, relative URLs removed; every link
  gets ``rel="noopener noreferrer nofollow"`` and ``target="_blank"``;
* removed with their content: ``script``, ``style``, ``title``, ``head``, ``iframe``, ``object``,
  ``embed``, ``applet``, ``svg``, ``math``, ``template``, ``noscript``, frames; removed but their
  text kept: ``form`` and every other unknown tag; always removed: event handler attributes
  (``onerror=``...), ``javascript:``/``vbscript:``/``data:text/html`` URLs and HTML comments
  (including Outlook's conditional comments).

``html_to_text(html)`` renders readable plain text: paragraphs separated by blank lines, ``<br>``
as line breaks, ``- `` bullets and ``1. `` numbers for lists, ``> `` prefixes for blockquotes,
``text (URL)`` for links whose text is not the URL, ``[image: alt]`` for images with alt text;
content of ``script``/``style``/``head`` is skipped. HTML over 300 KB is rendered by a simpler
regex pass (all text kept, line breaks at block ends) because the full renderer is pure Python.

``text_to_html(text)`` escapes text, turns ``http(s)://``/``www.`` URLs and e-mail addresses
into links (with the same ``rel``/``target`` as above) and keeps line breaks as ``<br>``.
"""

from __future__ import annotations

import html as html_lib
import re
from html.parser import HTMLParser

import nh3

LINK_REL = "noopener noreferrer nofollow"
ID_PREFIX = "mail-"

_TAGS = (set(nh3.ALLOWED_TAGS) - {"area", "map"}) | {"font", "big", "center", "u", "s"}

_CLEAN_CONTENT_TAGS = {
    "script",
    "style",
    "title",
    "head",
    "iframe",
    "frame",
    "frameset",
    "noframes",
    "object",
    "embed",
    "applet",
    "svg",
    "math",
    "template",
    "noscript",
    "noembed",
    "xmp",
}

_ATTRIBUTES = {
    "*": {"style", "dir", "lang", "title", "align", "valign", "id"},
    "a": {"href", "hreflang"},
    "img": {"src", "alt", "width", "height", "border", "hspace", "vspace"},
    "table": {"border", "cellpadding", "cellspacing", "width", "bgcolor", "summary"},
    "tr": {"bgcolor", "height"},
    "td": {"colspan", "rowspan", "width", "height", "bgcolor", "nowrap", "headers", "scope"},
    "th": {"colspan", "rowspan", "width", "height", "bgcolor", "nowrap", "headers", "scope"},
    "col": {"span", "width"},
    "colgroup": {"span", "width"},
    "font": {"color", "face", "size"},
    "blockquote": {"type"},
    "ol": {"start", "type", "reversed"},
    "ul": {"type"},
    "li": {"value"},
    "hr": {"size", "width", "noshade"},
    "del": {"datetime"},
    "ins": {"datetime"},
    "time": {"datetime"},
    "bdo": {"dir"},
}

# Class names that only quote/signature detection (split_quoted_html) needs.
QUOTE_CLASSES = {
    "gmail_quote",
    "gmail_quote_container",
    "gmail_attr",
    "gmail_extra",
    "gmail_signature",
    "moz-cite-prefix",
    "moz-signature",
    "moz-forward-container",
    "yahoo_quoted",
    "protonmail_quote",
    "protonmail_signature_block",
    "OutlookMessageHeader",
    "x_gmail_quote",
    "zmail_extra",
    "mailbox_quote",
}
_ALLOWED_CLASSES = {
    tag: QUOTE_CLASSES for tag in ("div", "blockquote", "span", "p", "table", "td", "pre", "section")
}

_STYLE_PROPERTIES = {
    "color",
    "background-color",
    "font",
    "font-family",
    "font-size",
    "font-style",
    "font-weight",
    "font-variant",
    "text-align",
    "text-decoration",
    "text-indent",
    "text-transform",
    "letter-spacing",
    "word-spacing",
    "line-height",
    "white-space",
    "vertical-align",
    "direction",
    "unicode-bidi",
    "margin",
    "margin-top",
    "margin-right",
    "margin-bottom",
    "margin-left",
    "padding",
    "padding-top",
    "padding-right",
    "padding-bottom",
    "padding-left",
    "border",
    "border-top",
    "border-right",
    "border-bottom",
    "border-left",
    "border-color",
    "border-style",
    "border-width",
    "border-collapse",
    "border-spacing",
    "border-radius",
    "width",
    "max-width",
    "min-width",
    "height",
    "max-height",
    "min-height",
    "list-style-type",
    "table-layout",
    "word-break",
    "overflow-wrap",
}
_BAD_STYLE = re.compile(r"url\s*\(|expression|javascript|vbscript|behavior|@import|\\|-moz-binding", re.I)
_DATA_IMAGE = re.compile(r"^data:image/(png|gif|jpe?g|webp|bmp)[;,]", re.I)
_TAG = re.compile(r"<[a-zA-Z][^<>]*>")
_URL_SCHEMES = {"http", "https", "mailto", "tel", "cid", "data"}


def _filter_attribute(tag: str, attr: str, value: str) -> str | None:
    if attr == "style":
        return None if _BAD_STYLE.search(value) else value
    if attr == "src":
        lowered = value.strip().lower()
        if lowered.startswith("data:") and not _DATA_IMAGE.match(lowered):
            return None
        return value
    if attr == "href" and value.strip().lower().startswith("data:"):
        return None
    return value


def _clean(html: str, *, prefix_ids: bool) -> str:
    return nh3.clean(
        html,
        tags=_TAGS,
        clean_content_tags=_CLEAN_CONTENT_TAGS,
        attributes=_ATTRIBUTES,
        attribute_filter=_filter_attribute,
        strip_comments=True,
        link_rel=LINK_REL,
        set_tag_attribute_values={"a": {"target": "_blank"}},
        url_schemes=_URL_SCHEMES,
        allowed_classes=_ALLOWED_CLASSES,
        filter_style_properties=_STYLE_PROPERTIES,
        url_relative="deny",
        id_prefix=ID_PREFIX if prefix_ids else None,
    )


def sanitize_html(html: str) -> str:
    """Make HTML from an email safe to show inside the admin (see the module docstring)."""
    if not html:
        return ""
    html = html.replace("\x00", "")
    return _drop_empty_classes(_clean(html, prefix_ids=True)).strip()


def _drop_empty_classes(html: str) -> str:
    """Remove the ``class=""`` left where all class names were filtered out.

    Safe on nh3 output: it escapes <, > and " inside attribute values, so a tag match is exact.
    """
    return _TAG.sub(lambda match: match.group(0).replace(' class=""', ""), html)


def rebalance_html(fragment: str) -> str:
    """Close open tags and drop stray end tags of an already sanitized fragment (ids keep their prefix)."""
    if not fragment.strip():
        return ""
    return _clean(fragment, prefix_ids=False).strip()


# --- HTML -> text -----------------------------------------------------------------------------

_SKIP = _CLEAN_CONTENT_TAGS | {"select", "button"}
_PARAGRAPH = {
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "ul",
    "ol",
    "dl",
    "blockquote",
    "pre",
    "figure",
    "address",
    "fieldset",
}
_LINE = {
    "div",
    "section",
    "article",
    "header",
    "footer",
    "nav",
    "aside",
    "main",
    "tr",
    "li",
    "dt",
    "dd",
    "figcaption",
    "center",
    "details",
    "summary",
    "form",
    "caption",
    "hgroup",
}
_VOID = {
    "br",
    "img",
    "hr",
    "meta",
    "link",
    "input",
    "col",
    "wbr",
    "area",
    "base",
    "source",
    "track",
    "param",
    "embed",
}


class _TextRenderer(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lines: list[tuple[int, str]] = []
        self.line: list[str] = []
        self.line_depth = 0
        self.depth = 0  # blockquote nesting
        self.skip = 0
        self.pre = 0
        self.lists: list[list] = []  # [kind, counter]
        self.links: list[tuple[str, int]] = []  # (href, length of link text collected before it)
        self.link_text: list[str] = []
        self.first_cell = True

    # -- output primitives
    def _newline(self):
        self.lines.append((self.line_depth, "".join(self.line).rstrip()))
        self.line = []
        self.line_depth = self.depth

    def _block(self, blank: bool):
        if "".join(self.line).strip():
            self._newline()
        else:
            self.line = []
            self.line_depth = self.depth
        if blank and self.lines and self.lines[-1][1] != "":
            self.lines.append((self.depth, ""))

    def _write(self, text: str):
        if not text:
            return
        if not self.line:
            self.line_depth = self.depth
        self.line.append(text)
        if self.links:
            self.link_text.append(text)

    # -- parser callbacks
    def handle_starttag(self, tag, attrs):
        if tag in _SKIP:
            if tag not in _VOID:
                self.skip += 1
            return
        if self.skip:
            return
        attributes = dict(attrs)
        if tag == "br":
            self._newline()
        elif tag == "hr":
            self._block(False)
            self._write("-" * 20)
            self._newline()
        elif tag == "img":
            alt = (attributes.get("alt") or "").strip()
            if alt:
                self._write(f"[image: {alt}]")
        elif tag == "a":
            self.links.append((attributes.get("href") or "", len("".join(self.link_text))))
        elif tag == "blockquote":
            self._block(True)
            self.depth += 1
            self.line_depth = self.depth
        elif tag in ("ul", "ol"):
            self._block(not self.lists)
            start = attributes.get("start") or "1"
            self.lists.append([tag, int(start) if start.isdigit() else 1])
        elif tag == "li":
            self._block(False)
            indent = "  " * max(0, len(self.lists) - 1)
            if self.lists and self.lists[-1][0] == "ol":
                self._write(f"{indent}{self.lists[-1][1]}. ")
                self.lists[-1][1] += 1
            else:
                self._write(f"{indent}- ")
        elif tag == "tr":
            self._block(False)
            self.first_cell = True
        elif tag in ("td", "th"):
            if not self.first_cell and "".join(self.line).strip():
                self._write("  ")
            self.first_cell = False
        elif tag == "pre":
            self._block(True)
            self.pre += 1
        elif tag in _PARAGRAPH:
            self._block(True)
        elif tag in _LINE:
            self._block(False)

    def handle_endtag(self, tag):
        if tag in _SKIP:
            if tag not in _VOID:
                self.skip = max(0, self.skip - 1)
            return
        if self.skip:
            return
        if tag == "a" and self.links:
            href, start = self.links.pop()
            text = "".join(self.link_text)[start:].strip()
            if not self.links:
                self.link_text = []
            self._write(_link_suffix(href, text))
        elif tag == "blockquote":
            self._block(False)
            self.depth = max(0, self.depth - 1)
            self._block(True)
        elif tag in ("ul", "ol"):
            if self.lists:
                self.lists.pop()
            self._block(not self.lists)
        elif tag == "pre":
            self.pre = max(0, self.pre - 1)
            self._block(True)
        elif tag in _PARAGRAPH:
            self._block(True)
        elif tag in _LINE:
            self._block(False)

    def handle_data(self, data):
        if self.skip or not data:
            return
        if self.pre:
            parts = data.replace("\r\n", "\n").split("\n")
            for index, part in enumerate(parts):
                if index:
                    self._newline()
                self._write(part)
            return
        text = re.sub(r"[ \t\r\n\f]+", " ", data)
        if not "".join(self.line).strip():
            text = text.lstrip(" ")
        self._write(text)

    def render(self) -> str:
        if self.line:
            self._newline()
        out: list[str] = []
        lines = self.lines
        for index, (depth, text) in enumerate(lines):
            text = text.replace("\xa0", " ").rstrip()
            if not text and index + 1 < len(lines):
                depth = min(depth, lines[index + 1][0])  # a gap leaving a quote belongs outside it
            if depth:
                text = (("> " * depth) + text).rstrip() if text else ">" * depth
            if not text and out and not out[-1]:
                continue
            out.append(text)
        return "\n".join(out).strip("\n")


def _link_suffix(href: str, text: str) -> str:
    href = href.strip()
    if not href or href.startswith("cid:"):
        return ""
    shown = href[7:] if href.lower().startswith("mailto:") else href
    if (
        not text
        or shown in text
        or text.rstrip("/") in (shown.rstrip("/"), shown.split("://", 1)[-1].rstrip("/"))
    ):
        return "" if text else shown
    return f" ({shown})"


# Above this size the pure-Python renderer takes seconds; a regex rendering keeps all text, less tidily.
FAST_TEXT_THRESHOLD = 300_000
_SKIPPED_CONTENT = re.compile(r"<(script|style|head|title|template|svg|math)\b.*?</\1\s*>", re.I | re.S)
_BREAKING_TAG = re.compile(r"<(?:br|/p|/div|/tr|/li|/h[1-6]|/table|/blockquote|hr)\b[^>]*>", re.I)
_ANY_TAG = re.compile(r"<[^>]*>")


def _fast_text(html: str) -> str:
    html = _BREAKING_TAG.sub("\n", _SKIPPED_CONTENT.sub("", html))
    text = html_lib.unescape(_ANY_TAG.sub("", html)).replace("\xa0", " ")
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def html_to_text(html: str) -> str:
    """Readable plain text for an HTML body (see the module docstring)."""
    if not html:
        return ""
    html = html.replace("\x00", "")
    if len(html) > FAST_TEXT_THRESHOLD:
        return _fast_text(html)
    renderer = _TextRenderer()
    try:
        renderer.feed(html)
        renderer.close()
    except Exception:  # HTMLParser can choke on pathological markup
        return _fast_text(html)
    return renderer.render()


# --- text -> HTML -----------------------------------------------------------------------------

_LINKABLE = re.compile(
    r"(?P<url>\b(?:https?://|www\.)[^\s<>\"']+)"
    r"|(?P<email>\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b)",
    re.IGNORECASE,
)
_TRAILING = ".,;:!?'\")]}>"


def _split_trailing(url: str) -> tuple[str, str]:
    """Keep sentence punctuation and an unbalanced closing bracket out of a linkified URL."""
    tail = ""
    while url and url[-1] in _TRAILING:
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        tail = url[-1] + tail
        url = url[:-1]
    return url, tail


def _anchor(href: str, label: str) -> str:
    return (
        f'<a href="{html_lib.escape(href, quote=True)}" rel="{LINK_REL}" target="_blank">'
        f"{html_lib.escape(label, quote=False)}</a>"
    )


def _linkify_line(line: str) -> str:
    out: list[str] = []
    position = 0
    for match in _LINKABLE.finditer(line):
        out.append(html_lib.escape(line[position : match.start()], quote=False))
        if match.group("url"):
            url, tail = _split_trailing(match.group("url"))
            href = url if "://" in url else f"https://{url}"
            out.append(_anchor(href, url) + html_lib.escape(tail, quote=False))
        else:
            email = match.group("email")
            out.append(_anchor(f"mailto:{email}", email))
        position = match.end()
    out.append(html_lib.escape(line[position:], quote=False))
    return "".join(out)


def text_to_html(text: str) -> str:
    """Escaped HTML for plain text, with links and the original line breaks."""
    if not text:
        return ""
    lines = text.replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "<br>\n".join(_linkify_line(line) for line in lines)
