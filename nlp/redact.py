"""Personal-data redaction: replace what identifies a person by a typed placeholder.

Redaction runs before any text reaches an analysis table, an embedding, a model
or a report. Placeholders keep the sentence readable ("call me on [PHONE]").

Maintained libraries find what they know, our own patterns cover what they do not:

- phones: ``phonenumbers`` (Google's libphonenumber), a number valid in one of the
  countries of our customers (:data:`PHONE_REGIONS`) or written internationally (``+``,
  ``00``); a run of 8 to 15 digits that libphonenumber finds a possible length of a phone
  number somewhere is redacted too (a mistyped number, a country outside the list);
- e-mails, card numbers (Luhn), IBANs (checksum), IPv4 and IPv6 addresses: Presidio's
  pattern recognisers (``presidio-analyzer``), called directly, without an NLP pipeline.
  Ours add e-mails at domains outside the public-suffix list (``name@shop.internal``) and
  Luhn-valid cards Presidio's pattern does not know (Mastercard's 2-series, 18 and 19
  digits);
- ours alone: URLs (``http(s)://``, ``ftp://``, ``www.`` and scheme-relative ``//host``;
  Presidio's URL recogniser is not used: its pattern without a scheme takes every domain
  name and a missing space, "service.No refund", for a URL), @handles, the configured
  order or account numbers (``privacy.id_patterns``).

Every detector sees the text with Persian, Arabic-Indic and full-width digits as ASCII
digits, Unicode dashes as ``-`` and no-break spaces as spaces, so ``۰۹۱۲ ۳۴۵ ۶۷۸۹``,
``4111–1111–1111–1111`` and ``0151 / 2345 / 6789`` are caught like their plain forms; card
numbers may also be grouped with dots or slashes. Dates (``2026-09-14``, ``14.09.2026``,
``1405/06/23``) are never taken for phone numbers.

Cost: the libraries run only on texts a cheap check finds worth it (an ``@``, a long run of
digits, an IBAN or IP shape), so plain feedback costs a few regular-expression scans.
Presidio is imported on first use: about 10 s, since its package imports its NLP engines
(and with them torch and transformers, when installed).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

import phonenumbers

# Countries of our customers: national numbers are checked against their numbering plans.
# Numbers with a country code (+49 ..., 0049 ...) are recognised whatever the region.
PHONE_REGIONS = ("DE", "GB", "US", "FR", "ES", "IT", "NL", "GR", "IL", "IR", "SA", "AE", "EG")

# The detection view: one character for one, so a match's span is the original's span.
_VIEW = str.maketrans({
    **{chr(0x06F0 + i): str(i) for i in range(10)},  # Persian digits
    **{chr(0x0660 + i): str(i) for i in range(10)},  # Arabic-Indic digits
    **{chr(0xFF10 + i): str(i) for i in range(10)},  # full-width digits
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d", "-"),
    **dict.fromkeys("\u00a0\u2007\u202f\u3000", " "),
    "\uff0b": "+",
})

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# With a scheme, "www.", or scheme-relative ("//host.tld/..."), up to the next space; its
# trailing punctuation and unopened closing brackets are the sentence's (see _url).
_URL = re.compile(
    r"(?:\b(?:https?|ftp)://|\bwww\d{0,3}\.|(?<![\w:/])//(?=[\w-]+(?:\.[\w-]+)+))\S+",
    re.IGNORECASE,
)
_CLOSERS = {")": "(", "]": "[", ">": "<", "}": "{"}
_HANDLE = re.compile(r"(?<![\w@])@[A-Za-z0-9_]{2,30}\b")
# Card candidates: 13-19 digits, grouped by single spaces, dashes, dots or slashes (the
# view has made every dash "-"); Luhn decides.
_CARD = re.compile(r"(?<!\d)(?<!\d[.,/-])\d(?:[ .\-/]?\d){12,18}(?![\d])")
_CARD_SEPARATORS = re.compile(r"(?<=\d)[./](?=\d)")
_IBAN_SHAPE = re.compile(r"[A-Z]{2}\d{2}")  # Presidio reads upper-case IBANs only
_IP_SHAPE = re.compile(r"\d\.\d{1,3}\.\d|[0-9A-Fa-f]:[0-9A-Fa-f]*:")
# Dates have 8 digits too but are no phone numbers (2026-09-14, 14.09.2026, 1405/06/23).
_DATE = re.compile(
    r"(?<!\d)(?:\d{4}([-./])\d{1,2}\1\d{1,2}|\d{1,2}([-./])\d{1,2}\2\d{4})(?!\d)")
# Phone candidates: runs of 7 to 17 digits grouped by up to three of space . - / ( )
# ("0151 / 2345 / 6789", "(030) 1234-5678"); libphonenumber decides (see _phones).
_PHONE = re.compile(r"(?<![\w+])(?:\+|\()?\d(?:[ .\-/()]{0,3}\d){6,16}(?!\d)")
_PLACEHOLDER = re.compile(r"\[(?:EMAIL|PHONE|URL|HANDLE|CARD|IBAN|IP|ORDER|ID)\]")

Span = tuple[int, int]


@dataclass(frozen=True)
class Redactor:
    """Replaces personal data with placeholders.

    Args:
        id_patterns: extra regular expressions (order or account numbers, from
            config) replaced by ``[ORDER]``.
    """

    id_patterns: tuple[str, ...] = ()

    def redact(self, text: str) -> str:
        """Return ``text`` with e-mails, URLs, handles, order ids, IBANs, cards, IPs and
        phones replaced by ``[EMAIL]``, ``[URL]``, ``[HANDLE]``, ``[ORDER]``, ``[IBAN]``,
        ``[CARD]``, ``[IP]`` and ``[PHONE]``, in that order (what one took, the next does
        not see).

        >>> Redactor().redact("mail me at a.b@example.com")
        'mail me at [EMAIL]'
        """
        if "@" in text:
            text = _replace(text, _emails(text), "[EMAIL]")
        if "//" in text or "ww" in text or "WW" in text:
            text = _URL.sub(_url, text)
        if "@" in text:
            text = _HANDLE.sub("[HANDLE]", text)
        for pattern in self.id_patterns:
            text = re.sub(pattern, "[ORDER]", text)
        view = text.translate(_VIEW)
        if _IBAN_SHAPE.search(view):
            text = _replace(text, _presidio("iban", view), "[IBAN]")
            view = text.translate(_VIEW)
        if _CARD.search(view):
            text = _replace(text, _cards(view), "[CARD]")
            view = text.translate(_VIEW)
        if _IP_SHAPE.search(view):
            text = _replace(text, _presidio("ip", view), "[IP]")
            view = text.translate(_VIEW)
        if _PHONE.search(view):
            text = _replace(text, _phones(view), "[PHONE]")
        return text

    def finds_personal_data(self, text: str) -> bool:
        """Whether :meth:`redact` would replace anything in ``text``."""
        return self.redact(text) != text


def _replace(text: str, spans: Iterable[Span], placeholder: str) -> str:
    """``text`` with each span (overlapping ones merged) replaced by ``placeholder``."""
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    for start, end in reversed(merged):
        text = text[:start] + placeholder + text[end:]
    return text


def _url(match: re.Match[str]) -> str:
    """``[URL]`` and what follows the URL: "(see https://x.example/a)." keeps its ")."."""
    url = match.group(0)
    end = len(url)
    while end > 1:
        last = url[end - 1]
        opener = _CLOSERS.get(last)
        if last in ".,;:!?'\"" or (opener and url.count(last, 0, end) > url.count(opener, 0, end)):
            end -= 1
        else:
            break
    return "[URL]" + url[end:]


def _emails(text: str) -> list[Span]:
    view = text.translate(_VIEW)
    return _presidio("email", view) + [m.span() for m in _EMAIL.finditer(view)]


def _cards(view: str) -> list[Span]:
    """Luhn-valid card numbers: Presidio's recogniser and our wider candidates."""
    grouped = _CARD_SEPARATORS.sub("-", view)  # "4111.1111.1111.1111" as Presidio knows it
    spans = _presidio("card", grouped)
    spans += [m.span() for m in _CARD.finditer(view) if _luhn_ok(m.group(0))]
    return spans


