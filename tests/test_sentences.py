"""Tests for nlp.sentences."""

from __future__ import annotations

import pytest

from nlp.normalize import normalize_text
from nlp.sentences import split_sentences

# One realistic three-sentence complaint per language, written in its own script.
MULTILINGUAL_CASES: dict[str, tuple[str, list[str]]] = {
    "en": (
        "My order arrived two weeks late. The box was damaged! Will I get a refund?",
        ["My order arrived two weeks late.", "The box was damaged!", "Will I get a refund?"],
    ),
    "de": (
        "Die Lieferung kam viel zu spät. Das Paket war beschädigt! Bekomme ich mein Geld zurück?",
        [
            "Die Lieferung kam viel zu spät.",
            "Das Paket war beschädigt!",
            "Bekomme ich mein Geld zurück?",
        ],
    ),
    "fr": (
        "Ma commande est arrivée en retard. Le colis était abîmé ! Vais-je être remboursé ?",
        [
            "Ma commande est arrivée en retard.",
            "Le colis était abîmé !",
            "Vais-je être remboursé ?",
        ],
    ),
    "es": (
        "Mi pedido llegó tarde. ¡La caja estaba dañada! ¿Me van a devolver el dinero?",
        ["Mi pedido llegó tarde.", "¡La caja estaba dañada!", "¿Me van a devolver el dinero?"],
    ),
    "el": (
        "Η παραγγελία μου άργησε πολύ. Το κουτί ήταν χτυπημένο! Θα πάρω πίσω τα χρήματά μου;",
        [
            "Η παραγγελία μου άργησε πολύ.",
            "Το κουτί ήταν χτυπημένο!",
            "Θα πάρω πίσω τα χρήματά μου;",
        ],
    ),
    "he": (
        "ההזמנה שלי הגיעה באיחור. הקופסה הייתה פגועה! האם אקבל החזר כספי?",
        ["ההזמנה שלי הגיעה באיחור.", "הקופסה הייתה פגועה!", "האם אקבל החזר כספי?"],
    ),
    "ar": (
        "وصل طلبي متأخرا. كانت العلبة تالفة! هل سأسترد أموالي؟ شكرا لكم۔",
        ["وصل طلبي متأخرا.", "كانت العلبة تالفة!", "هل سأسترد أموالي؟", "شكرا لكم۔"],
    ),
    "fa": (
        "سفارشم با تاخیر رسید. جعبه آسیب دیده بود! آیا پولم را پس می\u200cگیرم؟",
        ["سفارشم با تاخیر رسید.", "جعبه آسیب دیده بود!", "آیا پولم را پس می\u200cگیرم؟"],
    ),
}


@pytest.mark.parametrize("lang", sorted(MULTILINGUAL_CASES))
def test_splits_each_language(lang: str) -> None:
    text, expected = MULTILINGUAL_CASES[lang]
    assert split_sentences(normalize_text(text)) == expected


def test_greek_question_mark_before_normalisation() -> None:
    # U+037E is the Greek question mark; NFKC turns it into ";". Both must split.
    raw = "Πού είναι η παραγγελία μου\u037e Την περιμένω μια εβδομάδα."
    expected_tail = "Την περιμένω μια εβδομάδα."
    assert split_sentences(raw)[1] == expected_tail
    assert split_sentences(normalize_text(raw)) == [
        "Πού είναι η παραγγελία μου;",
        expected_tail,
    ]


def test_semicolon_in_latin_text_does_not_split() -> None:
    text = "The app is slow; the support is worse. Fix it."
    assert split_sentences(text) == ["The app is slow; the support is worse.", "Fix it."]


def test_semicolon_after_latin_word_in_greek_sentence_splits() -> None:
    # The sentence is Greek even though its last word is a Latin brand name.
    text = "Γιατί δεν λειτουργεί το Wi-Fi; Το δοκίμασα ξανά."
    assert split_sentences(text) == ["Γιατί δεν λειτουργεί το Wi-Fi;", "Το δοκίμασα ξανά."]


@pytest.mark.parametrize(
    "text",
    [
        "The price went up from 3.5 to 4.99 euros overnight",
        "Order ORD-2026-48213 is still marked as processing",
        "Please see https://shop.example.com/help?id=42&lang=en for details",
        "Write to support.team@example.co.uk if it happens again",
        "Mr. Smith and Dr. Jones said it was fixed",
        "The app crashes on old phones, e.g. on Android 9, etc. and nobody cares",
        "Die App ist z.B. auf dem Tablet bzw. am Handy langsam",
        "Am 3. Mai kam wieder nichts an",
        "La Sra. García dijo que p.ej. el envío tarda más",
        "M. Dupont dit que c'est normal",
        "Το κατάστημα π.χ. δεν απαντά ποτέ",
        "I wrote to J. K. Miller twice",
        "See item No. 5 in the list",
    ],
)
def test_no_split_inside_numbers_abbreviations_and_identifiers(text: str) -> None:
    assert split_sentences(text) == [text]


def test_sentence_end_after_number_url_and_order_id() -> None:
    text = "It costs 3.5. Go to https://example.com/faq. My order is ORD-2026-48213. Thanks!"
    assert split_sentences(text) == [
        "It costs 3.5.",
        "Go to https://example.com/faq.",
        "My order is ORD-2026-48213.",
        "Thanks!",
    ]


def test_ordinary_word_no_still_ends_a_sentence() -> None:
    assert split_sentences("I said no. Then they hung up.") == [
        "I said no.",
        "Then they hung up.",
    ]


def test_newlines_split() -> None:
    assert split_sentences("Great product\nTerrible delivery\n\nWould not order again") == [
        "Great product",
        "Terrible delivery",
        "Would not order again",
    ]


def test_ellipsis_and_repeated_marks() -> None:
    assert split_sentences("Well… it broke again?!! Unbelievable...") == [
        "Well…",
        "it broke again?!!",
        "Unbelievable...",
    ]


def test_closing_quote_stays_with_sentence() -> None:
    assert split_sentences('They said "it will ship today." It did not.') == [
        'They said "it will ship today."',
        "It did not.",
    ]


def test_arabic_script_without_space_after_mark() -> None:
    # Phone keyboards often leave out the space after ؟ or between two Persian sentences.
    assert split_sentences("لماذا تأخر الطلب؟لم يصل حتى الآن") == [
        "لماذا تأخر الطلب؟",
        "لم يصل حتى الآن",
    ]
    assert split_sentences("ممنون.خیلی خوب بود") == ["ممنون.", "خیلی خوب بود"]


def test_no_terminal_punctuation_is_one_sentence() -> None:
    text = "delivery was late and nobody answered the phone"
    assert split_sentences(text) == [text]


def test_pieces_without_letters_dropped() -> None:
    assert split_sentences("Great service! :) 10/10 !!!") == ["Great service!"]
    assert split_sentences("123. 456!") == []
    assert split_sentences("") == []
    assert split_sentences("   \n  ") == []


def test_one_letter_fragment_merged_into_previous_sentence() -> None:
    assert split_sentences("The strap broke after a day. A") == ["The strap broke after a day. A"]
    assert split_sentences("Terrible service. 5/5 a! Never again.") == [
        "Terrible service. 5/5 a!",
        "Never again.",
    ]


def test_leading_one_letter_fragment_merged_forward() -> None:
    assert split_sentences("A\nbroken screen on arrival.") == ["A broken screen on arrival."]
