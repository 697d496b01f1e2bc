"""Turning the bytes of mail text into ``str``: declared, mislabelled and undeclared charsets.

``decode_bytes(data, declared, hints)`` never raises. The order it tries:

1. The declared charset, strictly, through the superset WHATWG and mail clients actually use
   (``iso-8859-1``/``us-ascii`` -> windows-1252, ``tis-620`` -> windows-874, ``gb2312`` -> gb18030,
   ``shift_jis`` -> cp932, ``ks_c_5601-1987``/``euc-kr`` -> cp949, ``iso-2022-jp`` -> its extensions).
   A Western single-byte label (ascii, iso-8859-1, windows-1252, iso-8859-15) always "decodes", so
   its result is checked for plausibility: Russian text sent as windows-1251 but labelled
   iso-8859-1 reads as ``Ïðèâåò``, and is re-detected.
2. Without a (usable) declaration: ISO-2022-JP when its escape sequences are present, then
   UTF-8 strictly.
3. UTF-8 declared but invalid, or raw UTF-8 with a few stray bytes: UTF-8, with only the invalid
   bytes read as windows-1252.
4. Detection: the charsets named in ``hints`` (other declarations in the same message), the
   guesses of charset-normalizer and a fixed list of common mail charsets are decoded strictly
   and scored for plausibility (control characters, symbols, script changes inside a word,
   ``lOWER-upper`` case changes inside Cyrillic/Latin words, all-accented Latin words, rare CJK
   characters). The best-scoring one wins; charset-normalizer alone is unreliable on the short
   texts mail is made of.
5. Last resort: UTF-8 with the windows-1252 fallback above, which cannot fail.

``unknown-8bit``, ``x-unknown`` and names Python does not know count as "no declaration".
The result also says which charset was used and whether the declaration was overruled, so the
parser can note it as a defect.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import re
import unicodedata
from dataclasses import dataclass

import charset_normalizer

# Labels that mean "we don't know": treat as undeclared.
_UNDECLARED = {
    "",
    "unknown-8bit",
    "x-unknown",
    "unknown",
    "x-user-defined",
    "8bit",
    "default",
    "_autodetect_all",
    "none",
    "charset",
}

# Label -> Python codec names to try in order (superset first).
_ALIASES = {
    "us-ascii": ["cp1252", "latin-1"],
    "ascii": ["cp1252", "latin-1"],
    "ansi_x3.4-1968": ["cp1252", "latin-1"],
    "iso-8859-1": ["cp1252", "latin-1"],
    "iso8859-1": ["cp1252", "latin-1"],
    "iso_8859-1": ["cp1252", "latin-1"],
    "latin1": ["cp1252", "latin-1"],
    "latin-1": ["cp1252", "latin-1"],
    "l1": ["cp1252", "latin-1"],
    "iso-8859-9": ["cp1254", "iso8859_9"],
    "latin5": ["cp1254", "iso8859_9"],
    "tis-620": ["cp874", "tis_620"],
    "tis620": ["cp874", "tis_620"],
    "iso-8859-11": ["cp874", "tis_620"],
    "windows-874": ["cp874"],
    "x-windows-874": ["cp874"],
    "gb2312": ["gb18030"],
    "gbk": ["gb18030"],
    "x-gbk": ["gb18030"],
    "euc-cn": ["gb18030"],
    "cp936": ["gb18030"],
    "big5": ["big5hkscs", "big5", "cp950"],
    "shift_jis": ["cp932", "shift_jis"],
    "shift-jis": ["cp932", "shift_jis"],
    "sjis": ["cp932", "shift_jis"],
    "x-sjis": ["cp932", "shift_jis"],
    "ms_kanji": ["cp932"],
    "windows-31j": ["cp932"],
    "euc-jp": ["euc_jp", "euc_jis_2004"],
    "iso-2022-jp": ["iso2022_jp", "iso2022_jp_ext", "iso2022_jp_2", "iso2022_jp_3"],
    "euc-kr": ["cp949", "euc_kr"],
    "ks_c_5601-1987": ["cp949", "euc_kr"],
    "ks_c_5601": ["cp949", "euc_kr"],
    "x-mac-cyrillic": ["mac_cyrillic"],
    "x-mac-roman": ["mac_roman"],
    "macintosh": ["mac_roman"],
    "iso-8859-8-i": ["iso8859_8"],
    "iso-8859-6-i": ["iso8859_6"],
    "utf8": ["utf-8"],
    "unicode-1-1-utf-8": ["utf-8"],
    "x-unicode20utf8": ["utf-8"],
    "cp-850": ["cp850"],
    "unicode": ["utf-16"],
}

# Labels that any software may put on text that is really something else.
_WEAK_LABELS = {"cp1252", "iso8859-1", "iso8859-15", "ascii"}

# Tried during detection, after hints and charset-normalizer's guesses.
_COMMON = [
    "cp1252",
    "cp1251",
    "koi8_r",
    "cp1256",
    "cp874",
    "cp1250",
    "cp1253",
    "cp1255",
    "cp1254",
    "cp932",
    "euc_jp",
    "gb18030",
    "big5hkscs",
    "cp949",
]

# charset-normalizer may propose EBCDIC or UTF-16 for short text; mail is never sent in those undeclared.
_MAIL_CODEC_PREFIXES = (
    "cp125",
    "iso8859",
    "koi8",
    "mac_cyrillic",
    "cp866",
    "cp874",
    "tis_620",
    "cp932",
    "shift_jis",
    "euc_jp",
    "gb",
    "big5",
    "cp949",
    "cp950",
    "euc_kr",
)
# Multi-byte decoders turn any short run of high bytes into a few "valid" ideographs: ties go elsewhere.
_MULTIBYTE_PRIOR = 0.1
_MULTIBYTE = ("cp932", "shift_jis", "euc_jp", "gb", "big5", "cp949", "cp950", "euc_kr")

_FALLBACK_ERRORS = "inbox-mail-cp1252"
# Above this average penalty no decoding reads as text: the data is binary.
GARBAGE = 1.5


def _cp1252_fallback(exc: UnicodeError):
    """Codec error handler: read bytes that are invalid in UTF-8 as windows-1252 (latin-1 for holes)."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    chunk = exc.object[exc.start : exc.end]
    return "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in chunk), exc.end


