"""Tests for nlp.normalize."""

from __future__ import annotations

import hashlib

import pytest

from nlp.normalize import normalize_text, text_hash

ZWNJ = "\u200c"


class TestHtml:
    def test_tags_removed_and_entities_unescaped(self) -> None:
        assert normalize_text("<b>Fast</b> &amp; <i>cheap</i> &lt;3") == "Fast & cheap <3"

    def test_block_tags_break_words_apart(self) -> None:
        assert normalize_text("<p>Late delivery</p><p>Box damaged</p>") == (
            "Late delivery\nBox damaged"
        )
        assert normalize_text("first<br>second<br/>third") == "first\nsecond\nthird"
        assert normalize_text("<div>one</div><div>two</div>") == "one\ntwo"

    def test_table_cells_become_spaces(self) -> None:
        assert normalize_text("<tr><td>price</td><td>too high</td></tr>") == "price too high"

    def test_script_and_style_content_dropped(self) -> None:
        html = (
            "<style>.x{color:red}</style>Great<script type='text/javascript'>"
            "alert('hi')</script> product<!-- tracking -->"
        )
        assert normalize_text(html) == "Great product"

    def test_plain_angle_brackets_survive(self) -> None:
        # Not tags: a comparison and a heart must stay in the customer's text.
        assert normalize_text("price a < b > c") == "price a < b > c"

    def test_escaped_markup_stays_text(self) -> None:
        assert normalize_text("I typed &lt;b&gt; in the form") == "I typed <b> in the form"


class TestUnicode:
    def test_nfkc(self) -> None:
        assert normalize_text("ｆｕｌｌｗｉｄｔｈ ﬁle") == "fullwidth file"

    def test_greek_question_mark_becomes_semicolon(self) -> None:
        assert normalize_text("Πού είναι\u037e") == "Πού είναι;"

    def test_arabic_presentation_forms_become_letters(self) -> None:
        # U+FEFB is the lam-alef ligature; U+FE8D the isolated alef.
        assert normalize_text("\ufefb\ufe8d") == "\u0644\u0627\u0627"


class TestArabicScript:
    def test_persian_text_gets_persian_yeh_and_keheh(self) -> None:
        # Typed partly on an Arabic keyboard: ي and ك next to Persian-only گ.
        assert normalize_text("گوشي كار نمي\u200cكند") == "گوشی کار نمی\u200cکند"

    def test_persian_alef_maksura_becomes_yeh(self) -> None:
        assert normalize_text("پیگیرى") == "پیگیری"

    def test_persian_yeh_alone_marks_persian(self) -> None:
        # Old Persian keyboards typed ي; one ی is enough to know the text is Persian.
        assert normalize_text("این خيلي بد است") == "این خیلی بد است"

    def test_mixed_keyboards_give_one_spelling_per_language(self) -> None:
        assert normalize_text("كيك بزرگ") == normalize_text("کیک بزرگ") == "کیک بزرگ"
        assert normalize_text("مدرسة كبيرة") == normalize_text("مدرسة کبیرة") == "مدرسة كبيرة"

    def test_arabic_text_keeps_arabic_forms(self) -> None:
        text = "الخدمة سيئة جدا ولم يصل الكتاب"
        assert normalize_text(text) == text

    def test_arabic_text_gets_arabic_yeh_and_kaf(self) -> None:
        # Arabic typed on a Persian keyboard: ی and ک, but teh marbuta (ة) marks it as Arabic.
        assert normalize_text("الخدمة سيئة جدا في المدينة والكتاب مفقود یا أخی") == (
            "الخدمة سيئة جدا في المدينة والكتاب مفقود يا أخي"
        )
        assert normalize_text("مدينة كبيرة ک") == "مدينة كبيرة ك"

    def test_tatweel_and_harakat_removed(self) -> None:
        assert normalize_text("كِتَابٌ") == "كتاب"
        assert normalize_text("جـــدا") == "جدا"
        assert normalize_text("هٰذا") == "هذا"

    def test_alef_madda_is_composed_not_stripped(self) -> None:
        # NFKC composes alef + maddah into آ; removing harakat must not break it.
        assert normalize_text("\u0627\u0653خر") == "آخر"

    def test_digits_become_ascii(self) -> None:
        assert normalize_text("سفارش ۱۲۳۴ و ٥٦٧") == "سفارش 1234 و 567"


class TestInvisibleCharacters:
    def test_zwnj_between_letters_kept(self) -> None:
        assert normalize_text(f"می{ZWNJ}خواهم") == f"می{ZWNJ}خواهم"

    def test_zwnj_runs_collapse(self) -> None:
        assert normalize_text(f"می{ZWNJ}{ZWNJ}{ZWNJ}خواهم") == f"می{ZWNJ}خواهم"

    @pytest.mark.parametrize(
        "text",
        [f"{ZWNJ}سلام", f"سلام{ZWNJ}", f"سلام {ZWNJ}دنیا", f"سلام{ZWNJ}.", f"۱{ZWNJ}۲"],
    )
    def test_zwnj_elsewhere_removed(self, text: str) -> None:
        assert ZWNJ not in normalize_text(text)

    @pytest.mark.parametrize(
        "char", ["\u200b", "\u200d", "\ufeff", "\u2060", "\u200e", "\u200f", "\u202b", "\u2067"]
    )
    def test_zero_width_and_bidi_removed(self, char: str) -> None:
        assert normalize_text(f"{char}re{char}fund{char}") == "refund"

    def test_bidi_mark_next_to_zwnj_does_not_break_it(self) -> None:
        assert normalize_text(f"می\u200f{ZWNJ}خواهم") == f"می{ZWNJ}خواهم"


class TestWhitespace:
    def test_runs_collapse_and_ends_strip(self) -> None:
        assert normalize_text("  too\t\tmany   spaces \u00a0 here  ") == "too many spaces here"

    def test_single_newlines_kept(self) -> None:
        assert normalize_text("line one  \r\n\r\n  line two\rline three") == (
            "line one\nline two\nline three"
        )

    def test_empty_and_markup_only(self) -> None:
        assert normalize_text("") == ""
        assert normalize_text("  <p> </p>  ") == ""


def test_idempotent_on_mixed_text() -> None:
    text = "<p>سفارش  ۱۲ نرسيد</p> &amp; Mr.\u200b Smith\u200f said: می\u200c\u200cخواهم"
    once = normalize_text(text)
    assert normalize_text(once) == once


def test_text_hash_is_sha256_of_utf8() -> None:
    text = "می\u200cخواهم"
    assert text_hash(text) == hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert len(text_hash("")) == 64
    assert text_hash("a") != text_hash("b")
