"""Text normalisation shared by every later step (sentences, language, keywords, embeddings).

The goal is that two pieces of feedback which *read* the same also *compare* the same: the
same word typed on a Persian or an Arabic keyboard, with or without vowel marks, pasted from
an HTML e-mail or from a phone with invisible direction marks, should become identical strings.
"""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata

__all__ = ["normalize_text", "text_hash"]

# Content of these elements is code or CSS, never customer words.
_SCRIPT_STYLE_RE = re.compile(
    r"<(script|style)\b[^>]*>.*?(?:</\1\s*>|\Z)", re.IGNORECASE | re.DOTALL
)
_COMMENT_RE = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
# Only things that look like real tags: "<" directly followed by a letter, "/" or "!".
# A bare "a < b > c" or "<3" in a complaint must survive.
_TAG_RE = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]*)\b[^<>]*>|<![^<>]*>")
# Tags that start a new line when rendered; dropping them without a break would glue the last
# word of one paragraph to the first word of the next.
_BLOCK_TAGS_TEXT = (
    "address article aside blockquote br caption dd div dl dt fieldset figcaption figure footer "
    "form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section table tbody tfoot thead tr ul"
)
_BLOCK_TAGS = frozenset(_BLOCK_TAGS_TEXT.split())
# Table cells sit side by side, so they need only a space between them.
_SPACE_TAGS = frozenset({"td", "th"})

# Persian-only letters (pe, che, zhe, gaf): an Arabic keyboard has none of them.
_PERSIAN_ONLY = frozenset("\u067e\u0686\u0698\u06af")
# Persian yeh and keheh: the Persian keyboard's forms of yeh and kaf.
_PERSIAN_FORMS = frozenset("\u06cc\u06a9")
# Teh marbuta: in almost every Arabic sentence, practically never in Persian (which writes
# the same loanwords with ه). Arabic ي/ك are no evidence: the old Windows Persian keyboard
# typed them too.
_TEH_MARBUTA = "\u0629"

_TO_PERSIAN = str.maketrans({"\u064a": "\u06cc", "\u0649": "\u06cc", "\u0643": "\u06a9"})
_TO_ARABIC = str.maketrans({"\u06cc": "\u064a", "\u06a9": "\u0643"})

_DIGITS = str.maketrans(
    {
        **{chr(0x06F0 + i): str(i) for i in range(10)},  # Persian (extended Arabic-Indic)
        **{chr(0x0660 + i): str(i) for i in range(10)},  # Arabic-Indic
    }
)

# Tatweel only stretches a word for looks; harakat (fathatan..sukun) and the superscript alef are
# optional vowel marks. Both make spelling variants of one word (كتاب / كِتَاب / كـتـاب),
# which would otherwise count as different keywords and different cache keys.
_ARABIC_MARKS_RE = re.compile("[\u0640\u064b-\u0652\u0670]")

# Invisible characters that carry no meaning for text mining: zero-width space / joiner,
# BOM / word joiner, soft hyphen, and the bidi controls phones and RTL editors insert
# (LRM, RLM, ALM, embeddings/overrides, isolates). They split words that look whole on screen.
_INVISIBLE_RE = re.compile(
    "[\u200b\u200d\ufeff\u2060\u00ad\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]"
)
_ZWNJ = "\u200c"
_ZWNJ_RUN_RE = re.compile(_ZWNJ + "+")
# C0/C1 control characters other than whitespace: junk from exports and copy/paste.
_CONTROL_RE = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")
# Every line-break convention becomes "\n" so that only one kind of newline reaches later code.
_LINEBREAK_RE = re.compile("\r\n|[\r\x0b\x0c\x85\u2028\u2029]")
_WHITESPACE_RE = re.compile(r"\s+")


def _tag_replacement(match: re.Match[str]) -> str:
    name = (match.group(2) or "").lower()
    if name in _BLOCK_TAGS:
        return "\n"
    if name in _SPACE_TAGS:
        return " "
    return ""