codecs.register_error(_FALLBACK_ERRORS, _cp1252_fallback)


@dataclass(frozen=True)
class Decoded:
    text: str
    charset: str  # the Python codec actually used
    overruled: bool  # True when a declared charset was present but not used


def normalize_label(label: str | None) -> str:
    return (label or "").strip().strip("\"'").strip().lower()


def codecs_for(label: str | None) -> list[str]:
    """Python codecs to try for a MIME charset label, superset first; [] when unknown/undeclared."""
    name = normalize_label(label)
    if name in _UNDECLARED:
        return []
    if name in _ALIASES:
        return list(_ALIASES[name])
    try:
        return [codecs.lookup(name).name]
    except (LookupError, ValueError):
        return []


def is_known_charset(label: str | None) -> bool:
    return bool(codecs_for(label))


def is_weak_label(label: str | None) -> bool:
    """A Western single-byte label, which any byte sequence "satisfies" and so is often wrong."""
    chain = codecs_for(label)
    return bool(chain) and _canonical(chain[0]) in _WEAK_LABELS


def _strict(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError, ValueError):
        return None


def _script(ch: str) -> str:
    try:
        name = unicodedata.name(ch)
    except ValueError:
        return "?"
    first = name.split(" ", 1)[0]
    if first in ("CJK", "HIRAGANA", "KATAKANA", "IDEOGRAPHIC"):
        return "CJK"
    return first


