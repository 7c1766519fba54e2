"""The pain-point report: Markdown and a standalone HTML page, built from the warehouse."""

from __future__ import annotations

import html
import json
import math
import os
import re
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from data.warehouse import Warehouse
from nlp.pain_points import RECENT_WEEKS, TREND_ALPHA

_SPARK = "▁▂▃▄▅▆▇█"
_RTL = {"fa", "ar", "he", "ur"}
# Customer text is wrapped in a first-strong isolate (FSI ... PDI): a Persian quote after the
# Latin "[fa] " tag keeps its own direction in any Markdown viewer, and the HTML page turns
# it into a <bdi>. Isolates in the customer's own text are dropped so ours stay paired.
_FSI, _PDI = "\u2068", "\u2069"
_ISOLATE_CHARS = re.compile("[\u2066-\u2069]")
_LANG_TAG = r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*"
_ISOLATED_QUOTE = re.compile(rf"\[({_LANG_TAG})\] \u2068([^\u2068\u2069]*)\u2069")
# Customer text is data. In the Markdown (report.md, the Prefect artifact, the source of the
# HTML page) it is one line of escaped text: "&", "<" and ">" as entities, so no viewer
# makes HTML of it, and a backslash before every character of Markdown syntax that works
# inside a line (links and images need "[" and "]", emphasis "*" and "_", code "`", tables
# "|", strikethrough "~"), so no viewer makes a link, an image or code of it. Line breaks become
# spaces: the text never starts a line, where "#", "-", "1." or ">" would mean something.
_MD_ENTITIES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_MD_SYNTAX = re.compile(r"([\\`*_\[\]|~])")
_WHITESPACE = re.compile(r"\s+")


def sparkline(values: list[float]) -> str:
    """Weekly counts (or shares) as a row of block characters."""
    if not values:
        return ""
    top = max(values) or 1
    return "".join(_SPARK[min(len(_SPARK) - 1, round(v / top * (len(_SPARK) - 1)))]
                   for v in values)


def _missing(x: Any) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def _fmt(x: Any, digits: int = 2) -> str:
    return "n/a" if _missing(x) else f"{x:.{digits}f}"


def _pct(x: float | None) -> str:
    return "n/a" if _missing(x) else f"{x:.0%}"


def _nps(x: float | None) -> str:
    """An NPS, -100..100, as a whole number."""
    return "n/a" if _missing(x) else f"{round(x):d}"


def _respondents(n: int | None) -> str:
    if n is None:
        return "not counted by this run"
    return "no respondents" if n == 0 else "1 respondent" if n == 1 else f"{n} respondents"


def md_text(text: Any) -> str:
    r"""Customer text (a quote, a theme's label or keyword) as inert Markdown: shown as
    written by any Markdown viewer, never a link, an image, HTML, code or emphasis.

    >>> print(md_text("![p](//x.example/t.gif) <b>*hi*</b>"))
    !\[p\](//x.example/t.gif) &lt;b&gt;\*hi\*&lt;/b&gt;
    """
    text = _WHITESPACE.sub(" ", _ISOLATE_CHARS.sub("", str(text))).strip()
    return _MD_SYNTAX.sub(r"\\\1", text.translate(_MD_ENTITIES))


def _lang(lang: Any) -> str:
    """A quote's language tag as it goes between our brackets: a language code, or ``und``."""
    return lang if isinstance(lang, str) and re.fullmatch(_LANG_TAG, lang) else "und"


def _quote(q: dict[str, Any]) -> str:
    """``[lang] <FSI>text<PDI>``: the language tag outside the customer's isolated words."""
    return f"[{_lang(q['lang'])}] {_FSI}{md_text(q['text'])}{_PDI}"


def _scores(p: dict[str, Any], overall: dict[str, Any]) -> str:
    """A theme's scores: the average rating (a mean, labelled so), NPS once per respondent,
    and CSAT and CES as shares of respondents."""
    text = f"average rating {_fmt(p['avg_rating'])} of 5{_signed(p['rating_delta'])}"
    nps = f"NPS {_nps(p.get('nps'))} ({_respondents(p.get('nps_respondents'))}"
    if not _missing(p.get("nps")) and not _missing(overall["nps"]):
        nps += f"; overall {_nps(overall['nps'])}"
    text += f" · {nps})"
    text += (f" · CSAT {_pct(p.get('csat_satisfied_share'))} satisfied (4-5 of 5; "
             f"{_respondents(p.get('csat_respondents'))})")
    text += (f" · CES {_pct(p.get('ces_low_effort_share'))} low effort (5-7 of 7; "
             f"{_respondents(p.get('ces_respondents'))})")
    if p["score_impact"] is not None:
        text += f" · without this theme the average rating would change by {p['score_impact']:+.2f}"
    return text


def _p_value(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3g}"


def _weeks_text(n: int) -> str:
    return "1 week" if n == 1 else f"{n} weeks"