def _strip_html(text: str) -> str:
    # Cheap exit: most feedback is plain text and has no "<" or "&" at all.
    if "<" in text:
        text = _SCRIPT_STYLE_RE.sub(" ", text)
        text = _COMMENT_RE.sub(" ", text)
        text = _TAG_RE.sub(_tag_replacement, text)
    # Unescape after removing tags so that an escaped "&lt;b&gt;" the customer typed stays text.
    if "&" in text:
        text = html.unescape(text)
    return text


def _is_persian(text: str) -> bool:
    """Decide whether Arabic-script letters in ``text`` should take their Persian forms.

    Rule: a Persian-only letter (پ چ ژ گ) means Persian. Otherwise the Persian yeh or keheh
    (ی ک) means Persian, unless the text also has teh marbuta (ة): then it is Arabic typed on a
    Persian keyboard. Text with none of these is treated as Arabic.
    """
    if any(ch in _PERSIAN_ONLY for ch in text):
        return True
    return any(ch in _PERSIAN_FORMS for ch in text) and _TEH_MARBUTA not in text


def _unify_arabic_letters(text: str) -> str:
    # Persian and Arabic keyboards produce different code points for yeh and kaf; within one
    # language the word must have one spelling, so pick the forms of the language the text is in.
    if not any("\u0600" <= ch <= "\u06ff" for ch in text):
        return text
    table = _TO_PERSIAN if _is_persian(text) else _TO_ARABIC
    return text.translate(table)


def _zwnj_replacement(match: re.Match[str]) -> str:
    text = match.string
    start, end = match.start(), match.end()
    before = text[start - 1] if start > 0 else ""
    after = text[end] if end < len(text) else ""
    # Between two letters the ZWNJ is part of Persian spelling (می‌خواهم); anywhere else
    # (next to a space, punctuation, the string edge) it is an invisible leftover.
    if before.isalpha() and after.isalpha():
        return _ZWNJ
    return ""


def _collapse_whitespace(text: str) -> str:
    # A newline is kept (once) because it often ends a sentence in chat-style feedback.
    return _WHITESPACE_RE.sub(lambda m: "\n" if "\n" in m.group() else " ", text)


def normalize_text(text: str) -> str:
    """Normalise one piece of customer feedback for comparison and text mining.

    Steps, in order:

    1. HTML: ``<script>``/``<style>`` content and comments are dropped, block tags
       (``<p>``, ``<br>``, ``</div>``...) become a newline, table cells a space, other tags
       vanish; entities are unescaped.
    2. Unicode NFKC (full-width letters, ligatures and Arabic presentation forms become plain
       letters; the Greek question mark U+037E becomes ``;``).
    3. Arabic-script letter variants. Text is Persian if it has a Persian-only letter
       (پ چ ژ گ), or the Persian yeh/keheh (ی ک) and no teh marbuta (ة, which marks Arabic
       typed on a Persian keyboard). Persian text gets ی and ک for ي/ى and ك; other
       Arabic-script text gets ي and ك for ی and ک. Tatweel, harakat and the superscript alef
       are removed.
    4. Persian and Arabic-Indic digits become ASCII ``0``-``9``.
    5. Invisible characters: ZWNJ is kept (once) only between two letters; other zero-width
       characters, bidi controls and control characters are removed.
    6. Whitespace runs become one space, or one newline if they contained a line break; the
       ends are stripped.

    Args:
        text: Raw feedback text, possibly HTML.

    Returns:
        The normalised text; ``""`` for input that is only markup or whitespace.
    """
    if not text:
        return ""
    text = _strip_html(text)
    text = unicodedata.normalize("NFKC", text)
    text = _ARABIC_MARKS_RE.sub("", text)
    text = _unify_arabic_letters(text)
    text = text.translate(_DIGITS)
    text = _LINEBREAK_RE.sub("\n", text)
    text = _CONTROL_RE.sub("", text)
    text = _INVISIBLE_RE.sub("", text)
    if _ZWNJ in text:
        text = _ZWNJ_RUN_RE.sub(_zwnj_replacement, text)
    return _collapse_whitespace(text).strip()


def text_hash(text: str) -> str:
    """Return a stable cache key for a text.

    Args:
        text: Any string; callers normally pass the output of :func:`normalize_text`.

    Returns:
        The SHA-256 hex digest of the UTF-8 encoding of ``text`` (64 lowercase hex chars).
    """
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