def _rare_cjk(ch: str) -> bool:
    """Han/Hangul outside the most frequent national sets: a sign of a wrong multi-byte guess."""
    if "\uac00" <= ch <= "\ud7a3":
        try:
            # Python's euc_kr spells syllables outside KS X 1001 as 8-byte jamo sequences.
            return len(ch.encode("euc_kr")) != 2
        except UnicodeEncodeError:
            return True
    if "\u4e00" <= ch <= "\u9fff":
        # (codec, first byte range of its "level 1" frequent characters)
        for codec, low, high in (("gb2312", 0xB0, 0xD7), ("euc_jp", 0xB0, 0xCF), ("big5", 0xA4, 0xC6)):
            try:
                if low <= ch.encode(codec)[0] <= high:
                    return False
            except UnicodeEncodeError:
                continue
        return True
    return False


# Symbols ordinary Western text uses; other symbols are typical of text decoded with the wrong table.
_COMMON_SYMBOLS = set("£¥©®°§¶±×÷¢€™•¬«»½¼¾")
_THAI_CONSONANTS = (0x0E01, 0x0E2E)
_THAI_OBSOLETE = set("\u0e03\u0e05")
# Thai letters of Pali/Sanskrit loanwords: rare in everyday mail, frequent in other text read as TIS-620.
_THAI_UNCOMMON = set("ฆฌฎฏฑฒฤฦฯฬ")
_THAI_LEADING_VOWELS = set("\u0e40\u0e41\u0e42\u0e43\u0e44")


def _thai_consonant(ch: str) -> bool:
    return _THAI_CONSONANTS[0] <= ord(ch) <= _THAI_CONSONANTS[1]


def _word_penalty(scripts: set[str], letters: int, accented: int) -> float:
    penalty = 4.0 * max(0, len(scripts) - 1)
    # Real Latin-script words are mostly ASCII letters; "Ïðèâåò" is Cyrillic read as Latin-1.
    if accented >= 3 and accented == letters:
        penalty += 2.0 * accented
    return penalty


def implausibility(text: str, sample: int = 8000) -> float:
    """Average penalty per non-ASCII character; 0 for pure ASCII. Lower means more plausible."""
    text = text[:sample]
    penalty = 0.0
    non_ascii = 0
    scripts: set[str] = set()
    letters = accented = 0
    prev = ""
    prev_lower = False
    prev_script = ""
    for ch in text + " ":
        code = ord(ch)
        cat = unicodedata.category(ch)
        if prev in _THAI_LEADING_VOWELS and not _thai_consonant(ch):
            penalty += 3
        if code >= 128:
            non_ascii += 1
        if cat[0] not in "LM":
            # End of a word: judge the mixture of its letters.
            penalty += _word_penalty(scripts, letters, accented)
            scripts, letters, accented = set(), 0, 0
            prev_lower, prev_script = False, ""
        if cat[0] == "L":
            script = "LATIN" if code < 128 or 0xAA <= code <= 0x24F else _script(ch)
            scripts.add(script)
            letters += 1
            if 0xAA <= code <= 0x24F:
                accented += 1
            if ch.isupper() and prev_lower and prev_script == script:
                penalty += 3
            if _rare_cjk(ch) or ch in _THAI_OBSOLETE:
                penalty += 3
            elif ch in _THAI_UNCOMMON:
                penalty += 1
            prev_lower, prev_script = ch.islower(), script
        elif cat[0] == "M":
            if not prev or unicodedata.category(prev)[0] not in "LM":
                penalty += 5
        elif code < 128:
            if code < 32 and ch not in "\t\n\r\f":
                penalty += 10
        elif cat in ("Cc", "Co", "Cn", "Cs") or ch == "\ufffd":
            penalty += 10
        elif cat == "Cf":
            penalty += 0 if ch in "\u200c\u200d\u200e\u200f\ufeff" else 5
        elif cat[0] == "S":
            penalty += 0 if ch in _COMMON_SYMBOLS else 3
        elif cat == "No" and ch not in _COMMON_SYMBOLS:
            penalty += 2
        elif cat[0] == "Z" and ch != "\u00a0":
            penalty += 1
        prev = ch
    return penalty / non_ascii if non_ascii else 0.0


