"""Keyword tokens for theme labels, in any of our languages.

Theme labels are built by counting words per theme (a whitespace-tokenising CountVectorizer
over :func:`keyword_document`). Only content words should be counted: no stop words, no
punctuation or numbers, no redaction placeholders or links. Tokenisation uses spaCy's blank
pipelines (rule-based tokenizer and stop-word list only, no model download), one per language.
"""

from __future__ import annotations

import functools
import re
import runpy
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from importlib import resources

import spacy
from spacy.language import Language

from nlp.normalize import normalize_text

__all__ = ["keyword_document", "keyword_documents", "keyword_tokens", "stop_words"]

MULTILINGUAL = "xx"

# Words that carry no theme in customer feedback, missing from spaCy's general-purpose lists:
# fillers, politeness, intensifiers and light verbs. Written as users type them; they are
# normalised like the text before use.
_EXTRA_STOP_WORDS: dict[str, str] = {
    "en": """
        get gets getting got gotten also would could should still just really one ones
        please pls plz thanks thank thx hi hello hey ok okay yes yeah lol even much lot lots
        thing things like im ive dont didnt doesnt cant couldnt wont wouldnt isnt wasnt
        arent havent hasnt ur guys anyway actually literally basically totally though
        ago came come comes coming went go goes going asked ask want wanted said say says
        told tell
    """,
    "de": """
        bekommen bekommt bekam bekommt habe hab hatte gibt gab geht ging gehen auch würde
        würden noch immer einfach wirklich echt eins bitte danke hallo hi ok okay mal halt
        eben ganz schon leider gerade eigentlich irgendwie total nen ne sowieso
    """,
    "fr": """
        avoir eu obtenu aussi encore toujours juste vraiment un une merci bonjour salut svp
        stp ok okay ça ca cest jai fait faire très trop déjà bref genre
        qu' qu’ jusqu' jusqu’ lorsqu' lorsqu’ puisqu' puisqu’
    """,
    "es": """
        obtener obtuve tener tengo tenía también todavía aún aun solo sólo realmente
        uno una gracias hola favor porfa ok vale muy hace hacer ya pues bueno vez cosa
        cosas siempre nada
    """,
    "el": """
        επίσης ακόμα ακόμη απλά απλώς πραγματικά ένα ευχαριστώ παρακαλώ γεια πολύ έχω είχα
        είχαμε πήρα έχει λίγο οκ εντάξει καλημέρα
    """,
    "fa": """
        هم خیلی واقعا فقط هنوز یک یه لطفا ممنون مرسی سلام دیگه دیگر کنم کنید کردم کرد
        کردند شد شده شدم هست است بود بودم میشه می‌شود می‌کنم دارم داشتم اینکه ولی چون
        الان باید خب حتی
    """,
    "ar": """
        أيضا ايضا مازال لازال يزال فقط حقا جدا واحد واحدة شكرا مرحبا سلام لو سمحت فضلك يعني
        كثير كثيرا لقد قد عندي كان كانت تم هناك الآن يوجد توجد يكن تكن
    """,
    "he": """
        גם עדיין רק באמת אחד אחת תודה בבקשה שלום מאוד ממש פשוט היה הייתה קיבלתי יש אין
        כבר עוד אבל כי שוב
    """,
}

# Redaction placeholders ([EMAIL], [ORDER_ID]: upper-case, so a customer's "[Update]" stays),
# links, e-mail addresses and @handles are not words a customer chose, so they are cut out
# before tokenising (spaCy would split "[EMAIL]" into "[", "EMAIL", "]" and let "email" through).
_MASK_RE = re.compile(
    r"\[[A-Z][A-Z0-9_]*\]"
    r"|(?i:https?://|www\.)\S+"
    r"|\S+@\S+\.\w+"
    r"|@\w+"
)
_APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'", "‘": "'"})
_TO_PERSIAN = str.maketrans({"\u064a": "\u06cc", "\u0649": "\u06cc", "\u0643": "\u06a9"})
_TO_ARABIC = str.maketrans({"\u06cc": "\u064a", "\u06a9": "\u0643"})
# Informal Arabic often drops the hamza: أيضا / ايضا.
_BARE_ALEF = str.maketrans({"\u0623": "\u0627", "\u0625": "\u0627", "\u0622": "\u0627"})
_ZWNJ = "\u200c"


def _spacy_code(lang: str) -> str:
    code = (lang or "").strip().lower().replace("_", "-").split("-")[0]
    return code or MULTILINGUAL


@functools.lru_cache(maxsize=32)
def _pipeline(code: str) -> Language:
    try:
        return spacy.blank(code)
    except ImportError:
        # Unknown codes ("und") and languages whose tokenizer needs an extra package
        # (ja, ko, th, vi) get the multilingual tokenizer instead of failing the whole run.
        return spacy.blank(MULTILINGUAL)