def _trend(p: dict[str, Any]) -> str:
    """What the trend means: the theme's share of all feedback in the last complete weeks
    against the complete weeks before, and how sure that is."""
    trend, shares = p["trend"], json.loads(p.get("weekly_shares") or "{}")
    recent, baseline = p.get("recent_share"), p.get("baseline_share")
    if trend == "too little data":
        return f"too little data: fewer than {RECENT_WEEKS + 1} complete weeks"
    if _missing(recent) or _missing(baseline):
        return trend  # a run before trends were tested
    now = f"{recent:.0%} of feedback in the last {RECENT_WEEKS} complete weeks"
    before = f"the {_weeks_text(len(shares) - RECENT_WEEKS)} before"
    if trend == "new":
        return (f"new: {now}, none in {before}" if recent
                else "new: only in the current, unfinished week")
    text = f"{trend}: {now} vs {baseline:.0%} in {before} ({_p_value(p['trend_p_value'])}"
    if trend == "stable":
        text += f", not significant at {TREND_ALPHA}"
    return text + ")"


def _weekly(p: dict[str, Any]) -> str:
    """The weekly series: the theme's share per complete week, and the unfinished week."""
    counts = json.loads(p["weekly_counts"])
    if "weekly_shares" not in p:  # a run before shares were kept: weekly counts
        return (f"`{sparkline(list(counts.values()))}` (weekly feedback, "
                f"{next(iter(counts), '')} to {next(reversed(counts), '')})")
    shares = json.loads(p["weekly_shares"] or "{}")
    text = (f"Share of feedback per complete week: `{sparkline([v or 0 for v in shares.values()])}`"
            f" ({next(iter(shares))} to {next(reversed(shares))})" if shares
            else "No complete week yet")
    partial = p.get("partial_week")
    if partial is not None:
        text += (f"; week of {partial:%Y-%m-%d}: unfinished, left out "
                 f"({counts.get(partial.isoformat(), 0)} so far)")
    return text


def _signed(x: float | None) -> str:
    return "" if x is None else f" ({x:+.2f} vs overall)"


def _mix(counts_json: str, total: int | None = None, top: int = 6) -> str:
    counts: dict[str, int] = json.loads(counts_json or "{}")
    items = sorted(counts.items(), key=lambda kv: -kv[1])[:top]
    return ", ".join(f"{md_text(k)} {v}" for k, v in items)


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
    scores = wh.survey_scores()
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
        f"| Average rating (1-5) | {_fmt(overview['rating'])} |",
        f"| NPS (% promoters 9-10 minus % detractors 0-6, one answer per respondent) | "
        f"{_nps(scores['nps'])} ({_respondents(scores['nps_respondents'])}) |",
        f"| CSAT: satisfied, 4-5 of 5 | {_pct(scores['csat_satisfied_share'])} "
        f"({_respondents(scores['csat_respondents'])}) |",
        f"| CES: low effort, 5-7 of 7 (7 = very easy) | {_pct(scores['ces_low_effort_share'])} "
        f"({_respondents(scores['ces_respondents'])}) |",
        f"| Languages | {', '.join(f'{md_text(k)} {n}' for k, n in languages)} |",
        f"| Channels | {', '.join(f'{md_text(k)} {n}' for k, n in channels)} |",
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
    for i, p in enumerate(shown, 1):
        by_lang = json.loads(keywords.get(p["topic_id"]) or "{}")
        lines += [
            f"### {i}. {md_text(p['label'])}  (theme {p['topic_id']}{_merged_into(p)})",
            "",
            f"- **Volume:** {p['volume']} pieces of feedback, {p['sentence_count']} sentences, "
            f"**{p['negative_share']:.0%} negative** ({p['negative_volume']} negative sentences)",
            f"- **Trend:** {_trend(p)}. {_weekly(p)}",
            f"- **Channels:** {_mix(p['channels'])}",
            f"- **Languages:** {_mix(p['languages'], top=10)}",
            f"- **Scores:** {_scores(p, scores)}",
            "- **Keywords:** " + "; ".join(
                f"{md_text(lang)}: {', '.join(md_text(w) for w in words[:5])}"
                for lang, words in by_lang.items() if words
            ),
            *([f"- **Merged into this theme since the run:** {_merged_from(p)}; the figures "
               "above are the run's, without them"] if p.get("merged_from") else []),
            "",
        ]
        quotes = json.loads(p["example_quotes"])
        for q in quotes:
            if q.get("representative", True):
                lines.append(f"> {_quote(q)}  \n> — {md_text(q['channel'])}")
                lines.append("")
        more = [q for q in quotes if not q.get("representative", True)]
        if more:
            lines.append("Also heard in: " + " · ".join(_quote(q) for q in more))
            lines.append("")
    lines += _general_section(theme_stats)
    others = [p for p in pains if p not in shown]
    if others:
        lines += ["## Other themes", "", "| theme | label | volume | negative | trend |",
                  "|---|---|---|---|---|"]
        lines += [f"| {p['topic_id']}{_merged_into(p)} | {md_text(p['label'])}"
                  + (f" (merged in since the run: {_merged_from(p)})" if p.get("merged_from")
                     else "")
                  + f" | {p['volume']} | {p['negative_share']:.0%} | {p['trend']} |"
                  for p in others]
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