def _codec_adjustment(codec: str, text: str) -> float:
    """Per-codec priors that character statistics alone cannot express."""
    if text.isascii() or not codec.startswith(_MULTIBYTE):
        return 0.0
    adjustment = _MULTIBYTE_PRIOR
    kana = sum(1 for ch in text if "\u3040" <= ch <= "\u30ff")
    han = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
    if codec.startswith(("gb", "big5", "cp950")) and kana:
        adjustment += 1.0  # Chinese text has no kana; this is Japanese read with a Chinese table
    if codec.startswith(("cp932", "shift_jis", "euc_jp")) and han >= 4 and not kana:
        adjustment += 1.0  # Japanese text without any kana is very unlikely
    return adjustment


def _mostly_utf8(data: bytes) -> bool:
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = sum(1 for ch in text if ord(ch) > 127 and ch != "\ufffd")
    return good >= 10 * bad


def _normalizer_guesses(data: bytes, limit: int = 3) -> list[str]:
    try:
        results = charset_normalizer.from_bytes(data[:65536])
    except Exception:  # a detection library must never break parsing
        return []
    return [
        match.encoding for match in list(results)[:limit] if match.encoding.startswith(_MAIL_CODEC_PREFIXES)
    ]


def detect(data: bytes, hints: tuple[str, ...] | list[str] = ()) -> Decoded | None:
    """Best plausible strict decoding of ``data`` among hints, charset-normalizer and common charsets."""
    candidates: list[str] = []
    for label in hints:
        candidates.extend(codecs_for(label))
    candidates.append("cp1252")
    candidates.extend(_normalizer_guesses(data))
    candidates.extend(_COMMON)
    seen: set[str] = set()
    best: tuple[float, int, str, str] | None = None
    for order, codec in enumerate(candidates):
        try:
            key = codecs.lookup(codec).name
        except LookupError:
            continue
        if key in seen or key in ("utf-8", "ascii"):
            continue
        seen.add(key)
        text = _strict(data, codec)
        if text is None:
            continue
        score = implausibility(text) + _codec_adjustment(key, text)
        if best is None or (score, order) < (best[0], best[1]):
            best = (score, order, key, text)
    if best is None:
        return None
    return Decoded(best[3], best[2], False)


def decode_bytes(
    data: bytes, declared: str | None = None, hints: tuple[str, ...] | list[str] = ()
) -> Decoded:
    """Decode mail text bytes; never raises. See the module docstring for the order of attempts."""
    if not data:
        return Decoded("", "ascii", False)
    label = normalize_label(declared)
    declared_given = bool(label) and label not in _UNDECLARED
    chain = codecs_for(declared)
    iso2022 = (b"\x1b$" in data or b"\x1b(" in data) and max(data) < 128
    if iso2022 and not any(codec.startswith("iso2022") for codec in chain):
        for codec in _ALIASES["iso-2022-jp"]:
            text = _strict(data, codec)
            if text is not None:
                return Decoded(text, codec, declared_given)
    for codec in chain:
        text = _strict(data, codec)
        if text is None:
            continue
        if _canonical(codec) in _WEAK_LABELS and not data.isascii():
            return _check_weak_label(data, text, _canonical(codec), hints)
        return Decoded(text, _canonical(codec), False)
    text = _strict(data, "utf-8")
    if text is not None:
        return Decoded(text, "utf-8", declared_given and "utf-8" not in chain)
    found = detect(data, hints)
    if (declared_given and "utf-8" in chain) or _mostly_utf8(data):
        lenient = data.decode("utf-8", errors=_FALLBACK_ERRORS)
        if found is None or implausibility(lenient) <= implausibility(found.text):
            return Decoded(lenient, "utf-8", False)
    if found is not None and implausibility(found.text) < GARBAGE:
        return Decoded(found.text, found.charset, declared_given)
    # Nothing reads as text (binary data): show it in the declared charset with replacement marks.
    codec = chain[0] if chain else "utf-8"
    return Decoded(data.decode(codec, errors="replace"), _canonical(codec), False)


