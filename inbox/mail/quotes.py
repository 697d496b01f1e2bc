"""Separating what a person just wrote from the quoted history and signature below it.

Both functions return ``(new, quoted)``; the ticket page shows ``new`` and folds ``quoted``
behind a toggle. Nothing is dropped: ``new`` followed by ``quoted`` holds every character of the
input (text) or every piece of text and every image (HTML), apart from trailing whitespace of
``new``. When no history is found, or when the history would leave nothing visible (a bare
forward, a message that is only a quote), the result is ``(everything, "")``.

What counts as the start of the history (text):

* an attribution line: ``On <date>, <name> wrote:`` (also wrapped over two or three lines), and
  the usual forms in other languages: ``... пишет:``/``написал(а):``, ``Den ... skrev ...:``,
  ``Am ... schrieb ...:``, ``Le ... a écrit :``, ``El ... escribió:``, ``... escreveu:``,
  ``... ha scritto:``, ``Op ... schreef ...:``, ``... napisał(a):``, Arabic ``في ... كتب ...:``,
  Thai ``... เขียนว่า:``, Japanese ``...書きました:``, Chinese ``...写道：``, and Gmail's Russian
  ``пн, 15 янв. 2024 г. в 10:00, Иван <ivan@example.ru>:``;
* Outlook's ``-----Original Message-----`` (and its translations) and Outlook's header block
  ``From: / Sent: / To: / Subject:`` (in several languages), optionally after a line of
  underscores;
* a ``-- `` signature separator and mobile footers such as ``Sent from my iPhone``;
* a run of ``>``-quoted lines that nothing new follows.

Interleaved answers (``> question`` / answer / ``> question`` / answer) are never folded away:
a quote or attribution only starts the history when everything after it is quoted, blank or
another marker. Forwarded messages (``---------- Forwarded message ---------``) are content the
sender wants read, so they are not folded.

HTML (already sanitized by ``inbox.mail.html.sanitize_html``): ``<blockquote type="cite">``,
Gmail's ``gmail_quote``, Thunderbird's ``moz-cite-prefix``/``moz-signature``, Yahoo, ProtonMail,
Outlook's ``divRplyFwdMsg``/``appendonsend`` and its ``border-top`` header separator,
``-----Original Message-----`` text; an attribution paragraph right before the quote is folded
with it. The two halves are cut from the markup at one point and re-balanced with nh3.
Bodies over 1 MB of HTML or 500 KB of text are not split (returned whole) to keep pages fast.
"""

from __future__ import annotations

import bisect
import html as html_lib
import re
from dataclasses import dataclass, field

_VERBS = (
    r"wrote|writes|пишет|написал|написала|написал\(а\)|skrev|schrieb|a écrit|a ecrit|escribió|escreveu"
    r"|ha scritto|schreef|napisał|napisała|napisał\(a\)|kirjoitti|írta|yazdı|έγραψε|כתב|كتب|เขียนว่า"
    r"|เขียน|書きました|写道|寫道"
)
_ENDS_WITH_VERB = re.compile(rf"(?:{_VERBS})\s*[:：]\s*$", re.IGNORECASE)
_PREFIXES = r"on|am|le|el|den|d\.|op|em|il|w dniu|в|في|เมื่อ|el día"
_STARTS_WITH_PREFIX = re.compile(rf"^\s*(?:{_PREFIXES})\s", re.IGNORECASE)
_VERB_INSIDE = re.compile(rf"(?:^|\s)(?:{_VERBS})(?:\s.*)?[:：]\s*$", re.IGNORECASE)
_ENDS_WITH_ADDRESS = re.compile(r"<[^<>\s@]+@[^<>\s]+>\)?\s*[:：]\s*$")

