"""The same feedback in any order gives the same themes (the pipeline's stages, no Prefect)."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path
from typing import Any

import duckdb
import pytest
from sklearn.metrics import adjusted_rand_score

from flows.config import load_config
from flows.request import preflight
from flows.run import run_pipeline
from tests.conftest import ROOT, write_project_config

SAMPLES = ROOT / "data" / "samples"


def _shuffled_samples(out: Path, seed: int) -> None:
    """The shipped samples with their records in another order."""
    rng = random.Random(seed)
    out.mkdir(parents=True)
    for name in ("reviews.csv", "survey.csv"):
        with (SAMPLES / name).open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
        header, body = rows[0], rows[1:]
        rng.shuffle(body)
        with (out / name).open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows([header, *body])
    lines = (SAMPLES / "social.jsonl").read_text(encoding="utf-8").splitlines()
    rng.shuffle(lines)
    (out / "social.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    chats = json.loads((SAMPLES / "chats.json").read_text(encoding="utf-8"))
    rng.shuffle(chats)
    (out / "chats.json").write_text(json.dumps(chats, ensure_ascii=False), encoding="utf-8")


def _run(config_path: Path) -> dict[str, Any]:
    config = load_config(config_path)
    result = run_pipeline(preflight(config))
    with duckdb.connect(str(config.resolve(config.warehouse.path)), read_only=True) as con:
        rows = con.execute("SELECT doc_id || ':' || sentence_idx, coalesce(topic_id, -1) "
                           "FROM sentences ORDER BY 1").fetchall()
        labels = sorted(r[0] for r in con.execute(
            "SELECT label FROM topics WHERE status = 'active'").fetchall())
    return {"assignments": dict(rows), "labels": labels, "models": result.models}


@pytest.mark.slow
def test_shuffled_input_gives_the_same_themes(tmp_path: Path) -> None:
    plain = _run(write_project_config(tmp_path / "a"))
    _shuffled_samples(tmp_path / "shuffled", seed=7)
    config = write_project_config(tmp_path / "b")
    config.write_text(config.read_text(encoding="utf-8").replace(
        f'"{SAMPLES}/', f'"{tmp_path / "shuffled"}/'), encoding="utf-8")
    shuffled = _run(config)
    keys = sorted(plain["assignments"])
    assert keys == sorted(shuffled["assignments"])
    assert len(set(plain["assignments"].values())) > 5  # there are themes to compare
    ari = adjusted_rand_score([plain["assignments"][k] for k in keys],
                              [shuffled["assignments"][k] for k in keys])
    assert ari >= 0.95
    assert plain["labels"] == shuffled["labels"]
    assert "seed 42" in plain["models"]["themes"]