def _luhn_ok(number: str) -> bool:
    digits = [int(c) for c in number if c.isdigit()]
    if not 13 <= len(digits) <= 19:
        return False
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _phones(view: str) -> list[Span]:
    """Phone numbers in the candidate runs of digits: valid in one of :data:`PHONE_REGIONS`
    (or international), else a possible number's length with 8 to 15 digits; never a date."""
    # Dates are masked (one character for one), so a date next to a number is neither taken
    # for one nor glued to it.
    view = _DATE.sub(lambda m: "#" * len(m.group(0)), view)
    spans: list[Span] = []
    for candidate in _PHONE.finditer(view):
        raw, offset = candidate.group(0), candidate.start()
        found = _valid_phones(raw)
        if not found and 8 <= sum(c.isdigit() for c in raw) <= 15 and _possible_phone(raw):
            found = [(0, len(raw))]
        spans += [(offset + s, offset + e) for s, e in found]
    return spans


def _valid_phones(raw: str) -> list[Span]:
    """Numbers valid in a region of :data:`PHONE_REGIONS` (from 8 digits, or 7 after "+"),
    region after region until every digit of ``raw`` is in one."""
    digits = sum(c.isdigit() for c in raw)
    if digits < 8 and not raw.startswith("+"):
        return []
    spans: set[Span] = set()
    for region in PHONE_REGIONS:
        for match in phonenumbers.PhoneNumberMatcher(raw, region,
                                                     leniency=phonenumbers.Leniency.VALID):
            spans.add((match.start, match.end))
        covered = sum(c.isdigit() for s, e in spans for c in raw[s:e])
        if covered >= digits:
            break
    return sorted(spans)