_ORIGINAL = re.compile(
    r"^\s*[-_=]{2,}\s*(?:original message|original e-?mail|ursprüngliche nachricht|originalnachricht"
    r"|message d'origine|mensaje original|исходное сообщение|opprinnelig melding|oprindelig meddelelse"
    r"|ursprungligt meddelande|originalmeddelande|oorspronkelijk bericht|messaggio originale"
    r"|mensagem original|alkuperäinen viesti|wiadomość oryginalna|oryginalna wiadomość"
    r"|الرسالة الأصلية|ข้อความต้นฉบับ|元のメッセージ|原始邮件|原始郵件)\s*[-_=]{2,}\s*$",
    re.IGNORECASE,
)
_FORWARD = re.compile(
    r"(forwarded message|begin forwarded message|weitergeleitete nachricht|пересылаемое сообщение"
    r"|переслан|videresendt melding|videresendt meddelelse|vidarebefordrat meddelande|message transféré"
    r"|mensaje reenviado|mensagem encaminhada|messaggio inoltrato|doorgestuurd bericht"
    r"|الرسالة المُعاد توجيهها|ข้อความที่ส่งต่อ|転送されたメッセージ|转发的邮件)",
    re.IGNORECASE,
)
_HEADER_FROM = re.compile(
    r"^\s*[*]?(?:from|von|de|от|fra|från|van|da|od|lähettäjä|feladó|kimden|من|จาก|差出人|发件人|寄件者)"
    r"\s*[*]?\s*[:：]",
    re.IGNORECASE,
)
_HEADER_SENT = re.compile(
    r"^\s*[*]?(?:sent|date|gesendet|datum|envoyé|отправлено|дата|sendt|skickat|verzonden|inviato"
    r"|enviado|enviada|fecha|data|wysłano|lähetetty|küldve|gönderildi|تاريخ الإرسال|التاريخ|ส่ง"
    r"|วันที่|送信日時|发送时间|寄件日期|日期)\s*[*]?\s*[:：]",
    re.IGNORECASE,
)
_HEADER_TO = re.compile(
    r"^\s*[*]?(?:to|subject|an|betreff|à|a|objet|кому|тема|til|emne|till|ämne|aan|onderwerp|oggetto"
    r"|para|asunto|assunto|do|temat|vastaanottaja|aihe|címzett|tárgy|kime|konu|إلى|الموضوع|ถึง|เรื่อง"
    r"|宛先|件名|收件人|主题|收件者|主旨)\s*[*]?\s*[:：]",
    re.IGNORECASE,
)
_MOBILE_FOOTER = re.compile(
    r"^\s*(?:sent from my \w+|sent from (?:mail|outlook|yahoo mail) for \w+|get outlook for (?:ios|android)"
    r"|sent from my \w+ \w+|envoyé de mon \w+|von meinem \w+ gesendet|отправлено с (?:iphone|моего \w+)"
    r"|sendt fra min \w+|skickat från min \w+|enviado desde mi \w+)\s*$",
    re.IGNORECASE,
)
_UNDERSCORES = re.compile(r"^\s*_{10,}\s*$")
# The HTML scanner is pure Python; bigger bodies are shown whole rather than slowing every page view.
MAX_HTML_TO_SPLIT = 1_000_000
MAX_TEXT_TO_SPLIT = 500_000
ATTRIBUTION_WINDOW = 4000


def _is_quoted(line: str) -> bool:
    return line.lstrip().startswith(">")


def _is_blank(line: str) -> bool:
    return not line.strip()


def is_attribution(line: str) -> bool:
    """True for a single (already joined) line like "On Monday, John <j@example.com> wrote:"."""
    line = line.strip()
    if not line or len(line) > 400 or line.startswith(">") or line[-1] not in ":：":
        return False
    if _ENDS_WITH_VERB.search(line):
        return True
    if _STARTS_WITH_PREFIX.match(line) and _VERB_INSIDE.search(line):
        return True
    return bool(_ENDS_WITH_ADDRESS.search(line) and re.search(r"\d", line))


def _dated(text: str) -> bool:
    """A real attribution names a date or an address; "My colleague wrote:" does neither."""
    return bool(re.search(r"\d|@", text))


