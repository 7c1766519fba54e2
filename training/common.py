"""What the training scripts share: their command line and the embedder they train over."""

from __future__ import annotations

import argparse
from pathlib import Path

from nlp.builtin_model import BUILTIN_MODEL_NAME
from nlp.embedding import SentenceTransformerEmbedder


def training_args(description: str, out_dir: str, version: str,
                  argv: list[str] | None) -> argparse.Namespace:
    """--datasets, --cache-dir, --out-dir and --version, run from the repository's root."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--datasets", type=Path, default=Path("../shared/datasets"))
    parser.add_argument("--cache-dir", type=Path, default=Path("data/models"))
    parser.add_argument("--out-dir", type=Path, default=Path(out_dir))
    parser.add_argument("--version", default=version)
    return parser.parse_args(argv)


def builtin_embedder(cache_dir: Path) -> SentenceTransformerEmbedder:
    """The built-in encoder the shipped heads read, as the pipeline runs it."""
    return SentenceTransformerEmbedder(BUILTIN_MODEL_NAME, cache_dir=cache_dir, batch_size=64,
                                       show_progress=True)
