"""Tests for nlp.keywords."""

from __future__ import annotations

import pytest

from nlp.keywords import keyword_document, keyword_documents, keyword_tokens, stop_words
from nlp.normalize import normalize_text

ZWNJ = "\u200c"

# A realistic complaint per language, and content words that must survive in it.
SENTENCES: dict[str, tuple[str, set[str]]] = {
    "en": (
        "I really didn't get my order and the app still keeps crashing, would you please "
        "help me? It's just one of those things.",
        {"order", "app", "crashing", "help"},
    ),
    "de": (
        "Ich habe meine Bestellung immer noch nicht bekommen und die App stürzt ständig ab, "
        "bitte helfen Sie mir.",
        {"bestellung", "app", "stürzt", "helfen"},
    ),
    "fr": (
        "Je n'ai toujours pas reçu ma commande et l'application plante sans arrêt, "
        "qu'est-ce que je dois faire ?",
        {"reçu", "commande", "application", "plante"},
    ),
    "es": (
        "Todavía no he recibido mi pedido y la aplicación se cierra todo el tiempo, "
        "por favor ayúdenme.",
        {"recibido", "pedido", "aplicación", "cierra"},
    ),
    "el": (
        "Δεν έχω λάβει ακόμα την παραγγελία μου και η εφαρμογή κολλάει συνέχεια, "
        "παρακαλώ βοηθήστε με.",
        {"παραγγελία", "εφαρμογή", "κολλάει"},
    ),
    "fa": (
        "من هنوز سفارشم را دریافت نکرده\u200cام و برنامه مدام بسته می\u200cشود، "
        "لطفا کمکم کنید چون خیلی عصبانی هستم.",
        {"سفارشم", "دریافت", "برنامه", "عصبانی"},
    ),
    "ar": (
        "لم أستلم طلبي حتى الآن والتطبيق يتوقف عن العمل باستمرار، من فضلك ساعدوني لأنني غاضب جدا.",
        {"طلبي", "يتوقف", "العمل", "غاضب"},
    ),
    "he": (
        "עדיין לא קיבלתי את ההזמנה שלי והאפליקציה קורסת כל הזמן, בבקשה תעזרו לי כי אני ממש כועס.",
        {"ההזמנה", "קורסת", "כועס"},
    ),
}


@pytest.mark.parametrize("lang", sorted(SENTENCES))
def test_no_stop_word_survives(lang: str) -> None:
    text, content = SENTENCES[lang]
    tokens = keyword_tokens(text, lang)
    stops = stop_words(lang)
    assert not set(tokens) & stops
    assert content <= set(tokens)


@pytest.mark.parametrize("lang", sorted(SENTENCES))
def test_stop_words_are_normalised_lowercase(lang: str) -> None:
    stops = stop_words(lang)
    assert len(stops) > 100
    for word in stops:
        assert word == word.lower()
        assert normalize_text(word) == word or "\u064a" in word or "\u0643" in word


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", {"get", "got", "also", "would", "still", "just", "really", "one"}),
        ("de", {"bitte", "danke", "wirklich", "noch"}),
        ("fr", {"merci", "vraiment", "aussi"}),
        ("es", {"gracias", "también", "todavía"}),
        ("el", {"ευχαριστώ", "παρακαλώ", "επίσης"}),
        ("fa", {"لطفا", "خیلی", "ممنون"}),
        ("ar", {"شكرا", "أيضا", "جدا"}),
        ("he", {"תודה", "בבקשה", "עדיין"}),
    ],
)
def test_feedback_fillers_are_stop_words(lang: str, words: set[str]) -> None:
    assert words <= stop_words(lang)


class TestPersian:
    def test_zwnj_word_stays_one_token(self) -> None:
        tokens = keyword_tokens(f"سفارش را می{ZWNJ}خواهم لغو کنم", "fa")
        assert f"می{ZWNJ}خواهم" in tokens
        assert "خواهم" not in tokens

    def test_stop_words_in_persian_spelling(self) -> None:
        stops = stop_words("fa")
        assert "این" in stops  # Persian yeh, as normalize_text writes Persian
        assert "یک" in stops  # both yeh and keheh

    def test_arabic_keyboard_spelling_also_stopped(self) -> None:
        # No Persian-only letter, so normalize_text keeps the Arabic ي; still a stop word.
        assert "اين" in stop_words("fa")
        assert keyword_tokens("اين هم خيلي بد", "fa") == ["بد"]

    def test_stop_word_typed_without_zwnj(self) -> None:
        assert f"می{ZWNJ}شود" in stop_words("fa")
        assert "میشود" in stop_words("fa")