def _attribution_span(lines: list[str], index: int) -> int:
    """Number of lines (1-3) forming an attribution that starts at ``index``; 0 if none."""
    if is_attribution(lines[index]):
        return 1
    if not _STARTS_WITH_PREFIX.match(lines[index]) and not re.match(r"^\s*\S+,\s*\d", lines[index]):
        return 0
    joined = lines[index].strip()
    for extra in (1, 2):
        if index + extra >= len(lines) or _is_blank(lines[index + extra]) or _is_quoted(lines[index + extra]):
            return 0
        joined += " " + lines[index + extra].strip()
        if is_attribution(joined):
            return extra + 1
    return 0


def _header_block(lines: list[str], index: int) -> bool:
    """Outlook's From:/Sent:/To:/Subject: block starting at ``index`` (not right after a forward marker)."""
    if not _HEADER_FROM.match(lines[index]):
        return False
    window = lines[index + 1 : index + 8]
    if not (
        any(_HEADER_SENT.match(line) for line in window) and any(_HEADER_TO.match(line) for line in window)
    ):
        return False
    previous = [line for line in lines[max(0, index - 3) : index] if not _is_blank(line)]
    return not (previous and _FORWARD.search(previous[-1]))


def _hard_marker(lines: list[str], index: int) -> bool:
    """Markers after which everything is history or signature, whatever follows."""
    line = lines[index]
    stripped = line.rstrip("\r\n")
    if stripped in ("-- ", "--", "-- \u00a0"):
        return True
    first = stripped.lstrip()[:1]
    if first in ("-", "_", "=") and _ORIGINAL.match(line):
        return True
    if len(stripped) < 80 and _MOBILE_FOOTER.match(line):
        return True
    if _header_block(lines, index):
        return True
    return bool(
        first == "_"
        and _UNDERSCORES.match(line)
        and any(_header_block(lines, k) for k in range(index + 1, index + 3))
    )


def _only_history_from(lines: list[str], index: int) -> bool:
    """Everything from ``index`` on is quoted, blank, or starts with a hard marker."""
    for k in range(index, len(lines)):
        line = lines[k]
        if _is_blank(line) or _is_quoted(line):
            continue
        if _hard_marker(lines, k):
            return True
        span = _attribution_span(lines, k)
        if span:
            return _only_history_from(lines, k + span)
        return False
    return True


def _find_text_cut(lines: list[str]) -> int | None:
    index = 0
    while index < len(lines):
        line = lines[index]
        if _is_blank(line):
            index += 1
            continue
        if _hard_marker(lines, index):
            return index
        span = _attribution_span(lines, index)
        if span:
            following = next((k for k in range(index + span, len(lines)) if not _is_blank(lines[k])), None)
            if following is None:
                return None  # an attribution with nothing under it is just text
            if _is_quoted(lines[following]):
                if _only_history_from(lines, index + span):
                    return index
            elif _dated("".join(lines[index : index + span])):
                return index  # unquoted history under a dated attribution (some webmails)
            index += span
            continue
        if _is_quoted(line):
            if _only_history_from(lines, index):
                return index
            while index < len(lines) and (_is_quoted(lines[index]) or _is_blank(lines[index])):
                index += 1
            continue
        index += 1
    return None


def split_quoted_text(text: str) -> tuple[str, str]:
    """(new part, quoted history + signature) of a plain-text body; see the module docstring."""
    if not text:
        return "", ""
    if len(text) > MAX_TEXT_TO_SPLIT:
        return text, ""
    lines = text.splitlines(keepends=True)
    cut = _find_text_cut(lines)
    if cut is None:
        return text, ""
    new = "".join(lines[:cut]).rstrip()
    if not new.strip():
        return text, ""
    return new, "".join(lines[cut:])


# --- HTML ------------------------------------------------------------------------------------