def _check_weak_label(data: bytes, text: str, codec: str, hints) -> Decoded:
    """A Western label on 8-bit text is often wrong: prefer valid UTF-8 or a clearly better detection."""
    score = implausibility(text)
    as_utf8 = _strict(data, "utf-8")
    if as_utf8 is not None and implausibility(as_utf8) <= score:
        return Decoded(as_utf8, "utf-8", True)
    found = detect(data, hints)
    # Overrule a declaration only on strong evidence: mojibake scores 1.5 and more, real text near 0.
    if found and found.charset != codec and score >= 1.0 and score - implausibility(found.text) >= 1.0:
        return Decoded(found.text, found.charset, True)
    return Decoded(text, codec, False)


def _canonical(codec: str) -> str:
    try:
        return codecs.lookup(codec).name
    except LookupError:
        return codec


# --- Header values (RFC 2047 encoded words and raw 8-bit) ---------------------------------------

_ENCODED_WORD = re.compile(r"=\?([^?\s]+?)\?([qQbB])\?(.*?)\?=", re.S)
_HEX_ESCAPE = re.compile(rb"=([0-9A-Fa-f]{2})")
_NOT_BASE64 = re.compile(rb"[^A-Za-z0-9+/]")
_BASE64_WORD = re.compile(r"[A-Za-z0-9+/\s]*={0,3}")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _word_bytes(encoding: str, payload: str) -> bytes:
    data = payload.encode("utf-8", "surrogateescape")
    if encoding in "bB":
        data = _NOT_BASE64.sub(b"", data)
        if len(data) % 4 == 1:
            data = data[:-1]
        data += b"=" * (-len(data) % 4)
        try:
            return base64.b64decode(data)
        except (binascii.Error, ValueError):
            return b""
    return _HEX_ESCAPE.sub(lambda match: bytes([int(match.group(1), 16)]), data.replace(b"_", b" "))


def _literal(text: str, hints) -> str:
    if text.isascii():
        return text
    if any("\udc80" <= ch <= "\udcff" for ch in text):
        return decode_bytes(text.encode("utf-8", "surrogateescape"), None, hints).text
    return text


def decode_header_value(
    value: str, hints: tuple[str, ...] | list[str] = (), overrides: dict | None = None
) -> str:
    """Lenient decoding of a raw header value; never raises.

    Handles RFC 2047 encoded words (also without the surrounding spaces, with spaces inside,
    with broken base64, with a multi-byte character split across two words, with unknown
    charsets) and raw 8-bit text (given as surrogate escapes, as ``email`` parses bytes).
    ``overrides`` maps a declared charset label to the codec that the body showed to be right.
    """
    if not value:
        return ""
    overrides = overrides or {}
    value = re.sub(r"\r?\n(?=[ \t])", "", value).replace("\r", " ").replace("\n", " ")
    pieces: list[list] = []  # ["text", str] or ["word", label, bytes]
    position = 0
    for match in _ENCODED_WORD.finditer(value):
        literal = value[position : match.start()]
        position = match.end()
        if literal and not (pieces and pieces[-1][0] == "word" and not literal.strip()):
            pieces.append(["text", literal])
        label = normalize_label(match.group(1).split("*", 1)[0])
        if match.group(2) in "bB" and not _BASE64_WORD.fullmatch(match.group(3).strip()):
            pieces.append(["text", match.group(0)])  # not base64: keep the text as it was sent
            continue
        data = _word_bytes(match.group(2), match.group(3))
        if pieces and pieces[-1][0] == "word" and pieces[-1][1] == label:
            pieces[-1][2] += data  # a multi-byte character may be split across two words
        else:
            pieces.append(["word", label, data])
    if value[position:]:
        pieces.append(["text", value[position:]])
    out = []
    for piece in pieces:
        if piece[0] == "text":
            out.append(_literal(piece[1], hints))
        else:
            out.append(decode_bytes(piece[2], overrides.get(piece[1], piece[1]), hints).text)
    return clean_text("".join(out))


def clean_text(text: str) -> str:
    """Remove what databases and browsers choke on: NUL and other C0 controls, lone surrogates."""
    text = _CONTROL.sub(lambda match: " " if match.group() == "\t" else "", text)
    return _SURROGATE.sub("\ufffd", text)
