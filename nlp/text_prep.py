"""The text contract: how a customer's words become what is stored and what models read.

One way for everybody (the ingest and enrich stages, training, the benchmarks)::

    raw text -> clean (Unicode, letters, digits, HTML) -> redact personal data   = stored text
    stored text -> sentences (placeholder-only ones dropped)                      = sentences
    each sentence -> placeholders removed                                          = model text

so the sentiment head is trained and measured on exactly what it meets at run time.
"""

from __future__ import annotations

from dataclasses import dataclass

from nlp.normalize import normalize_text
from nlp.redact import Redactor, strip_placeholders
from nlp.sentences import sentence_pieces


@dataclass(frozen=True)
class Sentence:
    """One sentence as stored (redacted, placeholders kept) and as models read it."""

    text: str
    model_text: str


def stored_text(raw: str, redactor: Redactor) -> str:
    """Raw customer text as the warehouse stores it: cleaned, personal data redacted.

    Example:
        >>> stored_text("Mail me: ana@example.com", Redactor())
        'Mail me: [EMAIL]'
    """
    return redactor.redact(normalize_text(raw))


def has_words(text: str) -> bool:
    """Whether anything but placeholders is left of a stored text."""
    return bool(strip_placeholders(text))


def model_text(text: str) -> str:
    """A stored sentence or document as models read it: placeholders removed."""
    return strip_placeholders(text)


def sentences(text: str) -> list[Sentence]:
    """A stored text's sentences, each with the text the models read."""
    return [Sentence(piece, model_text(piece)) for piece in sentence_pieces(text)]


def model_sentences(raw_texts: list[str], redactor: Redactor | None = None) -> list[list[str]]:
    """Raw texts all the way to what models read: stored, split, placeholders removed.

    Used by training and the benchmarks to see a text as the pipeline does.
    """
    redactor = redactor or Redactor()
    return [[s.model_text for s in sentences(stored_text(t, redactor))] for t in raw_texts]
