"""Guess the character encoding of an export file from its first bytes.

Exports reach the pipeline from spreadsheets and legacy systems in whatever encoding they
were written in (UTF-8 with or without a BOM, UTF-16, the Windows code pages), and nothing
in a CSV file says which one. charset-normalizer alone guesses wrong on the short, mostly
ASCII samples these files start with, so :func:`detect_encoding` puts BOMs and UTF-8
first and re-ranks the remaining candidates by how plausible the decoded text is. This
heuristic lives apart from the readers in :mod:`data.formats`, which only call it.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections import Counter

import charset_normalizer


def detect_encoding(sample: bytes) -> str:
    """The Python codec name of the text that starts with ``sample`` (~the first 64 KB).

    A byte-order mark decides (``utf-8-sig``, ``utf-16``, ``utf-32``); then UTF-16 without
    a BOM (NUL bytes in every other place); then valid UTF-8 (an incomplete character at
    the end of the sample is allowed) is ``utf-8``. Otherwise the candidates charset-
    normalizer proposes, together with the Windows code pages exports are written in,
    are ranked by how plausible the decoded text is (letters that belong to one language's
    alphabet or one script, no control or unassigned characters, no symbols inside words,
    no script or case mixed inside a word), with a small prior for the Windows code pages;
    ties go to cp1252. (charset-normalizer alone reads short French samples as cp1250,
    "crčme", or iso8859_10.) Detection is a guess: pass ``encoding=`` when the export's
    encoding is known; a short Hungarian sample may come out as cp1252 ("õ" for "ő").
    """
    if sample.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    utf16 = _utf16_without_bom(sample)
    if utf16:
        return utf16
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        pass
    else:
        return "utf-8"
    try:
        proposed = [match.encoding for match in charset_normalizer.from_bytes(sample)]
    except Exception:  # a heuristic: its failure must not stop the reading
        proposed = []
    candidates: list[str] = []
    for name in (*_PREFERRED_CODEPAGES, *proposed):
        try:
            codec = codecs.lookup(name).name
        except LookupError:
            continue
        if codec not in candidates:
            candidates.append(codec)
    preferred = {codecs.lookup(name).name for name in _PREFERRED_CODEPAGES}
    best, best_score = "cp1252", None
    for codec in candidates:
        score = _plausibility(sample, codec)
        if score is None:
            continue
        if codec in preferred:
            score += 3  # a prior for the code pages exports are written in (short samples)
        if best_score is None or score > best_score:
            best, best_score = codec, score
    return best


# ---------------------------------------------------------------------------------------
# Encoding plausibility


# Tried first, in this order (the order breaks ties): Western, Central European, Turkish,
# Baltic, Hebrew, Greek, Arabic, Cyrillic. Each comes before the code pages that would
# read its text as letters too, but fail the plausibility checks on the other's text.
_PREFERRED_CODEPAGES = (
    "cp1252", "cp1250", "cp1254", "cp1257", "cp1255", "cp1253", "cp1256", "cp1251",
)
# The non-ASCII letters of Latin-script languages (lower case).
_LANGUAGE_LETTERS = {
    "fr": "àâæçéèêëîïôœùûüÿ", "de": "äöüß", "es": "áéíñóúü", "pt": "áâãàçéêíóôõú",
    "it": "àèéìíîòóùú", "nl": "áéëíïóöúèàäüêô", "ca": "àçéèíïòóúü", "da": "æøåéó",
    "no": "æøåéóòâô", "sv": "åäöé", "fi": "åäöšž", "is": "áðéíóúýþæö",
    "cs": "áčďéěíňóřšťúůýž", "sk": "áäčďéíĺľňóôŕšťúýž", "pl": "ąćęłńóśźż",
    "hu": "áéíóöőúüű", "ro": "ăâîșțşţ", "hr": "čćđšž", "sl": "čšž", "tr": "çğıöşüâîûİ",
    "lt": "ąčęėįšųūž", "lv": "āčēģīķļņšūž", "et": "äöõüšž", "sq": "çë",
}
# Other scripts, by the first word of the Unicode character name.
_SCRIPTS = {
    "CYRILLIC": "CYRILLIC", "GREEK": "GREEK", "ARABIC": "ARABIC", "HEBREW": "HEBREW",
    "THAI": "THAI", "CJK": "CJK", "HIRAGANA": "CJK", "KATAKANA": "CJK", "HANGUL": "HANGUL",
    "DEVANAGARI": "DEVANAGARI", "ARMENIAN": "ARMENIAN", "GEORGIAN": "GEORGIAN",
}
_IN_WORD_PUNCTUATION = frozenset("'’‘ʼ·‐-")
_LETTER = r"[^\W\d_]"


def _plausibility(sample: bytes, codec: str) -> int | None:
    """How plausible ``sample`` decoded with ``codec`` is as text (higher is better)."""
    try:
        text = sample.decode(codec, errors="replace")
    except (LookupError, UnicodeError):
        return None
    counts = Counter(text)
    bad = plain = 0
    languages: Counter[str] = Counter()
    scripts: Counter[str] = Counter()
    odd: list[str] = []
    latin: list[str] = []
    foreign: list[str] = []
    lower: list[str] = []
    upper: list[str] = []
    marks: list[str] = []
    for char, n in counts.items():
        if char < "\x80":
            continue
        category = unicodedata.category(char)
        if char == "\ufffd" or category in ("Cc", "Cn", "Co", "Cs"):
            bad += n
        elif category == "Mn":
            marks.append(char)
        elif not char.isalpha():
            plain += n
            if char not in _IN_WORD_PUNCTUATION:
                odd.append(char)
        else:
            if char.islower():
                lower.append(char)
            elif char.isupper():
                upper.append(char)
            script = _SCRIPTS.get(unicodedata.name(char, "").split(" ", 1)[0])
            if script is not None:
                # Weighted by bytes, so a two-byte CJK character counts like two letters.
                scripts[script] += n * len(char.encode(codec, errors="replace"))
                foreign.append(char)
                continue
            latin.append(char)
            low = char.lower() if len(char.lower()) == 1 else char
            for language, letters in _LANGUAGE_LETTERS.items():
                if low in letters:
                    languages[language] += n
    score = max(languages.values(), default=0) + max(scripts.values(), default=0)
    score += plain - 3 * bad

    def occurrences(pattern: str) -> int:
        return sum(1 for _ in re.finditer(pattern, text))

    def chars(items: list[str]) -> str:
        return re.escape("".join(items))

    if odd:  # a symbol glued inside a word ("³", "¿" between letters)
        score -= 3 * occurrences(f"(?<={_LETTER})[{chars(odd)}](?={_LETTER})")
    if foreign:  # another script glued to Latin letters inside a word
        lat, fgn = "A-Za-z" + chars(latin), chars(foreign)
        score -= 2 * occurrences(f"[{lat}][{fgn}]|[{fgn}][{lat}]")
    if upper:  # an upper-case letter right after a lower-case one
        score -= 3 * occurrences(f"(?<=[a-z{chars(lower)}])[{chars(upper)}]")
    if marks:  # a combining mark that follows no letter
        score -= 3 * occurrences(f"(?<!{_LETTER})[{chars(marks)}]")
    score -= 3 * occurrences(f"\u03c2(?={_LETTER})")  # Greek final sigma inside a word
    return score


def _utf16_without_bom(sample: bytes) -> str | None:
    """``utf-16-le``/``-be`` when most of every other byte is NUL (ASCII-range UTF-16)."""
    half = len(sample) // 2
    if half < 8:
        return None
    even, odd = sample[0:half * 2:2].count(0), sample[1:half * 2:2].count(0)
    if odd > 0.4 * half and even < 0.05 * half:
        return "utf-16-le"
    if even > 0.4 * half and odd < 0.05 * half:
        return "utf-16-be"
    return None
