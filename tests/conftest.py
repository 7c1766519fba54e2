"""Shared fixtures. Everything runs offline on data the project ships."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MODEL_CACHE = ROOT / "data" / "models"

# Nothing in the suite may reach a model hub or send analytics.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
# The key of the pseudonymous customer_key (a run refuses to start without one).
TEST_CUSTOMER_KEY_SECRET = "test-only-customer-key-secret-0123456789"
os.environ.setdefault("VOC_CUSTOMER_KEY_SECRET", TEST_CUSTOMER_KEY_SECRET)


@pytest.fixture(scope="session")
def embedder():
    """The built-in multilingual embedding model (built once into data/models)."""
    from nlp.embedding import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(cache_dir=MODEL_CACHE)


def write_project_config(root: Path, **overrides: str) -> Path:
    """A copy of configs/voc.toml under ``root/configs`` whose sources read the shipped
    samples and whose warehouse, reports and model cache are set for a test."""
    text = (ROOT / "configs" / "voc.toml").read_text(encoding="utf-8")
    text = text.replace('path = "data/samples/', f'path = "{ROOT}/data/samples/')
    text = text.replace('cache_dir = "data/models"', f'cache_dir = "{MODEL_CACHE}"')
    # The samples are outside the test's project root: allow their folder.
    assert "\nallowed_roots = []\n" in text, "configs/voc.toml has no allowed_roots line"
    text = text.replace("\nallowed_roots = []\n",
                        f'\nallowed_roots = ["{ROOT}/data/samples/"]\n')
    for old, new in overrides.items():
        assert old in text, f"{old!r} not in the shipped config"
        text = text.replace(old, new)
    config = root / "configs" / "voc.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(text, encoding="utf-8")
    return config
