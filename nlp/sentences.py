"""Rule-based sentence splitting for multilingual customer feedback.

Customer feedback is short, informal and mixed: it holds order numbers, prices, URLs and
e-mail addresses, and it is written in several scripts. A statistical splitter per language is
overkill here; a few explicit rules cover Latin, Greek, Hebrew and Arabic-script text alike.
The input is expected to be normalised (see :mod:`nlp.normalize`), but raw text works too.
"""

from __future__ import annotations

import re

__all__ = ["split_sentences"]

# A run of sentence-final marks: . ! ? … plus the Arabic question mark (U+061F), the Arabic
# full stop (U+06D4) and the Greek question mark (U+037E, in case the text skipped NFKC).
# A lone ";" is a candidate too; it only ends a sentence in Greek text (checked below).
# Closing quotes and brackets belong to the sentence they close.
_CANDIDATE_RE = re.compile(r"(?:[.!?…\u061f\u06d4\u037e]+|;)[\"'”’»›)\]}]*")
# Marks that always end a sentence when followed by a space; "." needs more checks.
_STRONG_MARKS = frozenset("!?…\u061f\u06d4\u037e")
# These never occur inside URLs, numbers or Latin abbreviations, so they end a sentence even
# when the writer typed no space after them (common on phone keyboards: "چرا؟خیلی").
_SPACELESS_MARKS = frozenset("\u061f\u06d4")
_OPENERS = "\"'“‘«‹([{¿¡"

# Lower-cased abbreviations (with their final period) after which a period does not end the
# sentence. Mostly titles and Latin-script shorthand from our languages; Hebrew and Arabic
# rarely abbreviate with a period, and single letters (initials, Arabic "د.") are handled apart.
_ABBREVIATIONS_TEXT = """
    mr. mrs. ms. dr. prof. sr. jr. st. mt. vs. etc. e.g. i.e. approx. appt. apt. dept.
    inc. ltd. co. corp. tel. fig. vol. ca. cf. resp. incl. excl. avg.
    jan. feb. apr. jun. jul. aug. sep. sept. oct. nov. dec.
    z.b. bzw. usw. u.a. d.h. evtl. ggf. inkl. zzgl. vgl. bspw. sog. nr. str. hr. fr. frl.
    ggü. o.ä. u.ä. s.o. s.u. z.t. u.u. v.a. abs. bzgl. gebr. jh.
    mme. mlle. mm. cie. env. p.ex. bd. boul. tél.
    sra. srta. ud. uds. dra. p.ej. pág. págs. aprox. núm. núms. tfno. avda. dto.
    π.χ. δηλ. κλπ. κτλ. αρ. τηλ. κ.ά. βλ. σελ. οδ. λ.χ.
"""
_ABBREVIATIONS = frozenset(_ABBREVIATIONS_TEXT.split())
# Also ordinary words ("no", "art"), so they are abbreviations only before a number: "No. 5".
_NUMBER_ABBREVIATIONS = frozenset({"no.", "nos.", "art.", "pp."})
# "am 3. Mai": German writes day-of-month ordinals with a period.
_MONTHS_TEXT = """
    januar jänner februar märz april mai juni juli august september oktober november dezember
    jan feb mär apr jun jul aug sep sept okt nov dez
"""
_MONTHS = frozenset(_MONTHS_TEXT.split())
# Dotted shorthand such as "z.B", "p.ex", "u.s.a" (the final period is not part of the token).
_DOTTED_RE = re.compile(r"(?:[^\W\d_]{1,3}\.)+[^\W\d_]{1,3}")


def _is_greek(ch: str) -> bool:
    return "\u0370" <= ch <= "\u03ff" or "\u1f00" <= ch <= "\u1fff"


def _is_latin_letter(ch: str) -> bool:
    return ch.isalpha() and (ch < "\u0250" or "\u1e00" <= ch <= "\u1eff")


def _count_letters(text: str) -> int:
    return sum(ch.isalpha() for ch in text)


def _previous_token(line: str, end: int) -> str:
    start = end
    while start > 0 and not line[start - 1].isspace():
        start -= 1
    return line[start:end].lstrip(_OPENERS)


def _next_word(line: str, start: int) -> str:
    match = re.match(r"\s*(\w+)", line[start:])
    return match.group(1) if match else ""