def _strip_accents(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word)
    return unicodedata.normalize(
        "NFC", "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    )


def _variants(word: str, code: str) -> Iterable[str]:
    """Yield the spellings under which ``word`` can reach the stop-word check."""
    word = normalize_text(word).lower().translate(_APOSTROPHES)
    if not word:
        return
    yield word
    if "'" in word:
        yield word.replace("'", "’")
    if code == "fa":
        # spaCy's Persian list uses ی/ک like our normalised Persian, but a short Persian text
        # typed on an Arabic keyboard has no Persian-only letter, keeps ي/ك after
        # normalize_text, and must still lose its stop words.
        persian = word.translate(_TO_PERSIAN)
        for spelling in (persian, persian.translate(_TO_ARABIC)):
            yield spelling
            # Many users skip the ZWNJ and glue the parts: میشود for می‌شود.
            if _ZWNJ in spelling:
                yield spelling.replace(_ZWNJ, "")
    elif code == "ar":
        yield word.translate(_TO_ARABIC)
        yield word.translate(_TO_ARABIC).translate(_BARE_ALEF)
        # Egyptian spelling ends a word in alef maqsura: فى for في.
        if word.endswith("ي"):
            yield word[:-1] + "ى"
    else:
        # Greek, Turkish, Spanish, ... are often typed without accents ("cok" for "çok"),
        # and Greek capitals drop them.
        yield _strip_accents(word).replace("ı", "i")


@functools.lru_cache(maxsize=32)
def stop_words(lang: str) -> frozenset[str]:
    """Return the stop words for a language, spelled as :func:`keyword_tokens` spells tokens.

    spaCy's list for the language plus a few words that carry no theme in customer feedback
    (fillers, politeness, light verbs), lower-cased and passed through
    :func:`nlp.normalize.normalize_text`. Persian words are added in both ی/ک and ي/ك spelling,
    Arabic words also without hamza on the alef, Greek words also without accents, and words
    with an apostrophe with both ``'`` and ``’``.

    Args:
        lang: ISO 639-1 code such as ``"fa"``; unknown codes (``"und"``) get the multilingual
            pipeline, which has no stop words of its own.

    Returns:
        The stop words.
    """
    code = _spacy_code(lang)
    own = _spacy_stop_words(code)
    if own is None:
        code, own = MULTILINGUAL, frozenset()
    words = set(own) | set(_EXTRA_STOP_WORDS.get(code, "").split())
    return frozenset(variant for word in words for variant in _variants(word, code))


@functools.lru_cache(maxsize=64)
def _spacy_stop_words(code: str) -> frozenset[str] | None:
    """spaCy's stop-word list for a language, None when it has none. Read from its
    ``stop_words.py`` (a plain list, importing nothing): importing the language package would
    build its tokenizer exceptions first."""
    if not code.isalpha() or code == MULTILINGUAL:
        return None
    path = resources.files("spacy.lang") / code / "stop_words.py"
    if not path.is_file():
        return None
    return frozenset(runpy.run_path(str(path))["STOP_WORDS"])




def _letters_and_digits(token: str) -> tuple[int, int]:
    letters = sum(ch.isalpha() for ch in token)
    digits = sum(ch.isdigit() for ch in token)
    return letters, digits


def keyword_tokens(text: str, lang: str, *, own_tokenizer: bool = True) -> list[str]:
    """Return the content words of a text, lower-cased, in order.

    The text is normalised (:func:`nlp.normalize.normalize_text`), redaction placeholders
    (``[EMAIL]``, ``[PHONE]``, ``[URL]``, ``[ORDER]``...), URLs, e-mail addresses and
    ``@handles`` are cut out, and the rest is tokenised with ``spacy.blank(lang)``. Dropped:
    stop words (:func:`stop_words`), punctuation, numbers, tokens with fewer than 2 letters,
    and tokens with at least as many digits as letters (order numbers, ``4g``). Persian words
    joined by a zero-width non-joiner (می‌خواهم) stay one token.

    Args:
        text: Feedback text, raw or normalised.
        lang: ISO 639-1 language code of the text (``"und"`` is fine).
        own_tokenizer: False tokenises with the multilingual tokenizer (cheaper to build;
            the language's stop words still apply).

    Returns:
        The keyword tokens.
    """
    code = _spacy_code(lang)
    nlp = _pipeline(code if own_tokenizer else MULTILINGUAL)
    stops = stop_words(code)
    cleaned = _MASK_RE.sub(" ", normalize_text(text))
    tokens: list[str] = []
    for token in nlp.make_doc(cleaned):
        if token.is_space or token.is_punct or token.like_num or token.like_url:
            continue
        if token.like_email:
            continue
        # Hyphens and apostrophes at the edges are left over from splits ("qu'est-ce" gives
        # "-ce"); without them the stop-word check sees the real word.
        word = token.lower_.translate(_APOSTROPHES).strip("-'_.")
        letters, digits = _letters_and_digits(word)
        if letters < 2 or digits >= letters:
            continue
        if word in stops or word + "'" in stops:
            continue
        tokens.append(word)
    return tokens


def keyword_document(text: str, lang: str) -> str:
    """Return the keyword tokens of a text joined by single spaces.

    Meant as the input of a whitespace-tokenising ``CountVectorizer``
    (``token_pattern=None, tokenizer=str.split``, or ``analyzer=str.split``), so that
    vectoriser and :func:`keyword_tokens` agree on what a word is.

    Args:
        text: Feedback text, raw or normalised.
        lang: ISO 639-1 language code of the text.

    Returns:
        The tokens separated by single spaces; ``""`` when nothing is left.
    """
    return " ".join(keyword_tokens(text, lang))


def keyword_documents(texts: Sequence[str], langs: Sequence[str], *,
                      own_tokenizer_from: int = 1) -> list[str]:
    """:func:`keyword_document` for many texts; a language with fewer than
    ``own_tokenizer_from`` texts among them gets the multilingual tokenizer (see the module's
    docstring), with its own stop words."""
    per_language = Counter(_spacy_code(lang) for lang in langs)
    return [" ".join(keyword_tokens(text, lang,
                                    own_tokenizer=per_language[_spacy_code(lang)]
                                    >= own_tokenizer_from))
            for text, lang in zip(texts, langs, strict=True)]
