"""The pain-point report: Markdown and a standalone HTML page, built from the warehouse."""

from __future__ import annotations

import html
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from data.warehouse import Warehouse

_SPARK = "▁▂▃▄▅▆▇█"
_RTL = {"fa", "ar", "he", "ur"}


def sparkline(values: list[int]) -> str:
    """Weekly counts as a row of block characters."""
    if not values:
        return ""
    top = max(values) or 1
    return "".join(_SPARK[min(len(_SPARK) - 1, round(v / top * (len(_SPARK) - 1)))]
                   for v in values)


def _fmt(x: Any, digits: int = 2) -> str:
    return "n/a" if x is None else f"{x:.{digits}f}"


def _signed(x: float | None) -> str:
    return "" if x is None else f" ({x:+.2f} vs overall)"


def _mix(counts_json: str, total: int | None = None, top: int = 6) -> str:
    counts: dict[str, int] = json.loads(counts_json or "{}")
    items = sorted(counts.items(), key=lambda kv: -kv[1])[:top]
    return ", ".join(f"{k} {v}" for k, v in items)


def build_markdown(wh: Warehouse, run_id: str, title: str, top_themes: int,
                   min_negative_share: float = 0.25, run: dict[str, Any] | None = None) -> str:
    """The report of one run as Markdown.

    ``run`` is the run's ``runs`` row (JSON text in ``stage_counts``, ``timings`` and
    ``models``); read from the warehouse when not given.
    """
    run = run or wh.run_row(run_id)
    counts = json.loads(run["stage_counts"] or "{}")
    timings = json.loads(run["timings"] or "{}")
    models = json.loads(run["models"] or "{}")
    overview = wh.feedback_overview()
    languages = wh.feedback_by("lang")
    channels = wh.feedback_by("channel")
    quarantine = wh.quarantine_reasons()
    nps_score = wh.net_promoter_score()
    pains = wh.pain_points_of_run(run_id)
    keywords = wh.keywords_by_theme()
    theme_stats = wh.theme_coverage()
    ingest = counts.get("ingest", {})
    lines = [
        f"# {title}",
        "",
        f"Run `{run_id}` · generated {datetime.now(UTC):%Y-%m-%d %H:%M} UTC · feedback from "
        f"{overview['first']:%Y-%m-%d} to {overview['last']:%Y-%m-%d}" if overview["first"]
        else f"Run `{run_id}` · no feedback in the warehouse yet",
        "",
        "## At a glance",
        "",
        "| | |",
        "|---|---|",
        f"| Feedback in the warehouse | {overview['feedback']:,} |",
        f"| This run: records read / loaded / duplicates / quarantined | "
        f"{ingest.get('read', 0):,} / {ingest.get('loaded', 0):,} / "
        f"{ingest.get('duplicates', 0):,} / {ingest.get('quarantined', 0):,} |",
        f"| This run: documents enriched / sentences / embeddings from cache | "
        f"{counts.get('language', {}).get('documents', 0):,} / "
        f"{counts.get('language', {}).get('sentences', 0):,} / "
        f"{counts.get('embed', {}).get('from_cache', 0):,} |",
        f"| Themes / sentences without a theme | {theme_stats['themes']} / "
        f"{theme_stats['unthemed']:,} of {theme_stats['sentences']:,} |",
        f"| This run's themes | {_theme_mode(counts.get('themes', {}))} |",
        f"| Sentiment of all feedback | {overview['negative']:,} negative · "
        f"{overview['positive']:,} positive · "
        f"{overview['feedback'] - overview['negative'] - overview['positive']:,} neutral |",
        f"| Average rating (1-5) / NPS / CSAT | {_fmt(overview['rating'])} / "
        f"{_fmt(nps_score, 0)} / {_fmt(overview['csat'])} |",
        f"| Languages | {', '.join(f'{k} {n}' for k, n in languages)} |",
        f"| Channels | {', '.join(f'{k} {n}' for k, n in channels)} |",
        f"| Quarantined records (all runs) | "
        f"{', '.join(f'{k} {n}' for k, n in quarantine) or 'none'} |",
        "",
        "## Pain points, ranked by negative feedback",
        "",
    ]
    shown = [p for p in pains
             if p["negative_volume"] > 0 and p["negative_share"] >= min_negative_share]
    shown = shown[:top_themes]
    if not shown:
        lines += ["No theme carries negative feedback in this run.", ""]
    for p in shown:
        weekly = json.loads(p["weekly_counts"])
        by_lang = json.loads(keywords.get(p["topic_id"]) or "{}")
        lines += [
            f"### {p['rank']}. {p['label']}  (theme {p['topic_id']})",
            "",
            f"- **Volume:** {p['volume']} pieces of feedback, {p['sentence_count']} sentences, "
            f"**{p['negative_share']:.0%} negative** ({p['negative_volume']} negative sentences)",
            f"- **Trend:** {p['trend']} `{sparkline(list(weekly.values()))}` "
            f"(weekly, {next(iter(weekly), '')} to {next(reversed(weekly), '')}"
            + (f"; last 3 weeks ×{p['growth']:.1f} the earlier weekly mean)" if p["growth"]
               else ")"),
            f"- **Channels:** {_mix(p['channels'])}",
            f"- **Languages:** {_mix(p['languages'], top=10)}",
            f"- **Average rating:** {_fmt(p['avg_rating'])}{_signed(p['rating_delta'])}"
            f" · **average NPS:** {_fmt(p['avg_nps'], 1)}{_signed(p['nps_delta'])}"
            + (f" · without this theme the average rating would be {p['score_impact']:+.2f}"
               if p["score_impact"] is not None else ""),
            "- **Keywords:** " + "; ".join(
                f"{lang}: {', '.join(words[:5])}" for lang, words in by_lang.items() if words
            ),
            "",
        ]
        quotes = json.loads(p["example_quotes"])
        for q in quotes:
            if q.get("representative", True):
                lines.append(f"> [{q['lang']}] {q['text']}  \n> — {q['channel']}")
                lines.append("")
        more = [q for q in quotes if not q.get("representative", True)]
        if more:
            lines.append("Also heard in: " + " · ".join(f"[{q['lang']}] {q['text']}"
                                                       for q in more))
            lines.append("")
    others = [p for p in pains if p not in shown]
    if others:
        lines += ["## Other themes", "", "| theme | label | volume | negative | trend |",
                  "|---|---|---|---|---|"]
        lines += [f"| {p['topic_id']} | {p['label']} | {p['volume']} | "
                  f"{p['negative_share']:.0%} | {p['trend']} |" for p in others]
        lines.append("")
    lines += _ingest_section(ingest)
    lines += [
        "## How this was made",
        "",
        "Models: " + "; ".join(f"{k}: {v}" for k, v in models.items()),
        "",
        "Stage timings (s): " + ", ".join(f"{k} {v}" for k, v in timings.items()),
        "",
    ]
    return "\n".join(lines)