_QUOTE_CLASSES = {
    "gmail_quote",
    "gmail_quote_container",
    "yahoo_quoted",
    "protonmail_quote",
    "moz-cite-prefix",
    "x_gmail_quote",
    "zmail_extra",
    "mailbox_quote",
}
_SIGNATURE_CLASSES = {"gmail_signature", "moz-signature", "protonmail_signature_block"}
_TO_END_IDS = {"divrplyfwdmsg", "x_divrplyfwdmsg", "appendonsend", "x_appendonsend"}
_OUTLOOK_BORDER = re.compile(r"border-top:\s*solid\s+#(?:e1e1e1|b5c4df)", re.IGNORECASE)
_VOID_TAGS = {"br", "img", "hr", "col", "wbr", "area", "input", "meta", "link", "source", "track"}


@dataclass
class _Element:
    tag: str
    attrs: dict
    start: int
    end: int = -1
    parent: _Element | None = None
    first_text: int = -1  # offset of the first non-blank text or image inside


@dataclass
class _Scan:
    elements: list[_Element] = field(default_factory=list)
    texts: list[tuple[int, str, _Element | None]] = field(default_factory=list)  # (offset, text, parent)
    images: list[int] = field(default_factory=list)
    content_offsets: list[int] = field(default_factory=list)  # filled on first use


_TOKEN = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)([^<>]*)>")
_ATTRIBUTE = re.compile(r'([^\s=/>"]+)(?:\s*=\s*"([^"]*)")?')


def _scan(html: str) -> _Scan:
    """Element spans and text offsets of sanitized HTML.

    nh3's output is regular (text escapes <, >; attribute values are double-quoted with " escaped;
    no comments), so one regex pass finds every tag at its exact offset, fast even for large bodies.
    """
    scan = _Scan()
    stack: list[_Element] = []

    def content_at(offset: int) -> None:
        for element in stack:
            if element.first_text < 0:
                element.first_text = offset

    def text(start: int, end: int) -> None:
        value = html_lib.unescape(html[start:end])
        scan.texts.append((start, value, stack[-1] if stack else None))
        if value.strip():
            content_at(start)

    position = 0
    for match in _TOKEN.finditer(html):
        if match.start() > position:
            text(position, match.start())
        position = match.end()
        closing, tag = match.group(1), match.group(2).lower()
        if closing:
            for index in range(len(stack) - 1, -1, -1):
                if stack[index].tag == tag:
                    for element in stack[index:]:
                        element.end = match.end()
                    del stack[index:]
                    break
            continue
        attributes = {
            name.lower(): html_lib.unescape(value or "") for name, value in _ATTRIBUTE.findall(match.group(3))
        }
        element = _Element(tag, attributes, match.start(), parent=stack[-1] if stack else None)
        scan.elements.append(element)
        if tag == "img":
            scan.images.append(match.start())
            content_at(match.start())
        if tag in _VOID_TAGS or match.group(3).rstrip().endswith("/"):
            element.end = match.end()
        else:
            stack.append(element)
    if position < len(html):
        text(position, len(html))
    for element in stack:
        element.end = len(html)
    return scan


def _classes(element: _Element) -> set[str]:
    return set(element.attrs.get("class", "").split())


def _marker_kind(element: _Element) -> str | None:
    """'element' (a quote container), 'signature', 'to-end' (everything after is history) or None."""
    classes = _classes(element)
    element_id = element.attrs.get("id", "").lower().removeprefix("mail-")
    if element_id in _TO_END_IDS or "OutlookMessageHeader" in classes:
        return "to-end"
    if element.tag == "blockquote" and element.attrs.get("type", "").lower() == "cite":
        return "element"
    if classes & _QUOTE_CLASSES:
        return "element"
    if classes & _SIGNATURE_CLASSES:
        return "signature"
    if element.tag == "div" and _OUTLOOK_BORDER.search(element.attrs.get("style", "")):
        return "to-end"
    return None


