"""The sentiment branch: the encoder's top layers, tuned for sentiment, beside the untuned ones.

The embedding model runs its bottom layers once per sentence. Their output (the *trunk
states*) feeds both the model's own top layers, which make the embedding every theme is
built on (unchanged), and a copy of those top layers tuned on labelled customer text,
which reads sentiment. A document's sentiment is read over the trunk states of all its
sentences at once: the tuned layers attend across sentences, so "The room was clean. Not
worth the price though." is read as one text, at the cost of a few layers, not of a
second encoder pass.

Shipped as ``nlp/weights/branch/<name>.safetensors`` (the tuned layers and a linear
classifier) with a ``.json`` beside it; ``training/sentiment_branch.py`` reproduces it.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from torch import nn

LABELS = ("negative", "neutral", "positive")
# Trunk states of a document longer than this many tokens are cut (its first sentences).
MAX_DOCUMENT_TOKENS = 512


def additive_mask(mask: torch.Tensor) -> torch.Tensor:
    """(batch, tokens) 1/0 mask as the (batch, 1, 1, tokens) additive mask BERT layers take."""
    return (1.0 - mask[:, None, None, :].to(torch.float32)) * torch.finfo(torch.float32).min


class SentimentBranch(nn.Module):
    """Tuned copies of an encoder's top layers, mean pooling and a linear classifier.

    Args:
        layers: the top layers to tune (copied; the encoder keeps its own).
        dim: the hidden size.
        dropout: dropout before the classifier while training.
    """

    def __init__(self, layers: Sequence[nn.Module], dim: int, dropout: float = 0.1) -> None:
        super().__init__()
        self.layers = nn.ModuleList(copy.deepcopy(layer) for layer in layers)
        self.dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(dim, len(LABELS))

    @property
    def depth(self) -> int:
        return len(self.layers)

    def forward(self, states: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Logits (batch, 3) from trunk states (batch, tokens, dim) and their 1/0 mask."""
        hidden = states
        extended = additive_mask(mask)
        for layer in self.layers:
            out = layer(hidden, attention_mask=extended)
            hidden = out[0] if isinstance(out, tuple) else out
        weights = mask.to(hidden.dtype).unsqueeze(-1)
        pooled = (hidden * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1.0)
        return self.classifier(self.dropout(pooled))


def pad(states: Sequence[np.ndarray]) -> tuple[torch.Tensor, torch.Tensor]:
    """Variable-length (tokens, dim) arrays as one zero-padded batch and its mask."""
    longest = max(len(s) for s in states)
    dim = states[0].shape[1]
    batch = np.zeros((len(states), longest, dim), dtype=np.float32)
    mask = np.zeros((len(states), longest), dtype=np.int64)
    for i, s in enumerate(states):
        batch[i, : len(s)] = s
        mask[i, : len(s)] = 1
    return torch.from_numpy(batch), torch.from_numpy(mask)


def document_states(sentence_states: Sequence[np.ndarray], limit: int = MAX_DOCUMENT_TOKENS
                    ) -> np.ndarray:
    """A document's trunk states: its sentences' token states one after another, cut at
    ``limit`` tokens."""
    joined = np.concatenate(list(sentence_states), axis=0)
    return joined[:limit]


@torch.inference_mode()
def branch_log_probabilities(branch: SentimentBranch, states: Sequence[np.ndarray],
                             batch_size: int = 64) -> np.ndarray:
    """(n, 3) log-probabilities in the order of :data:`LABELS`; batches of similar length."""
    branch.eval()
    out = np.zeros((len(states), len(LABELS)), dtype=np.float32)
    order = np.argsort([len(s) for s in states], kind="stable")
    for start in range(0, len(order), batch_size):
        rows = order[start : start + batch_size]
        batch, mask = pad([states[i] for i in rows])
        out[rows] = torch.log_softmax(branch(batch, mask), dim=-1).numpy()
    return out


def save_branch(branch: SentimentBranch, path: Path, metadata: dict) -> None:
    """Write the branch (``.safetensors``, half precision) and its metadata (``.json``)."""
    from safetensors.torch import save_file

    tensors = {k: v.detach().to(torch.float16).contiguous()
               for k, v in branch.state_dict().items()}
    path.parent.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(path.with_suffix(".safetensors")))
    meta = {"depth": branch.depth} | metadata
    path.with_suffix(".json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n",
                                         encoding="utf-8")


def load_branch(path: Path, encoder_layers: Sequence[nn.Module]) -> tuple[SentimentBranch, dict]:
    """Load a branch saved by :func:`save_branch` onto copies of ``encoder_layers`` (the
    encoder's top layers, which give the branch its shape)."""
    from safetensors.torch import load_file

    meta = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    depth = int(meta["depth"])
    if depth > len(encoder_layers):
        raise ValueError(
            f"branch {path.stem!r} has {depth} layers; the encoder {len(encoder_layers)}")
    top = list(encoder_layers)[-depth:]
    state = {k: v.to(torch.float32) for k, v in load_file(str(path)).items()}
    branch = SentimentBranch(top, int(state["classifier.weight"].shape[1]))
    branch.load_state_dict(state)
    branch.eval()
    return branch, meta


@torch.inference_mode()
def encode_with_trunk(model: nn.Module, texts: Sequence[str], depth: int, *,
                      batch_size: int = 64) -> tuple[np.ndarray, list[np.ndarray]]:
    """Embed texts with a sentence-transformers ``model`` (texts carry their prefix) and keep
    the states that enter its top ``depth`` layers, in one pass.

    Returns:
        Unit-length embeddings (n, dim) exactly as the model makes them, and per text its
        trunk states (tokens, dim), float16, padding cut.
    """
    bert = model[0].auto_model
    layers = bert.encoder.layer
    captured: list[torch.Tensor] = []

    def keep(_module: nn.Module, _inputs: tuple, output: torch.Tensor | tuple) -> None:
        captured.append(output[0] if isinstance(output, tuple) else output)

    handle = layers[len(layers) - depth - 1].register_forward_hook(keep)
    try:
        dim = bert.config.hidden_size
        vectors = np.zeros((len(texts), dim), dtype=np.float32)
        trunk: list[np.ndarray] = [np.zeros((0, dim), np.float16)] * len(texts)
        order = np.argsort([-len(t) for t in texts], kind="stable")
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            features = model.tokenize([texts[i] for i in rows])
            captured.clear()
            out = model(features)
            vectors[rows] = torch.nn.functional.normalize(out["sentence_embedding"], dim=-1).numpy()
            states = captured[0].to(torch.float16).numpy()
            lengths = features["attention_mask"].sum(dim=1).tolist()
            for j, i in enumerate(rows):
                trunk[i] = states[j, : lengths[j]].copy()
        return vectors, trunk
    finally:
        handle.remove()
