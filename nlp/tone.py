"""Tone or cause: does a sentence say what went wrong, or only how the customer feels?

"Unacceptable!", "Never again.", "Thanks in advance", "#fail": such sentences carry
emotion, emphasis or politeness and no cause. Clustered with the rest they gather into
themes of their own ("unacceptable / ridiculous") that outrank real causes, although they
belong to whatever their document complains about. So a theme is found from the sentences
that state a cause, and a tone-only sentence joins its document's cause (see
:func:`nlp.theme_identity.follow_documents`).

A sentence states a cause when

- it has content words at all (:func:`nlp.keywords.keyword_documents`: a sentence of stop
  words, placeholders, emoji or handles has none), and
- the *tone head* reads a cause in it: a logistic regression over the sentence embedding,
  trained on review sentences in seven languages labelled with what they are about
  (``training/tone.py``; general verdicts such as "Great place!" against sentences about
  food, service, prices, rooms...) and on online-banking questions. It reads the same
  vectors the themes do, so it costs one matrix product; a sentence beside a clearer cause
  in its own document needs a higher probability (``COMPANION_THRESHOLD``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

import numpy as np

DEFAULT_TONE_HEAD = "tone-e5-small-v1"
# The probability a sentence needs when another sentence of its document reads more clearly
# as a cause. Chosen on development data (banking77 train queries with tone phrases of our
# own, SemEval-2016 train-half reviews): at the head's own threshold (0.4) 13% of the added
# phrases were read as causes and gathered into a theme of their own; at 0.5, 7% and none.
COMPANION_THRESHOLD = 0.5


class ToneHead:
    """``P(states a cause) = sigmoid(vectors @ coef + intercept)``.

    Args:
        coef: (dim,) weights over unit-length sentence embeddings.
        intercept: the bias.
        threshold: a sentence states a cause when its probability is at least this.
        name: the head's name (recorded with every run).
        embedding_model: the embedding model it was trained on.
    """

    def __init__(self, coef: np.ndarray, intercept: float, *, threshold: float, name: str,
                 embedding_model: str) -> None:
        if coef.ndim != 1:
            raise ValueError(f"a tone head has one weight vector, got shape {coef.shape}")
        if not 0.0 < threshold < 1.0:
            raise ValueError(f"the tone head's threshold must be in (0, 1): {threshold}")
        self.coef = coef.astype(np.float32)
        self.intercept = float(intercept)
        self.threshold = threshold
        self.name = name
        self.embedding_model = embedding_model

    def cause_probability(self, vectors: np.ndarray) -> np.ndarray:
        """Per row of ``vectors``, the probability that the sentence states a cause."""
        if len(vectors) == 0:
            return np.zeros(0, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[1] != self.coef.shape[0]:
            raise ValueError(
                f"tone head {self.name!r} expects {self.coef.shape[0]}-dimensional embeddings "
                f"from {self.embedding_model!r}, got shape {vectors.shape}")
        logits = vectors.astype(np.float32) @ self.coef + self.intercept
        return (1.0 / (1.0 + np.exp(-logits))).astype(np.float32)

    def states_cause(self, vectors: np.ndarray, doc_ids: Sequence[str] | None = None
                     ) -> np.ndarray:
        """True where the head reads a cause in a sentence (see
        :func:`nlp.themes.cause_sentences` for the rest of the rule).

        With ``doc_ids``, a sentence beside one of its document that reads more clearly as
        a cause needs :data:`COMPANION_THRESHOLD`: "Not happy." after a question about a
        card is more likely tone than the same words alone.
        """
        p = self.cause_probability(vectors)
        stated = p >= self.threshold
        if doc_ids is None or len(p) == 0:
            return stated
        _, doc = np.unique(np.asarray(doc_ids, dtype=object), return_inverse=True)
        clearest = np.full(int(doc.max()) + 1, -np.inf, dtype=np.float32)
        np.maximum.at(clearest, doc, p)
        return stated & ((p >= clearest[doc]) | (p >= max(COMPANION_THRESHOLD, self.threshold)))

    def save(self, path: Path, metadata: dict) -> None:
        """Write weights (``.npz``) and metadata (``.json`` beside it)."""
        np.savez_compressed(path.with_suffix(".npz"), coef=self.coef,
                            intercept=np.array([self.intercept], dtype=np.float32))
        meta = {"name": self.name, "embedding_model": self.embedding_model,
                "threshold": self.threshold} | metadata
        path.with_suffix(".json").write_text(json.dumps(meta, indent=2, ensure_ascii=False)
                                             + "\n", encoding="utf-8")


def load_tone_head(name: str = DEFAULT_TONE_HEAD) -> ToneHead:
    """Load a shipped tone head by name.

    Raises:
        ValueError: no shipped head has that name; the message lists the valid ones.
    """
    weights_dir = Path(str(resources.files("nlp").joinpath("weights", "tone")))
    path = weights_dir / f"{name}.npz"
    if not path.exists():
        valid = sorted(p.stem for p in weights_dir.glob("*.npz"))
        raise ValueError(f"unknown tone head {name!r}; valid names: {valid}")
    data = np.load(path)
    meta = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    return ToneHead(data["coef"], float(data["intercept"][0]), threshold=meta["threshold"],
                    name=meta["name"], embedding_model=meta["embedding_model"])