def _content_between(scan: _Scan, start: int, end: int) -> bool:
    """Is there visible text or an image in html[start:end]? (binary search over sorted offsets)"""
    if not scan.content_offsets:
        scan.content_offsets = sorted(
            [offset for offset, text, _ in scan.texts if text.strip()] + scan.images
        ) or [-1]
    index = bisect.bisect_left(scan.content_offsets, start)
    return index < len(scan.content_offsets) and scan.content_offsets[index] < end


def _outermost_starting_with(element: _Element | None, offset: int, limit: int) -> int:
    """Start of the outermost ancestor whose first content is at ``offset`` and that ends by ``limit``."""
    best = offset
    while element is not None and element.first_text == offset and element.end <= limit:
        best = element.start
        element = element.parent
    return best


def _text_markers(scan: _Scan) -> list[tuple[int, str]]:
    markers = []
    for offset, text, parent in scan.texts:
        stripped = text.strip()
        if _ORIGINAL.match(stripped) or text.rstrip("\r\n") in ("-- ", "--\u00a0"):
            markers.append((_outermost_starting_with(parent, offset, 1 << 62), "to-end"))
    return markers


def _attribution_before(scan: _Scan, html: str, cut: int) -> int:
    """Move the cut back over an "On ... wrote:" line that directly precedes it."""
    from inbox.mail.html import html_to_text

    # Only the last line before the cut matters: render a window, not the whole new part.
    window = max(0, cut - ATTRIBUTION_WINDOW)
    lines = [line for line in html_to_text(html[window:cut]).splitlines() if line.strip()]
    if window and lines:
        lines = lines[1:]  # the window's first line may be cut off
    if not lines or not is_attribution(lines[-1]):
        return cut
    wanted = " ".join(lines[-1].split())
    if any(image < cut for image in scan.images if image > _last_text_offset(scan, cut)):
        return cut
    collected = ""
    for offset, text, parent in reversed([item for item in scan.texts if item[0] < cut]):
        collected = text + collected
        normalized = " ".join(collected.split())
        if normalized == wanted:
            return _outermost_starting_with(parent, offset, cut)
        if len(normalized) > len(wanted):
            break
    return cut


def _last_text_offset(scan: _Scan, cut: int) -> int:
    offsets = [offset for offset, text, _ in scan.texts if offset < cut and text.strip()]
    return offsets[-1] if offsets else -1


def _find_html_cut(html: str) -> int | None:
    scan = _scan(html)
    markers: list[tuple[int, int, str]] = []
    for element in scan.elements:
        kind = _marker_kind(element)
        if kind:
            markers.append((element.start, element.end, kind))
    for start, kind in _text_markers(scan):
        markers.append((start, len(html), kind))
    markers.sort()
    for position, (start, end, kind) in enumerate(markers):
        if kind == "to-end" or _only_markers_after(scan, markers[position + 1 :], end, len(html)):
            return _attribution_before(scan, html, start)
    return None


def _only_markers_after(scan: _Scan, later: list[tuple[int, int, str]], position: int, length: int) -> bool:
    for start, end, kind in later:
        if start < position:
            continue  # nested inside the candidate
        if _content_between(scan, position, start):
            return False
        if kind == "to-end":
            return True
        position = max(position, end)
    return not _content_between(scan, position, length)


def _has_content(html: str) -> bool:
    return "<img" in html or bool(re.sub(r"<[^>]*>|&nbsp;|&#160;|\s", "", html))


def split_quoted_html(html: str) -> tuple[str, str]:
    """(new part, quoted history) of sanitized HTML; see the module docstring."""
    from inbox.mail.html import rebalance_html

    if not html:
        return "", ""
    if len(html) > MAX_HTML_TO_SPLIT:
        return html, ""
    cut = _find_html_cut(html)
    if cut is None or cut <= 0:
        return html, ""
    new, quoted = rebalance_html(html[:cut]), rebalance_html(html[cut:])
    if not _has_content(new) or not _has_content(quoted):
        return html, ""
    return new, quoted