def _general_section(stats: dict[str, Any]) -> list[str]:
    """Tone-only feedback: counted with its cause, or shown here apart from the ranking."""
    if not stats.get("tone_only"):
        return []
    lines = ["## Feedback that states no cause", ""]
    followed = stats["tone_only"] - stats["general"]
    lines.append(
        f"{stats['tone_only']:,} sentences voice only a verdict or a feeling (\"Unacceptable!\", "
        f"\"Thanks\"). {followed:,} of them count towards the cause their feedback states.")
    if stats["general"]:
        lines.append(
            f"The other {stats['general']:,}, in {stats['general_feedback']:,} pieces of feedback "
            f"that state no cause at all ({stats['general_negative']:,} negative sentences), "
            "are kept out of the ranking, as general remarks.")
    return [*lines, ""]


def _merged_into(p: dict[str, Any]) -> str:
    target = p.get("merged_into")
    return "" if target is None else f", merged into theme {target} since the run"


def _merged_from(p: dict[str, Any]) -> str:
    return ", ".join(f"theme {m['topic_id']} ({md_text(m['label'])}, {m['volume']} pieces of "
                     "feedback)"
                     for m in p["merged_from"])


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
    # Nor links or images: the report makes none, so none can come from customer text that
    # escaping missed (a browser would fetch an image, and send the report's address along).
    renderer = MarkdownIt("commonmark", {"html": False}).enable("table")
    body = renderer.disable(["link", "image", "autolink"]).render(markdown)
    # Quotes and list items may be right-to-left (Persian, Arabic, Hebrew): let the
    # browser pick the direction per element.
    for tag in ("blockquote", "li", "td", "p"):
        body = body.replace(f"<{tag}>", f'<{tag} dir="auto">')
    # Each quote in its own element with its own direction, the language tag outside it: in
    # "[fa] <quote>" the Latin tag would make the paragraph left-to-right and put the
    # quote's full stop next to its first word. The quote is markdown-it's escaped text.
    body = _ISOLATED_QUOTE.sub(_bdi, body)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>{html.escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n"
        f"<body>\n{body}</body>\n</html>\n"
    )


def _bdi(match: re.Match[str]) -> str:
    lang = match.group(1)
    direction = "rtl" if lang.split("-")[0].lower() in _RTL else "auto"
    return f'[{lang}] <bdi dir="{direction}" lang="{lang}">{match.group(2)}</bdi>'


@dataclass(frozen=True)
class Report:
    """One run's report, rendered."""

    run_id: str
    title: str
    markdown: str

    def save(self, out_dir: Path, *, private: bool = True) -> Path:
        """Write ``<out_dir>/<run_id>/report.{md,html}`` and refresh ``<out_dir>/latest``;
        returns the run's folder.

        The report quotes customers: ``private`` (the default) writes its files readable by
        their owner only (0600, folders 0700); otherwise by anyone (0644, folders 0755).
        A report folder made here is made with that mode, so no moment is world-readable.
        """
        dir_mode, file_mode = (0o700, 0o600) if private else (0o755, 0o644)
        if not out_dir.exists():
            out_dir.parent.mkdir(parents=True, exist_ok=True)
            out_dir.mkdir(mode=dir_mode, exist_ok=True)
        run_dir = out_dir / self.run_id
        run_dir.mkdir(mode=dir_mode, exist_ok=True)
        run_dir.chmod(dir_mode)
        _write(run_dir / "report.md", self.markdown, file_mode)
        _write(run_dir / "report.html", markdown_to_html(self.markdown, self.title), file_mode)
        latest = out_dir / "latest"
        staging = out_dir / ".latest.tmp"
        shutil.rmtree(staging, ignore_errors=True)
        shutil.copytree(run_dir, staging)  # modes too
        staging.chmod(dir_mode)
        shutil.rmtree(latest, ignore_errors=True)
        staging.rename(latest)
        return run_dir


def _write(path: Path, text: str, mode: int) -> None:
    """Write ``text`` to ``path``, created with ``mode`` (and given it if it existed)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        os.fchmod(handle.fileno(), mode)
        handle.write(text)


def render_report(wh: Warehouse, run_id: str, *, title: str, top_themes: int,
                  min_negative_share: float = 0.25,
                  run: dict[str, Any] | None = None) -> Report:
    """The report of one run, not yet written anywhere."""
    return Report(run_id, title, build_markdown(wh, run_id, title, top_themes,
                                                min_negative_share, run))


def write_report(wh: Warehouse, run_id: str, out_dir: Path, *, title: str,
                 top_themes: int, min_negative_share: float = 0.25,
                 run: dict[str, Any] | None = None, private: bool = True) -> tuple[Path, str]:
    """Write ``<out_dir>/<run_id>/report.{md,html}`` and refresh ``<out_dir>/latest``
    (``private``: see :meth:`Report.save`)."""
    report = render_report(wh, run_id, title=title, top_themes=top_themes,
                           min_negative_share=min_negative_share, run=run)
    return report.save(out_dir, private=private), report.markdown
