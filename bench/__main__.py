"""Run the benchmarks and write ``BENCHMARKS.md`` and ``bench/results.json``.

    .venv/bin/python -m bench --datasets ../shared/datasets            # quality + speed
    .venv/bin/python -m bench --only quality                           # a part
    .venv/bin/python -m bench --sizes 1000 10000 50000 --repeats 3     # speed sizes

Not part of ``make test``: it needs the public datasets beside the project and takes
minutes. Sections not run keep their previous results from ``bench/results.json``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from bench.common import DEFAULT_DATASETS, MODEL_CACHE, ROOT, machine_info

RESULTS = ROOT / "bench" / "results.json"
REPORT = ROOT / "BENCHMARKS.md"


def _yes(met: bool | None) -> str:
    return "not run" if met is None else ("**met**" if met else "**not met**")


def render_quality(q: dict[str, Any]) -> str:
    lines: list[str] = []
    lang = q.get("language_id")
    if lang:
        lines += [
            "### Language identification",
            "",
            f"Detector: {lang['detector']}; {lang['texts_per_second']:,} texts/s. Goal: "
            f"≥ {lang['goal']}% on texts of more than 3 words in every language: "
            f"{_yes(lang['met'])} (lowest {lang['min_accuracy']}%).",
            "",
            "| language | sets | texts > 3 words | accuracy % | answered `und` % | "
            "texts ≤ 3 words | accuracy % |",
            "|---|---|---|---|---|---|---|",
        ]
        for code, v in lang["by_language"].items():
            lines.append(f"| {code} | {', '.join(v['sets'])} | {v['n']:,} | {v['accuracy']} | "
                         f"{v['und_share']} | {v['short_n']} | {v['short_accuracy']} |")
        lines.append("")
    sent = q.get("sentiment")
    if sent:
        g = sent["goals"]
        lines += [
            "### Sentiment",
            "",
            f"Head `{sent['head']}`, documents scored as the pipeline scores them (sentences "
            "embedded and mean-pooled for the embedding part, the cleaned text for a lexical "
            "part if the head has one). Held-out data only: UMSAB `val`, 20% of the "
            "Greek reviews, drugs.com `test`.",
            "",
            "| set | n | macro-F1 | goal | |",
            "|---|---|---|---|---|",
            f"| UMSAB val, all 8 languages | {sent['umsab']['all']['n']:,} | "
            f"{sent['umsab']['all']['macro_f1']} | ≥ {g['overall']['goal']} | "
            f"{_yes(g['overall']['met'])} |",
        ]
        for code, v in sent["umsab"].items():
            if code != "all":
                lines.append(f"| UMSAB val, {code} | {v['n']} | {v['macro_f1']} | "
                             f"≥ {g['min_language']['goal']} | "
                             f"{_yes(v['macro_f1'] >= g['min_language']['goal'])} |")
        lines += [
            f"| Greek Skroutz reviews (2 classes) | {sent['other']['skroutz-el']['n']} | "
            f"{sent['other']['skroutz-el']['macro_f1']} | ≥ {g['greek']['goal']} | "
            f"{_yes(g['greek']['met'])} |",
            f"| drugs.com test (en) | {sent['other']['drugscom-en']['n']} | "
            f"{sent['other']['drugscom-en']['macro_f1']} | reported | |",
            "",
            "Published reference: XLM-T (XLM-R base, 278M parameters, fine-tuned on tweets) "
            "reaches 69.4 macro-F1 on the UMSAB test split.",
            "",
        ]
    themes = q.get("themes")
    if themes:
        g = themes["goals"]
        lines += [
            "### Themes: banking77 test",
            "",
            f"{themes['n']:,} online-banking queries, {themes['intents']} intents, the same "
            "embeddings for every method. Outliers count as one more cluster in NMI and ARI.",
            "",
            "| method | themes | NMI | ARI | NMI (assigned only) | outliers | seconds |",
            "|---|---|---|---|---|---|---|",
        ]
        for name, key in [("ours (`nlp.themes.find_themes`, defaults)", "ours"),
                          ("plain BERTopic, defaults", "bertopic_default"),
                          ("k-means, k = 77 (k known)", "kmeans_77")]:
            v = themes[key]
            lines.append(f"| {name} | {v['themes']} | {v['nmi']} | {v['ari']} | "
                         f"{v['nmi_assigned_only']} | {v['outlier_share']:.1%} | {v['seconds']} |")
        lines += [
            "",
            f"Goals: NMI ≥ {g['nmi']['goal']}: {_yes(g['nmi']['met'])}; outliers ≤ "
            f"{g['outliers']['goal']:.0%}: {_yes(g['outliers']['met'])}; better than plain "
            f"BERTopic on both: {_yes(g['beats_plain_bertopic']['met'])}.",
            "",
        ]
    return "\n".join(lines)


def render(results: dict[str, Any]) -> str:
    m = results["machine"]
    parts = [
        "# Benchmarks",
        "",
        f"Measured {str(m['date'])[:10]} at commit `{m['git_commit']}` on {m['cpu_model']} "
        f"({m['cpu_count']} cores, {m['ram_gib']} GiB, no GPU), Python {m['python']}. "
        "Reproduce with "
        "`.venv/bin/python -m bench --datasets ../shared/datasets`; raw numbers in "
        "`bench/results.json`. A section that says *not run* was not measured.",
        "",
        "## Quality",
        "",
        render_quality(results.get("quality", {})) or "*not run*",
    ]
    speed = results.get("speed")
    if speed:
        from bench.speed_report import render_speed_markdown

        parts.append(render_speed_markdown(speed))  # brings its own "## Speed and memory"
    else:
        parts += ["## Speed and memory", "", "*not run*"]
    if results.get("int8"):
        from bench.int8 import render_int8_markdown

        parts += ["", render_int8_markdown(results["int8"])]
    if results.get("stability"):
        from bench.stability import render_stability_markdown

        parts += ["", render_stability_markdown(results["stability"])]
    if results.get("causes"):
        from bench.causes import render_causes_markdown

        parts += ["", render_causes_markdown(results["causes"])]
    if results.get("adaptation"):
        from bench.adaptation import render_adaptation_markdown

        parts += ["", render_adaptation_markdown(results["adaptation"])]
    if results.get("ingest"):
        from bench.ingest import render_ingest_markdown

        parts += ["", render_ingest_markdown(results["ingest"])]
    notes = results.get("notes")
    if notes:
        parts += ["", "## What was tried", ""] + [f"- {note}" for note in notes]
    return "\n".join(parts) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Quality and speed benchmarks.")
    parser.add_argument("--datasets", type=Path, default=DEFAULT_DATASETS)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/voc-bench"))
    parser.add_argument("--only", choices=["quality", "speed", "ingest", "int8", "stability",
                                           "causes", "adaptation"],
                        default=None)
    parser.add_argument("--ingest-rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args(argv)
    if not args.datasets.is_dir():
        parser.error(f"no datasets folder at {args.datasets} (pass --datasets)")

    results: dict[str, Any] = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results["machine"] = machine_info()
    if args.only in (None, "quality"):
        from bench import quality
        from nlp.embedding import SentenceTransformerEmbedder

        embedder = SentenceTransformerEmbedder(cache_dir=MODEL_CACHE)
        cache = args.workdir / "embeddings"
        results["quality"] = {
            "language_id": quality.language_id(args.datasets),
            "sentiment": quality.sentiment(args.datasets, embedder, cache),
            "themes": quality.themes_banking77(args.datasets, embedder, cache),
        }
        print(render_quality(results["quality"]))
    if args.only in (None, "speed"):
        from bench.speed import run_speed

        results["speed"] = run_speed(args.datasets, args.sizes, args.workdir / "speed",
                                     repeats=args.repeats, previous=results.get("speed"))
    if args.only in (None, "ingest"):
        from bench.ingest import run_ingest_bench

        results["ingest"] = run_ingest_bench(args.datasets, args.ingest_rows,
                                             args.workdir / "ingest", repeats=args.repeats)
    if args.only in (None, "int8"):
        from bench.int8 import run_int8

        results["int8"] = run_int8(args.datasets, args.workdir / "embeddings",
                                   repeats=max(3, args.repeats))
    if args.only in (None, "stability"):
        from bench.stability import run_stability

        results["stability"] = run_stability(args.datasets, args.workdir / "stability")
    if args.only in (None, "causes"):
        from bench.causes import run_causes

        results["causes"] = run_causes(args.datasets, args.workdir / "causes")
    if args.only in (None, "adaptation"):
        from bench.adaptation import render_adaptation_markdown, run_adaptation

        results["adaptation"] = run_adaptation(args.datasets, args.workdir / "embeddings")
        print(render_adaptation_markdown(results["adaptation"]))
    # Parts run at the same time in other processes may have written theirs meanwhile.
    latest = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results = latest | {k: v for k, v in results.items() if k == "machine" or k == args.only
                        or args.only is None}
    RESULTS.write_text(json.dumps(results, indent=1, ensure_ascii=False, default=str) + "\n")
    REPORT.write_text(render(results), encoding="utf-8")
    print(f"wrote {REPORT} and {RESULTS}")


if __name__ == "__main__":
    main()
