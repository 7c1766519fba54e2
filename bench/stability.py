r"""Themes that last: reproducibility, id stability across nights, and sentence-level quality.

Every night is a whole run of the pipeline (:func:`flows.run.run_pipeline`) on a real
warehouse, with the banking77 test queries (3,080 online-banking questions, 77 intents) as
a review export:

- **shuffled runs**: night one on the export as given and on the same rows shuffled;
  adjusted Rand index between the two runs' sentence themes (goal >= 0.95);
- **id stability**: night two adds 10% new queries to night one's warehouse, once as a
  normal night (new sentences assigned) and once with a forced refit; the share of night
  one's sentences whose theme id is unchanged (goal >= 95%);
- **sentence level**: NMI, ARI and the share of sentences without a theme against the
  intents (a sentence carries its query's intent), next to plain BERTopic with default
  settings on the same sentence embeddings.

    python -m bench.stability --datasets ../shared/datasets
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl

from bench.common import BENCH_SECRET, DEFAULT_DATASETS, MODEL_CACHE, machine_info

SEED = 20261123
NEW_SHARE = 0.10
EXTRA_SPLIT_SEEDS = (SEED + 2, SEED + 4)


def _write_export(rows: list[dict[str, str]], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["id", "at", "body"])
        writer.writeheader()
        writer.writerows(rows)


def _config(project: Path, exports: list[Path]) -> Any:
    from flows.config import VocConfig

    return VocConfig.model_validate({
        "warehouse": {"path": str(project / "voc.duckdb")},
        "models": {"cache_dir": str(MODEL_CACHE)},
        "sources": [{"name": f"bank_{i}", "channel": "review", "path": str(p), "format": "csv",
                     "columns": {"id": "id", "created_at": "at", "body": "body"}}
                    for i, p in enumerate(exports)],
        "root": project,
    })


def _run(config: Any, night: str, *, refit: bool = False) -> dict[str, Any]:
    """One night: a whole pipeline run; returns its counts per stage."""
    from flows.request import preflight
    from flows.run import run_pipeline

    request = preflight(config, refit=refit, parameters={
        "benchmark": "bench.stability", "night": night, "refit": refit})
    return run_pipeline(request).counts


def _assignments(config: Any) -> pl.DataFrame:
    """Each sentence's theme: id (the export's), sentence_idx, topic_id."""
    from data.warehouse import Warehouse

    with Warehouse(config.resolve(config.warehouse.path), read_only=True) as wh:
        return wh.sentence_themes_by_record()


def run_stability(datasets: Path, workdir: Path) -> dict[str, Any]:
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    os.environ.setdefault("VOC_CUSTOMER_KEY_SECRET", BENCH_SECRET)
    shutil.rmtree(workdir, ignore_errors=True)
    test = pl.read_parquet(datasets / "banking77_intents.parquet").filter(
        pl.col("split") == "test")
    rng = random.Random(SEED)
    order = list(range(test.height))
    rng.shuffle(order)
    start = datetime(2026, 9, 1, tzinfo=UTC)
    rows = [{"id": f"B{i:05d}", "at": (start + timedelta(minutes=i)).isoformat(),
             "body": test["text"][i]} for i in range(test.height)]
    intent = {f"B{i:05d}": test["label"][i] for i in range(test.height)}
    n_new = round(NEW_SHARE * len(rows))
    new_ids = set(order[:n_new])
    night1 = [rows[i] for i in range(len(rows)) if i not in new_ids]
    night2 = [rows[i] for i in sorted(new_ids)]
    shuffled = list(night1)
    random.Random(SEED + 1).shuffle(shuffled)
    out: dict[str, Any] = {"benchmark": "stability", "machine": machine_info(),
                           "queries": len(rows), "night_one": len(night1),
                           "night_two_new": len(night2)}

    # Night one, as given and shuffled.
    timings = {}
    projects = {}
    for name, data in (("plain", night1), ("shuffled", shuffled)):
        project = workdir / name
        _write_export(data, project / "night1.csv")
        projects[name] = _config(project, [project / "night1.csv"])
        began = time.perf_counter()
        counts = _run(projects[name], "night1")
        timings[name] = round(time.perf_counter() - began, 1)
        out.setdefault("night_one_counts", {})[name] = counts["themes"]
    a = _assignments(projects["plain"]).rename({"topic_id": "a"})
    b = _assignments(projects["shuffled"]).rename({"topic_id": "b"})
    both = a.join(b, on=["id", "sentence_idx"])
    out["shuffled_ari"] = round(float(adjusted_rand_score(
        both["a"].fill_null(-1).to_list(), both["b"].fill_null(-1).to_list())), 4)
    out["shuffled_identical"] = bool((both["a"].fill_null(-1) == both["b"].fill_null(-1)).all())

    # Sentence-level quality of night one's themes against the intents.
    truth = [intent[i] for i in a["id"].to_list()]
    ours = a["a"].fill_null(-1).to_list()
    out["sentence_level"] = {"sentences": a.height, "ours": {
        "themes": len(set(ours) - {-1}),
        "nmi": round(float(normalized_mutual_info_score(truth, ours)), 3),
        "ari": round(float(adjusted_rand_score(truth, ours)), 3),
        "outlier_share": round(ours.count(-1) / len(ours), 3),
        "purity": purity(truth, ours)}}
    out["sentence_level"]["bertopic_default"] = _plain_bertopic(projects["plain"], a, truth)

    # Night two: +10% new queries; a normal night, then the same with a forced refit.
    for mode in ("assign", "refit"):
        project = workdir / f"night2-{mode}"
        shutil.copytree(workdir / "plain", project)
        _write_export(night2, project / "night2.csv")
        config = _config(project, [project / "night1.csv", project / "night2.csv"])
        counts = _run(config, f"night2-{mode}", refit=mode == "refit")
        after = _assignments(config).rename({"topic_id": "after"})
        joined = a.join(after, on=["id", "sentence_idx"])
        same = (joined["a"].fill_null(-1) == joined["after"].fill_null(-1))
        themed = joined.filter(pl.col("a").is_not_null())
        out[f"night_two_{mode}"] = {
            "themes": counts["themes"],
            "unchanged_share": round(float(same.mean()), 4),
            "unchanged_share_of_themed": round(float(
                (themed["a"] == themed["after"].fill_null(-1)).mean()), 4),
        }
    out["seconds_night_one"] = timings

    # The same refit on other random 10% splits: one split can be lucky.
    shares = [out["night_two_refit"]["unchanged_share"]]
    out["other_splits"] = []
    for k, seed in enumerate(EXTRA_SPLIT_SEEDS):
        share = _refit_stability_on_split(rows, seed, workdir / f"split{k + 1}")
        out["other_splits"].append({"seed": seed, **share})
        shares.append(share["unchanged_share"])
    out["id_stability_refit_median"] = round(float(statistics.median(shares)), 4)
    out["id_stability_refit_min"] = round(min(shares), 4)
    out["goals"] = {
        "shuffled_ari": {"goal": 0.95, "value": out["shuffled_ari"],
                         "met": out["shuffled_ari"] >= 0.95},
        "id_stability_refit": {"goal": 0.95,
                               "value": out["id_stability_refit_median"],
                               "met": out["id_stability_refit_median"] >= 0.95},
        "outliers": {"goal": 0.10,
                     "value": out["sentence_level"]["ours"]["outlier_share"],
                     "met": out["sentence_level"]["ours"]["outlier_share"] <= 0.10},
    }
    return out


def _refit_stability_on_split(rows: list[dict[str, str]], seed: int, workdir: Path
                              ) -> dict[str, float]:
    """Night one on 90% of the queries, night two adds the other 10% with a forced refit;
    the share of night one's sentences whose theme id is unchanged."""
    order = list(range(len(rows)))
    random.Random(seed).shuffle(order)
    new_ids = set(order[:round(NEW_SHARE * len(rows))])
    project = workdir
    _write_export([rows[i] for i in range(len(rows)) if i not in new_ids],
                  project / "night1.csv")
    _write_export([rows[i] for i in sorted(new_ids)], project / "night2.csv")
    _run(_config(project, [project / "night1.csv"]), "night1")
    before = _assignments(_config(project, [project / "night1.csv"])).rename(
        {"topic_id": "a"})
    config = _config(project, [project / "night1.csv", project / "night2.csv"])
    _run(config, "night2-refit", refit=True)
    joined = before.join(_assignments(config).rename({"topic_id": "after"}),
                         on=["id", "sentence_idx"])
    same = joined["a"].fill_null(-1) == joined["after"].fill_null(-1)
    themed = joined.filter(pl.col("a").is_not_null())
    return {"unchanged_share": round(float(same.mean()), 4),
            "unchanged_share_of_themed": round(float(
                (themed["a"] == themed["after"].fill_null(-1)).mean()), 4)}