def _period_ends_sentence(line: str, mark_start: int, mark_end: int) -> bool:
    token = _previous_token(line, mark_start)
    lowered = token.lower()
    if not token:
        return True
    if lowered + "." in _ABBREVIATIONS:
        return False
    next_word = _next_word(line, mark_end)
    if lowered + "." in _NUMBER_ABBREVIATIONS and next_word[:1].isdigit():
        return False
    # A single letter before a period is an initial ("J. Smith") or an Arabic-script
    # abbreviation ("د. أحمد" = Dr. Ahmed), not the end of a sentence.
    if len(token) == 1 and token.isalpha():
        return False
    if _DOTTED_RE.fullmatch(token):
        return False
    return not (token.isdigit() and len(token) <= 2 and next_word.lower() in _MONTHS)


def _is_boundary(line: str, match: re.Match[str], segment_start: int) -> bool:
    marks = match.group().rstrip("\"'”’»›)]}")
    end = match.end()
    after = line[end] if end < len(line) else ""
    before = line[match.start() - 1] if match.start() > 0 else ""

    if after and not after.isspace():
        if any(ch in _SPACELESS_MARKS for ch in marks):
            return True
        # Without a following space, "." and "?" are usually inside a URL, e-mail, number or
        # code; only between two non-Latin letters ("ممنون.خیلی") is it a missing space, and
        # even then not after a single letter, as in the abbreviation "π.χ.".
        if marks == ";" or not (before.isalpha() and after.isalpha()):
            return False
        if _is_latin_letter(before) or _is_latin_letter(after):
            return False
        return len(_previous_token(line, match.start())) > 1

    if marks == ";":
        # After NFKC the Greek question mark is ";"; elsewhere ";" is only a semicolon.
        segment = line[segment_start : match.start()]
        greek = sum(1 for ch in segment if ch.isalpha() and _is_greek(ch))
        letters = _count_letters(segment)
        return letters > 0 and greek * 2 > letters
    if any(ch in _STRONG_MARKS for ch in marks) or len(marks) > 1:
        return True
    return _period_ends_sentence(line, match.start(), end)


def _split_line(line: str) -> list[str]:
    pieces: list[str] = []
    start = 0
    for match in _CANDIDATE_RE.finditer(line):
        if _is_boundary(line, match, start):
            pieces.append(line[start : match.end()])
            start = match.end()
    pieces.append(line[start:])
    return pieces


def split_sentences(text: str) -> list[str]:
    """Split feedback text into sentences.

    A sentence ends after ``. ! ? …``, the Arabic question mark ``؟``, the Arabic full stop
    ``۔`` (each with any closing quotes or brackets), at a newline, and at ``;`` when it follows
    Greek text (the Greek question mark after NFKC). The mark stays on its sentence. A period
    does not end a sentence inside numbers (``3.5``), URLs, e-mail addresses or order numbers
    (no space follows it there), after known abbreviations (``Dr.``, ``z.B.``, ``etc.``,
    ``p.ej.``, ``π.χ.``...), after a single letter (initials) or in German dates (``3. Mai``).

    Pieces without any letter (``"!!!"``, ``":)"``, ``"5/5"``) are dropped, and a piece with a
    single letter is merged into the sentence before it (or after it, if it comes first).

    Args:
        text: Feedback text, ideally the output of :func:`nlp.normalize.normalize_text`.

    Returns:
        The sentences, stripped, in order. Text without terminal punctuation or newline is a
        single sentence; text without letters gives an empty list.
    """
    raw: list[str] = []
    for line in text.splitlines():
        raw.extend(piece.strip() for piece in _split_line(line))

    sentences: list[str] = []
    pending = ""  # a one-letter piece that came before any real sentence
    for piece in raw:
        letters = _count_letters(piece)
        if letters == 0:
            continue
        if letters < 2:
            if sentences:
                sentences[-1] = f"{sentences[-1]} {piece}"
            else:
                pending = f"{pending} {piece}".strip()
            continue
        if pending:
            piece = f"{pending} {piece}"
            pending = ""
        sentences.append(piece)
    if pending:
        # Only one-letter pieces in the whole text: still a sentence, just a tiny one.
        sentences.append(pending)
    return sentences


def sentence_pieces(text: str) -> list[str]:
    """The sentences a cleaned (redacted) text is stored and analysed as.

    Sentences that are only placeholders ("[EMAIL]") are dropped; a text with no other
    sentence stays one piece. Models read each piece with its placeholders removed
    (``nlp.redact.strip_placeholders``).
    """
    from nlp.redact import strip_placeholders

    return [p for p in split_sentences(text) if strip_placeholders(p)] or [text]
