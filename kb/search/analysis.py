"""Text analysis per language for the Whoosh index.

Every language gets two analyzers: a *stemming* one for ranking ("книгу" and "книги" both
become "книг") and a *plain* one (lower-cased words, no stemming, no stop words) that feeds
typo-tolerant matching, "did you mean" suggestions and prefix (autocomplete) matching;
Whoosh's fuzzy queries find nothing on a stemmed field. Thai is written without spaces, so
Thai runs are cut into words by a dictionary segmenter (newmm). Arabic is normalised
(diacritics, tatweel, alef forms) before the ISRI stemmer.

Analyzers are pickled into the index's schema: keep them importable classes, no lambdas.
"""

import re
from functools import cache, lru_cache

from whoosh.analysis import Filter, LowercaseFilter, StemFilter, StopFilter, Token, Tokenizer
from whoosh.lang import NoStemmer, NoStopWords, has_stemmer
from whoosh.lang import languages as whoosh_languages

# Letters and digits plus the combining marks that Python's \w leaves out (Thai vowel
# signs, Arabic harakat, Cyrillic and Latin combining accents), so words are not cut apart.
_MARKS = (
    "\u0300-\u036f\u0483-\u0489\u0591-\u05c7"  # Latin and Cyrillic accents, Hebrew points
    "\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed"  # Arabic harakat
    "\u0e31\u0e34-\u0e3a\u0e47-\u0e4e"  # Thai vowel and tone marks
)
_WORD = rf"[\w{_MARKS}]+"
WORD_PATTERN = re.compile(rf"{_WORD}(?:\.{_WORD})*")
THAI_RUN = re.compile(r"[\u0e00-\u0e7f]+")

GENERIC = "xx"  # languages without a stemmer of their own
THAI = "th"
# Django language codes whose Whoosh language has another name.
_ALIASES = {"nb": "no", "nn": "no"}

#: Every language the index has fields for: Whoosh's stemmers, Thai, and the generic fallback.
LANGUAGES = tuple(sorted({*whoosh_languages, THAI, GENERIC}))


def language_for(language_code):
    """The analyzer language for a Django/Wagtail language code ("nb" -> "no", "pt-br" -> "pt")."""
    primary = (language_code or "").lower().replace("_", "-").split("-")[0]
    primary = _ALIASES.get(primary, primary)
    return primary if primary in LANGUAGES else GENERIC


@lru_cache(maxsize=1)
def _thai_segmenter():
    # Loads a 1.5 MB word list once, on the first Thai text seen.
    from newmm_tokenizer.tokenizer import word_tokenize

    return word_tokenize


class WordTokenizer(Tokenizer):
    """Words of any script; runs of Thai letters are segmented into dictionary words."""

    def __init__(self, segment_thai=True):
        self.segment_thai = segment_thai

    def __eq__(self, other):
        return isinstance(other, WordTokenizer) and other.segment_thai == self.segment_thai

    def _pieces(self, value):
        segment = self.segment_thai and THAI_RUN.search(value) is not None
        for match in WORD_PATTERN.finditer(value):
            word, start = match.group(0), match.start()
            if not segment or not THAI_RUN.search(word):
                yield word, start
                continue
            offset = 0
            for part in _thai_segmenter()(word, keep_whitespace=False):
                at = word.find(part, offset)
                at = offset if at < 0 else at
                offset = at + len(part)
                if WORD_PATTERN.fullmatch(part):
                    yield part, start + at

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        tokenize=True,
        mode="",
        **kwargs,
    ):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            token.original = token.text = value
            token.boost = 1.0
            if positions:
                token.pos = start_pos
            if chars:
                token.startchar, token.endchar = start_char, start_char + len(value)
            yield token
            return
        for pos, (word, start) in enumerate(self._pieces(value)):
            token.text = word
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = word
            if positions:
                token.pos = start_pos + pos
            if chars:
                token.startchar = start_char + start
                token.endchar = start_char + start + len(word)
            yield token


_ARABIC_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_ARABIC_ALEF = str.maketrans({"\u0623": "\u0627", "\u0625": "\u0627", "\u0622": "\u0627", "\u0671": "\u0627"})


class ArabicNormalizeFilter(Filter):
    """Remove harakat and tatweel and unify alef forms, as Arabic readers type them loosely."""

    def __eq__(self, other):
        return isinstance(other, ArabicNormalizeFilter)

    def __call__(self, tokens):
        for token in tokens:
            token.text = _ARABIC_DIACRITICS.sub("", token.text).translate(_ARABIC_ALEF)
            if token.text:
                yield token


def _base_chain(language):
    chain = WordTokenizer(segment_thai=True) | LowercaseFilter()
    if language == "ar":
        chain = chain | ArabicNormalizeFilter()
    return chain


@cache
def _stemming_steps(language):
    """The filters the stemming analyzer adds to the plain one: stop words, then the stemmer."""
    steps = []
    if language in (GENERIC, THAI):
        return steps
    try:
        steps.append(StopFilter(lang=language))
    except NoStopWords:
        pass
    if has_stemmer(language):
        try:
            steps.append(StemFilter(lang=language, cachesize=50000))
        except NoStemmer:
            pass
    return steps


@cache
def stemming_analyzer(language):
    """Words, lower-cased, stop words removed and stemmed where Whoosh knows the language."""
    chain = _base_chain(language)
    for step in _stemming_steps(language):
        chain = chain | step
    return chain


@lru_cache(maxsize=50000)
def stem_of(language, word):
    """What the stemming analyzer makes of ``word``, a term of the plain analyzer: its stem, or
    None for a stop word. (Its filters work token by token, so this is the same as analysing
    the whole text with it, without reading the text twice.)"""
    token = Token(removestops=True, mode="index")
    token.text, token.boost, token.stopped = word, 1.0, False
    stream = iter((token,))
    for step in _stemming_steps(language):
        stream = step(stream)
    found = next(stream, None)
    return found.text if found is not None else None


@cache
def plain_analyzer(language):
    """Words as written (lower-cased): the vocabulary for fuzzy, prefix and spelling suggestions."""
    return _base_chain(language)


def terms(analyzer, text):
    """The analyzed terms of ``text`` as a query sees them, in order, duplicates kept."""
    return [token.text for token in analyzer(text or "", mode="query")]
