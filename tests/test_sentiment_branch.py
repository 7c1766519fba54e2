"""The sentiment branch reads the same trunk the embedding is made from."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from nlp.sentiment_branch import (
    SentimentBranch,
    additive_mask,
    branch_log_probabilities,
    document_states,
    encode_with_trunk,
    load_branch,
    pad,
    save_branch,
)

TEXTS = ["The food was cold.", "Η παράδοση άργησε πολύ και κανείς δεν απάντησε.",
         "خیلی بد است", "Refund please"]


def test_one_pass_gives_the_embedding_and_the_trunk(embedder) -> None:
    texts = [embedder.prefix + t for t in TEXTS]
    vectors, trunk = encode_with_trunk(embedder._model, texts, depth=2)
    assert np.allclose(vectors, embedder.encode(TEXTS), atol=1e-5)
    # The untuned top layers over the trunk, mean-pooled, are the embedding again.
    bert = embedder._model[0].auto_model
    branch = SentimentBranch(bert.encoder.layer[-2:], bert.config.hidden_size)
    batch, mask = pad([s.astype(np.float32) for s in trunk])
    with torch.no_grad():
        hidden = batch
        for layer in branch.layers:
            hidden = layer(hidden, attention_mask=additive_mask(mask))
        pooled = (hidden * mask.unsqueeze(-1)).sum(1) / mask.sum(1, keepdim=True)
    again = torch.nn.functional.normalize(pooled, dim=-1).numpy()
    assert np.allclose(again, vectors, atol=2e-2)  # the trunk is stored in half precision
    assert all(s.dtype == np.float16 and s.shape[1] == 384 for s in trunk)


def test_a_document_reads_its_sentences_in_order_up_to_a_limit() -> None:
    a, b = np.ones((3, 4), np.float16), np.zeros((5, 4), np.float16)
    assert document_states([a, b]).shape == (8, 4)
    assert document_states([a, b], limit=4)[:, 0].tolist() == [1, 1, 1, 0]


def test_a_saved_branch_loads_to_the_same_predictions(embedder, tmp_path) -> None:
    bert = embedder._model[0].auto_model
    torch.manual_seed(0)
    branch = SentimentBranch(bert.encoder.layer[-2:], bert.config.hidden_size)
    states = [np.random.default_rng(i).standard_normal((5 + i, 384)).astype(np.float16)
              for i in range(3)]
    save_branch(branch, tmp_path / "b", {"name": "b"})
    loaded, meta = load_branch(tmp_path / "b.safetensors", bert.encoder.layer)
    assert meta["depth"] == 2
    # Saved in half precision: the same decisions, log-probabilities within rounding.
    before = branch_log_probabilities(branch, states)
    after = branch_log_probabilities(loaded, states)
    assert np.allclose(before, after, atol=5e-2)
    assert (before.argmax(1) == after.argmax(1)).all()
    with pytest.raises(ValueError, match="layers"):
        load_branch(tmp_path / "b.safetensors", bert.encoder.layer[:1])