def _plain_bertopic(config: Any, assigned: pl.DataFrame, truth: list[str]) -> dict[str, Any]:
    """Plain BERTopic, defaults, on the same sentence embeddings the pipeline stored."""
    from bertopic import BERTopic
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
    from umap import UMAP

    from data.warehouse import Warehouse

    with Warehouse(config.resolve(config.warehouse.path), read_only=True) as wh:
        frame, vectors = wh.sentences_for_themes(config.models.embedding)
        ids = wh.source_record_ids()
    key = [f"{ids[d]}:{i}" for d, i in zip(frame["doc_id"], frame["sentence_idx"], strict=True)]
    want = [f"{i}:{j}" for i, j in zip(assigned["id"], assigned["sentence_idx"], strict=True)]
    position = {k: n for n, k in enumerate(key)}
    rows = [position[k] for k in want]
    model = BERTopic(umap_model=UMAP(n_neighbors=15, n_components=5, min_dist=0.0,
                                     metric="cosine", random_state=42))
    topics, _ = model.fit_transform([frame["text"][r] for r in rows], embeddings=vectors[rows])
    topics = list(topics)
    return {"themes": len(set(topics) - {-1}),
            "nmi": round(float(normalized_mutual_info_score(truth, topics)), 3),
            "ari": round(float(adjusted_rand_score(truth, topics)), 3),
            "outlier_share": round(topics.count(-1) / len(topics), 3),
            "purity": purity(truth, topics)}