def _possible_phone(raw: str) -> bool:
    for region in PHONE_REGIONS:
        try:
            number = phonenumbers.parse(raw, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_possible_number(number):
            return True
    return False


def _presidio(kind: str, view: str) -> list[Span]:
    """Spans Presidio's ``kind`` recogniser finds (validated, or scored at least 0.5)."""
    recognizer = _recognizers()[kind]
    return [(r.start, r.end) for r in recognizer.analyze(view, recognizer.supported_entities)
            if r.score >= 0.5]


@cache
def _recognizers() -> dict[str, Any]:
    """Presidio's pattern recognisers, built once, offline.

    tldextract (which validates an e-mail's domain) is pointed at the public-suffix list its
    package ships: by default it would download the list.
    """
    import tldextract
    import tldextract.tldextract
    from presidio_analyzer.predefined_recognizers import (
        CreditCardRecognizer,
        EmailRecognizer,
        IbanRecognizer,
        IpRecognizer,
    )

    tldextract.tldextract.TLD_EXTRACTOR = tldextract.TLDExtract(suffix_list_urls=(),
                                                                cache_dir=None)
    return {"email": EmailRecognizer(), "card": CreditCardRecognizer(),
            "iban": IbanRecognizer(), "ip": IpRecognizer()}


def strip_placeholders(text: str) -> str:
    """Text for a model: placeholders removed, since they carry no meaning to learn from."""
    return re.sub(r"\s{2,}", " ", _PLACEHOLDER.sub(" ", text)).strip()


def contains_placeholder(texts: Iterable[str]) -> bool:
    """True if any text holds a redaction placeholder."""
    return any(_PLACEHOLDER.search(t) for t in texts)