def test_greek_stop_words_without_accents() -> None:
    # Capitals drop accents: "ΕΙΝΑΙ" lower-cases to "ειναι".
    assert keyword_tokens("ΤΟ ΠΡΟΪΟΝ ΕΙΝΑΙ ΧΑΛΑΣΜΕΝΟ", "el") == ["προϊον", "χαλασμενο"]


def test_arabic_stop_word_without_hamza() -> None:
    assert "ايضا" in stop_words("ar")


def test_stop_words_typed_without_accents() -> None:
    # Turkish and Spanish customers often type without diacritics: "cok" for "çok".
    assert keyword_tokens("yemek cok soguktu", "tr") == ["yemek", "soguktu"]
    assert "mas" in stop_words("es")


def test_egyptian_spelling_of_an_arabic_stop_word() -> None:
    assert {"في", "فى"} <= stop_words("ar")


class TestRemoved:
    def test_placeholders_handles_urls_emails(self) -> None:
        text = (
            "Contact [EMAIL] or [PHONE] about [ORDER], see https://shop.example.com/help "
            "www.example.org or mail jane.doe@example.com, cc @SupportTeam [URL] refund"
        )
        tokens = keyword_tokens(text, "en")
        assert tokens == ["contact", "mail", "cc", "refund"]

    def test_bracketed_customer_words_are_not_placeholders(self) -> None:
        assert keyword_tokens("[Update] refund arrived", "en") == ["update", "refund", "arrived"]

    def test_numbers_punctuation_and_short_tokens(self) -> None:
        tokens = keyword_tokens("Paid 49.99 € twice!!! ORD-2026-48213 x 3rd 2x (refund)", "en")
        assert tokens == ["paid", "twice", "refund"]

    def test_lowercased(self) -> None:
        assert keyword_tokens("REFUND Delivery", "en") == ["refund", "delivery"]

    def test_french_elision_and_apostrophe_variants(self) -> None:
        tokens = keyword_tokens("L’appli plante, qu’est-ce qu'il faut faire ?", "fr")
        assert tokens == ["appli", "plante", "faut"]


def test_unknown_language_uses_multilingual_tokenizer() -> None:
    assert stop_words("und") == frozenset()
    assert keyword_tokens("Pedido atrasado [EMAIL] 123", "und") == ["pedido", "atrasado"]
    assert keyword_tokens("Pedido atrasado", "zz") == ["pedido", "atrasado"]


def test_keyword_document_joins_with_single_spaces() -> None:
    doc = keyword_document(f"The  app\ncrashes [EMAIL]   می{ZWNJ}خواهم", "en")
    assert doc == f"app crashes می{ZWNJ}خواهم"
    assert keyword_document("the and of", "en") == ""


def test_normalises_before_tokenising() -> None:
    # HTML, Arabic-Indic digits and a Persian/Arabic keyboard mix all resolve first.
    assert keyword_tokens("<p>پیک</p> <b>دير</b> ۱۲ تحویل", "fa") == ["پیک", "دیر", "تحویل"]


def test_rare_language_keeps_its_stop_words_without_its_tokenizer() -> None:
    texts = ["Le colis est arrivé cassé", "Das Paket kam kaputt an", "Das Paket kam zu spät"]
    langs = ["fr", "de", "de"]
    docs = keyword_documents(texts, langs, own_tokenizer_from=2)
    # German is common enough for its own tokenizer: the same as one text at a time.
    assert docs[1:] == [keyword_document(t, "de") for t in texts[1:]]
    # French is rare here: multilingual tokenizer, French stop words still dropped.
    assert docs[0].split() == keyword_tokens(texts[0], "fr", own_tokenizer=False)
    assert not set(docs[0].split()) & stop_words("fr")
    assert {"colis", "cassé"} <= set(docs[0].split())


def test_elisions_need_the_language_tokenizer() -> None:
    text = "L'application plante"
    assert keyword_tokens(text, "fr") == ["application", "plante"]
    assert keyword_tokens(text, "fr", own_tokenizer=False) != ["application", "plante"]


def test_languages_whose_tokenizer_needs_extra_packages_still_lose_stop_words() -> None:
    # spaCy's Japanese and Vietnamese tokenizers need packages we do not install; their
    # stop-word lists are read all the same.
    assert "これ" in stop_words("ja")
    tokens = keyword_tokens("tôi là khách hàng", "vi")
    assert "hàng" in tokens and not {"tôi", "là"} & set(tokens)
