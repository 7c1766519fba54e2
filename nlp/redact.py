"""Personal-data redaction: replace what identifies a person by a typed placeholder.

Redaction runs before any text reaches an analysis table, an embedding, a model
or a report. Placeholders keep the sentence readable ("call me on [PHONE]").
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass

_DIGITS = "0-9\u06f0-\u06f9\u0660-\u0669"  # ASCII, Persian and Arabic-Indic digits

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_HANDLE = re.compile(r"(?<![\w@])@[A-Za-z0-9_]{2,30}\b")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,4})?\b")
_CARD = re.compile(rf"(?<![{_DIGITS}])(?:[{_DIGITS}][ -]?){{12,18}}[{_DIGITS}](?![{_DIGITS}])")
# IPv6 candidates (also compressed, "2001:db8::1"); ipaddress decides, so "10:30:00" stays.
_IPV6 = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])")
_IPV4 = re.compile(r"\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b")
# Dates (2026-09-14, 14.09.2026, 1405/06/23) have 8 digits too but are no phone numbers.
_DATE = (
    rf"(?:[{_DIGITS}]{{4}}([-./])[{_DIGITS}]{{1,2}}\1[{_DIGITS}]{{1,2}}"
    rf"|[{_DIGITS}]{{1,2}}([-./])[{_DIGITS}]{{1,2}}\2[{_DIGITS}]{{4}})(?![{_DIGITS}])"
)
# International (+49 151 23456789) or local (0912 345 6789) numbers with at least 8 digits.
_PHONE = re.compile(
    rf"(?<![{_DIGITS}\w])(?!{_DATE})"
    rf"(?:\+|00)?\(?[{_DIGITS}](?:[ .\-/()]{{0,2}}[{_DIGITS}]){{7,14}}(?![{_DIGITS}])"
)
_PLACEHOLDER = re.compile(r"\[(?:EMAIL|PHONE|URL|HANDLE|CARD|IBAN|IP|ORDER|ID)\]")


@dataclass(frozen=True)
class Redactor:
    """Replaces personal data with placeholders.

    Args:
        id_patterns: extra regular expressions (order or account numbers, from
            config) replaced by ``[ORDER]``.
    """

    id_patterns: tuple[str, ...] = ()

    def redact(self, text: str) -> str:
        """Return ``text`` with e-mails, URLs, handles, IBANs, cards, IPs, ids and phones
        replaced by ``[EMAIL]``, ``[URL]``, ``[HANDLE]``, ``[IBAN]``, ``[CARD]``,
        ``[IP]``, ``[ORDER]`` and ``[PHONE]``.

        >>> Redactor().redact("mail me at a.b@example.com")
        'mail me at [EMAIL]'
        """
        text = _EMAIL.sub("[EMAIL]", text)
        text = _URL.sub("[URL]", text)
        text = _HANDLE.sub("[HANDLE]", text)
        for pattern in self.id_patterns:
            text = re.sub(pattern, "[ORDER]", text)
        text = _IBAN.sub("[IBAN]", text)
        text = _CARD.sub(_card_or_phone, text)
        text = _IPV6.sub(_ipv6_or_keep, text)
        text = _IPV4.sub("[IP]", text)
        return _PHONE.sub("[PHONE]", text)


def _ipv6_or_keep(match: re.Match[str]) -> str:
    try:
        ipaddress.IPv6Address(match.group(0))
    except ValueError:
        return match.group(0)
    return "[IP]"


def _card_or_phone(match: re.Match[str]) -> str:
    digits = [int(_to_ascii_digit(c)) for c in match.group(0) if c.isdigit()]
    if 13 <= len(digits) <= 19 and _luhn_ok(digits):
        return "[CARD]"
    return match.group(0)  # left for the phone rule


def _to_ascii_digit(char: str) -> str:
    import unicodedata

    return str(unicodedata.digit(char))


def _luhn_ok(digits: list[int]) -> bool:
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def strip_placeholders(text: str) -> str:
    """Text for a model: placeholders removed, since they carry no meaning to learn from."""
    return re.sub(r"\s{2,}", " ", _PLACEHOLDER.sub(" ", text)).strip()


def contains_placeholder(texts: Iterable[str]) -> bool:
    """True if any text holds a redaction placeholder."""
    return any(_PLACEHOLDER.search(t) for t in texts)