def purity(truth: list[str], themes: list[int]) -> float:
    """Share of the sentences with a theme whose intent is their theme's majority intent."""
    from collections import Counter

    members: dict[int, Counter] = {}
    for label, theme in zip(truth, themes, strict=True):
        if theme != -1:
            members.setdefault(theme, Counter())[label] += 1
    themed = sum(sum(c.values()) for c in members.values())
    return round(sum(c.most_common(1)[0][1] for c in members.values()) / max(themed, 1), 3)


def render_stability_markdown(r: dict[str, Any]) -> str:
    m, s, g = r.get("machine", {}), r["sentence_level"], r["goals"]

    def met(goal: dict[str, Any]) -> str:
        return "**met**" if goal["met"] else "**not met**"

    return "\n".join([
        "## Themes that last",
        "",
        f"banking77 test queries as a review export, each night a whole pipeline run "
        f"(commit {m.get('git_commit')}, {m.get('date')}). Night one: {r['night_one']:,} "
        f"queries; night two adds {r['night_two_new']:,} new ones (10%).",
        "",
        "| what | measured | goal | |",
        "|---|---|---|---|",
        f"| ARI between night one run on the export and on its rows shuffled | "
        f"{r['shuffled_ari']} (identical: {r['shuffled_identical']}) | ≥ 0.95 | "
        f"{met(g['shuffled_ari'])} |",
        f"| night-one sentences whose theme id is unchanged after night two, refit forced | "
        f"{r['night_two_refit']['unchanged_share']:.1%} | | |",
        f"| the same, median over {1 + len(r.get('other_splits', []))} random 10% splits "
        f"(lowest) | {r.get('id_stability_refit_median', float('nan')):.1%} "
        f"({r.get('id_stability_refit_min', float('nan')):.1%}) | ≥ 95% | "
        f"{met(g['id_stability_refit'])} |",
        f"| the same on a normal night (new sentences assigned, no refit) | "
        f"{r['night_two_assign']['unchanged_share']:.1%} | | |",
        f"| sentences without a theme (banking77, night one) | "
        f"{s['ours']['outlier_share']:.1%} | ≤ 10% | {met(g['outliers'])} |",
        "",
        f"Sentence level against the 77 intents ({s['sentences']:,} sentences):",
        "",
        "| method | themes | NMI | ARI | without a theme | purity of the themed |",
        "|---|---|---|---|---|---|",
        *[f"| {name} | {v['themes']} | {v['nmi']} | {v['ari']} | {v['outlier_share']:.1%} | "
          f"{v.get('purity', 'n/a')} |"
          for name, v in (("ours (pipeline stages)", s["ours"]),
                          ("plain BERTopic, defaults, same embeddings",
                           s["bertopic_default"]))],
        "",
        "Purity is the share of themed sentences whose intent is their theme's majority "
        "intent: what giving (almost) every sentence a theme costs, next to a method that "
        "leaves more of them out.",
        "",
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Theme stability benchmark")
    parser.add_argument("--datasets", type=Path, default=DEFAULT_DATASETS)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/voc-bench/stability"))
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    result = run_stability(args.datasets, args.workdir)
    if args.out:
        args.out.write_text(json.dumps(result, indent=1, default=str))
    print(render_stability_markdown(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