def _ingest_section(ingest: dict[str, Any]) -> list[str]:
    """Per source: every record read is loaded, a duplicate or quarantined."""
    sources = ingest.get("sources") or {}
    if not sources:
        return []
    lines = ["## What this run took in", "",
             "Every record read is loaded, a duplicate, or quarantined with a reason. "
             "Files read completely by an earlier run are skipped.", "",
             "| source | files read / skipped | read | loaded | duplicates (other channel) | "
             "quarantined | reasons | outside the window |",
             "|---|---|---|---|---|---|---|---|"]
    for name, acc in sources.items():
        reasons = ", ".join(f"{k} {v}" for k, v in (acc.get("quarantine_reasons") or {}).items())
        lines.append(
            f"| {name} | {acc.get('files_read', 0)} / {acc.get('files_skipped', 0)} | "
            f"{acc['read']:,} | {acc['loaded']:,} | {acc['duplicates']:,} "
            f"({acc.get('cross_channel_duplicates', 0):,}) | {acc['quarantined']:,} | "
            f"{reasons or '—'} | {acc.get('outside_window', 0):,} |")
    lines.append("")
    return lines


def _theme_mode(themes: dict[str, Any]) -> str:
    if themes.get("mode") == "refit":
        kept = themes.get("kept_existing_ids", 0)
        return f"found afresh ({themes.get('reason')}); {kept} kept their ids"
    if themes.get("mode") == "assigned":
        new = themes.get("new_sentences", 0)
        return (f"{new:,} new sentences put into the existing themes, "
                f"{themes.get('without_theme', 0):,} fit none")
    return "not run"


_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans','Noto Sans Arabic',
'Noto Sans Hebrew',sans-serif;max-width:62rem;margin:2rem auto;padding:0 1rem;color:#1f2328;
line-height:1.5}
h1{border-bottom:2px solid #d0d7de;padding-bottom:.3rem}h3{margin-top:2rem}
table{border-collapse:collapse}
td,th{border:1px solid #d0d7de;padding:.25rem .6rem;text-align:start}
blockquote{margin:.5rem 0;padding:.3rem .8rem;border-inline-start:4px solid #cf222e;
background:#f6f8fa}
code{font-size:1.1em}
"""


def markdown_to_html(markdown: str, title: str) -> str:
    """A standalone page (inline CSS, no external assets) from the report's Markdown."""
    from markdown_it import MarkdownIt

    # No raw HTML: quotes are customer text, and "&lt;script&gt;" in it is "<script>" by now.
    body = MarkdownIt("commonmark", {"html": False}).enable("table").render(markdown)
    # Quotes and list items may be right-to-left (Persian, Arabic, Hebrew): let the
    # browser pick the direction per element.
    for tag in ("blockquote", "li", "td", "p"):
        body = body.replace(f"<{tag}>", f'<{tag} dir="auto">')
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>{html.escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n"
        f"<body>\n{body}</body>\n</html>\n"
    )


def write_report(wh: Warehouse, run_id: str, out_dir: Path, *, title: str,
                 top_themes: int, min_negative_share: float = 0.25,
                 run: dict[str, Any] | None = None) -> tuple[Path, str]:
    """Write ``<out_dir>/<run_id>/report.{md,html}`` and refresh ``<out_dir>/latest``."""
    markdown = build_markdown(wh, run_id, title, top_themes, min_negative_share, run)
    run_dir = out_dir / run_id
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "report.md").write_text(markdown, encoding="utf-8")
    (run_dir / "report.html").write_text(markdown_to_html(markdown, title), encoding="utf-8")
    latest = out_dir / "latest"
    staging = out_dir / ".latest.tmp"
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(run_dir, staging)
    shutil.rmtree(latest, ignore_errors=True)
    staging.rename(latest)
    return run_dir, markdown
