"""Tests for nlp.redact: personal data becomes typed placeholders, ordinary text stays."""

from __future__ import annotations

import pytest

from nlp.redact import Redactor, contains_placeholder, strip_placeholders

ORDER_PATTERN = r"\bORD-\d{4}-\d{4,6}\b"


@pytest.fixture(scope="module")
def redactor() -> Redactor:
    return Redactor(id_patterns=(ORDER_PATTERN,))


class TestEmailUrlHandle:
    def test_email(self, redactor: Redactor) -> None:
        assert redactor.redact("Schreiben Sie mir an jonas.weber+shop@mail.example.de bitte") == (
            "Schreiben Sie mir an [EMAIL] bitte"
        )

    def test_email_in_persian_sentence(self, redactor: Redactor) -> None:
        assert redactor.redact("ایمیل من hhosseini@mail.example.com است") == "ایمیل من [EMAIL] است"

    def test_url(self, redactor: Redactor) -> None:
        text = "Siehe https://shop.example.com/order?id=123 und www.example.org"
        assert redactor.redact(text) == "Siehe [URL] und [URL]"

    def test_handle(self, redactor: Redactor) -> None:
        assert redactor.redact("@maria_k η παραγγελία μου άργησε") == (
            "[HANDLE] η παραγγελία μου άργησε"
        )

    def test_handle_is_not_taken_from_an_email(self, redactor: Redactor) -> None:
        assert redactor.redact("a.b@example.com") == "[EMAIL]"


class TestPhone:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("Ruf mich an: +49 151 23456789", "Ruf mich an: [PHONE]"),
            ("Call me on 0912 345 6789 after six", "Call me on [PHONE] after six"),
            ("شماره من ۰۹۱۲ ۳۴۵ ۶۷۸۹ است", "شماره من [PHONE] است"),
            ("رقمي ٠٩١٢ ٣٤٥ ٦٧٨٩ من فضلك", "رقمي [PHONE] من فضلك"),
            ("Tel. 0049-30-1234567", "Tel. [PHONE]"),
            ("מספר הטלפון שלי 052-123-4567", "מספר הטלפון שלי [PHONE]"),
        ],
    )
    def test_phone_forms(self, redactor: Redactor, text: str, expected: str) -> None:
        assert redactor.redact(text) == expected

    def test_short_numbers_stay(self, redactor: Redactor) -> None:
        text = "Ich habe 3 Pakete für 129 Euro bestellt, Zimmer 12"
        assert redactor.redact(text) == text


class TestCardIbanIp:
    def test_luhn_valid_card(self, redactor: Redactor) -> None:
        assert redactor.redact("Karte 4111 1111 1111 1111 wurde zweimal belastet") == (
            "Karte [CARD] wurde zweimal belastet"
        )
        assert redactor.redact("card 4111-1111-1111-1111.") == "card [CARD]."

    def test_card_in_persian_digits(self, redactor: Redactor) -> None:
        assert redactor.redact("کارت ۴۱۱۱ ۱۱۱۱ ۱۱۱۱ ۱۱۱۱ دو بار") == "کارت [CARD] دو بار"

    def test_luhn_invalid_sixteen_digits_is_not_a_card(self, redactor: Redactor) -> None:
        out = redactor.redact("Sendungsnummer 4111 1111 1111 1112")
        assert "[CARD]" not in out

    def test_iban(self, redactor: Redactor) -> None:
        assert redactor.redact("IBAN DE89 3704 0044 0532 0130 00, bitte erstatten") == (
            "IBAN [IBAN], bitte erstatten"
        )
        assert redactor.redact("IBAN DE89370400440532013000") == "IBAN [IBAN]"

    def test_ipv4(self, redactor: Redactor) -> None:
        assert redactor.redact("Fehler von 192.168.10.254 aus") == "Fehler von [IP] aus"

    @pytest.mark.parametrize("address", ["2001:db8:85a3::8a2e:370:7334", "fe80::1ff:fe23:4567:890a",
                                         "2001:0db8:0000:0000:0000:ff00:0042:8329"])
    def test_ipv6(self, redactor: Redactor, address: str) -> None:
        assert redactor.redact(f"login from {address} failed") == "login from [IP] failed"

    @pytest.mark.parametrize("text", ["opens at 10:30:00 daily", "mix 1:2:3 ratio"])
    def test_times_and_ratios_are_not_ipv6(self, redactor: Redactor, text: str) -> None:
        assert redactor.redact(text) == text

    def test_phone_with_area_code_in_brackets(self, redactor: Redactor) -> None:
        assert redactor.redact("ruf an: (030) 1234-5678") == "ruf an: [PHONE]"

    def test_version_like_number_is_not_an_ip(self, redactor: Redactor) -> None:
        assert redactor.redact("App 4.12.1 crashes") == "App 4.12.1 crashes"


class TestIdsAndNonPersonalData:
    def test_order_pattern_from_config(self, redactor: Redactor) -> None:
        assert redactor.redact("Bestellung ORD-2026-12345 fehlt") == "Bestellung [ORDER] fehlt"
        assert redactor.redact("الطلب ORD-2026-1234 لم يصل") == "الطلب [ORDER] لم يصل"

    def test_order_pattern_needs_config(self) -> None:
        out = Redactor().redact("Bestellung ORD-2026-12345 fehlt")
        assert "[ORDER]" not in out

    @pytest.mark.parametrize(
        "text",
        [
            "Geliefert am 2026-09-14, bestellt am 2026-09-01.",
            "Η παράδοση έγινε στις 14.09.2026 αντί για 07.09.2026.",
            "The courier came on 14/09/2026 instead.",
            "سفارش ۱۴۰۵/۰۶/۲۳ رسید",
            "Timestamp 2026-09-14T10:22:00Z in the app log",
        ],
    )
    def test_dates_are_not_redacted(self, redactor: Redactor, text: str) -> None:
        assert redactor.redact(text) == text

    @pytest.mark.parametrize(
        "text",
        [
            "Die Versandkosten von 20 € sind zu hoch.",
            "Paid €1,299.99 for a blender that broke.",
            "המשלוח עלה 45 ₪ ולקח שבועיים",
            "Greek price 19,90 € για ένα καλώδιο",
            "Rated it 4/5 stars, 100% recommend",
        ],
    )
    def test_prices_and_numbers_are_not_redacted(self, redactor: Redactor, text: str) -> None:
        assert redactor.redact(text) == text

    def test_mixed_sentence(self, redactor: Redactor) -> None:
        text = (
            "Am 2026-09-14 schrieb ich an service@shop.example.com wegen ORD-2026-00042, "
            "Rückruf bitte unter +49 151 23456789."
        )
        assert redactor.redact(text) == (
            "Am 2026-09-14 schrieb ich an [EMAIL] wegen [ORDER], Rückruf bitte unter [PHONE]."
        )


class TestPlaceholders:
    def test_strip_placeholders(self) -> None:
        assert strip_placeholders("call me on [PHONE] or  [EMAIL] today") == "call me on or today"
        assert strip_placeholders("[URL]") == ""
        assert strip_placeholders("  [HANDLE]   ناراضی هستم  [ORDER] ") == "ناراضی هستم"

    def test_strip_keeps_other_brackets(self) -> None:
        assert strip_placeholders("[sic] the box was [EMPTY]") == "[sic] the box was [EMPTY]"

    def test_contains_placeholder(self) -> None:
        assert contains_placeholder(["fine", "mail [EMAIL] now"])
        assert not contains_placeholder(["fine", "[sic] no placeholder"])


class TestAsCustomersWriteThem:
    """Separators people type: slashes in phones, en dashes and dots in card numbers,
    scheme-relative links; each was stored as written."""

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("Tel 0151 / 2345 / 6789", "Tel [PHONE]"),
            ("Tel ۰۱۵۱ / ۲۳۴۵ / ۶۷۸۹ bitte", "Tel [PHONE] bitte"),
            ("call (212) 555-0123 or +44 20 7946 0958", "call [PHONE] or [PHONE]"),
            ("appelez le 06 12 34 56 78", "appelez le [PHONE]"),
            ("am 14.09.2026 0151 2345678 anrufen", "am 14.09.2026 [PHONE] anrufen"),
        ],
    )
    def test_phones(self, redactor: Redactor, text: str, expected: str) -> None:
        assert redactor.redact(text) == expected

    @pytest.mark.parametrize(
        "card",
        ["4111–1111–1111–1111", "4111—1111—1111—1111", "4111.1111.1111.1111",
         "4111/1111/1111/1111", "4111111111111111", "2223 0031 2200 3222",
         "6011 0009 9013 9424", "3782 822463 10005"],
    )
    def test_cards(self, redactor: Redactor, card: str) -> None:
        assert redactor.redact(f"card {card} charged twice") == "card [CARD] charged twice"

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("![p](//evil.example/t.gif)", "![p]([URL])"),
            ("[x](//evil.example)", "[x]([URL])"),
            ("see //cdn.evil.example/a?b=1.", "see [URL]."),
            ("(see https://shop.example.com/a)", "(see [URL])"),
            ("https://x.example/reset?token=a(1)SECRET done", "[URL] done"),
            ("WWW.Example.ORG/x and ftp://files.example.com/a", "[URL] and [URL]"),
        ],
    )
    def test_urls(self, redactor: Redactor, text: str, expected: str) -> None:
        assert redactor.redact(text) == expected

    @pytest.mark.parametrize(
        "text",
        ["and/or // a comment", "Terrible service.No refund, amazon.com is better",
         "the U.S. store", "ratio 1:2:3 at 10:30:00", "Timestamp 2026-09-14T10:22:00Z",
         "Paid 1.234.567,89 EUR", "Zimmer 1234567", "javascript:alert(1)"],
    )
    def test_ordinary_text_stays(self, redactor: Redactor, text: str) -> None:
        assert redactor.redact(text) == text

    def test_email_outside_the_public_suffix_list(self, redactor: Redactor) -> None:
        assert redactor.redact("mail o'brien@mail.co.il or ops@shop.internal") == (
            "mail [EMAIL] or [EMAIL]")

    def test_iban_needs_its_checksum(self, redactor: Redactor) -> None:
        assert redactor.redact("IBAN GB82 WEST 1234 5698 7654 32") == "IBAN [IBAN]"
        assert "[IBAN]" not in redactor.redact("code DE00 1234 5678 9012 3456 78")

    def test_finds_personal_data(self, redactor: Redactor) -> None:
        assert redactor.finds_personal_data("ruf 0151 / 2345 / 6789 an")
        assert not redactor.finds_personal_data("R-10001")
