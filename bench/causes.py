r"""Themes follow causes, not tone: whole pipeline runs (:func:`flows.run.run_pipeline`,
default settings, a fresh warehouse each), measured from what the warehouse holds.

**A. banking77, tone added.** The banking77 test queries (3,080, 77 intents) as a review
export, once as they are and once with a tone-only sentence ("Unacceptable!", "Заранее
спасибо.", "#fail!": ``TONE_PHRASES``, 10 languages) added before or after 60% of them.
- query-level NMI against the intents (a query's theme: that of its own sentences, not of
  the added one; "no theme" is one more cluster). Goal: tone added >= clean - 0.02;
- tone themes (more than half of their sentences added phrases) among the 10 largest cause
  themes and the 10 ranked pain points. Goal: none;
- sentences without a theme (goal <= 10%), purity of the themed query sentences; where the
  added sentences went; plain BERTopic on the same sentence embeddings for reference.

**B. SemEval-2016 reviews** (restaurants: en es fr nl ru tr; hotels: ar), the half of the
reviews the tone head is not trained on (:func:`bench.common.semeval_half`), a review per
document; the pipeline's sentences are mapped back to the annotated ones by their text.
- the 4 largest aspects but RESTAURANT#GENERAL / HOTEL#GENERAL: of the themes where one is
  the majority of single-aspect sentences (at least 12 of them), the largest with purity
  >= 0.6, else the largest; its purity (goal >= 0.6 each), its share of the aspect's
  sentences, and languages (goal: one of the four in >= 4);
- GENERAL sentences ("Great place!"): the share in the general theme or in the theme of a
  sentence of their own review naming an aspect; goal: no ranked pain point (top 10) made
  mostly of them;
- sentences without a theme (goal <= 10%), purity of the themed single-aspect sentences,
  plain BERTopic beside it; document NMI against the review's main aspect (information).

**C. The shipped samples**, the main job on a copy: sentences without a theme (goal <= 10%).

    python -m bench.causes --datasets ../shared/datasets [--workdir /tmp/voc-causes] [--limit N]
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import random
import re
import shutil
import time
import unicodedata
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl

from bench.common import (
    BENCH_SECRET,
    DEFAULT_DATASETS,
    MODEL_CACHE,
    ROOT,
    machine_info,
    semeval_half,
)
from bench.stability import _config, _write_export, purity

SEED = 20261201
INJECT_SHARE = 0.6
TOP = 10
GENERAL_ASPECTS = frozenset({"RESTAURANT#GENERAL", "HOTEL#GENERAL"})
ASPECTS_MEASURED = 4
MIN_LANGUAGE_SENTENCES = 3  # a theme "is in" a language with at least this many sentences
MIN_ASPECT_SENTENCES = 12  # an aspect's theme holds at least a theme's minimum size of it
PURITY_GOAL = 0.6
PARTS = ("banking77", "semeval", "samples")

# Tone only: emotion, emphasis, greetings, thanks, hashtags; no cause. Each ends with a mark
# the sentence splitter ends a sentence at.
TONE_PHRASES: dict[str, tuple[str, ...]] = {
    "en": ("This is ridiculous.", "Unacceptable!", "Still waiting...", "#fail!", "Seriously?",
           "Thanks in advance.", "Never again.", "Hello there!", "I am so done with this!"),
    "es": ("¡Qué vergüenza!", "Gracias de antemano.", "¡Hola a todos!", "Estoy harta.",
           "¡Nunca más!", "Esto es el colmo."),
    "fr": ("C'est inadmissible !", "Merci d'avance.", "Bonjour à tous.", "Quelle honte !",
           "J'en ai marre.", "Franchement ?"),
    "de": ("Das ist eine Frechheit!", "Vielen Dank im Voraus.", "Unglaublich!",
           "Hallo zusammen.", "Ich bin echt sauer.", "Nie wieder!"),
    "ru": ("Ужасно.", "Это просто кошмар!", "Заранее спасибо.", "Здравствуйте!",
           "Сколько можно?", "Безобразие!"),
    "ar": ("هذا غير مقبول!", "شكرا مقدما.", "مرحبا!", "يا له من إحباط.", "لن أعود أبدا.",
           "بصراحة هذا مؤسف جدا."),
    "fa": ("خیلی بد است.", "واقعا ناامید شدم.", "پیشاپیش ممنونم.", "سلام!", "این مسخره است!",
           "دیگر هرگز!"),
    "he": ("זה פשוט מביך.", "תודה מראש.", "שלום לכולם!", "זה לא מקובל!", "אני ממש מתוסכל.",
           "לעולם לא עוד!"),
    "el": ("Δεν είναι σοβαρά πράγματα.", "Απαράδεκτο!", "Ευχαριστώ εκ των προτέρων.",
           "Γεια σας!", "Τι ντροπή!", "Ποτέ ξανά!"),
    "tr": ("Bu kabul edilemez!", "Şimdiden teşekkürler.", "Merhaba!", "Rezalet!",
           "Çok sinir bozucu.", "Bir daha asla!"),
}


# ---- pure parts (tested in tests/test_bench_causes.py) ----------------------------------
def text_key(text: str) -> str:
    """Text compared loosely: NFKC, case-folded, runs of punctuation and space as one space."""
    return re.sub(r"[\W_]+", " ", unicodedata.normalize("NFKC", text).casefold()).strip()


def inject_tone(queries: list[str], seed: int = SEED) -> list[tuple[str, str | None]]:
    """Each query as (body, added phrase or None): a seeded ``INJECT_SHARE`` of them get a
    tone phrase before or after. After a query with no final mark the phrase starts a new
    line, so that it is a sentence of its own there too."""
    rng = random.Random(seed)
    phrases = [p for group in TONE_PHRASES.values() for p in group]
    out: list[tuple[str, str | None]] = []
    for query in queries:
        if rng.random() >= INJECT_SHARE:
            out.append((query, None))
            continue
        phrase = rng.choice(phrases)
        if rng.random() < 0.5:
            out.append((f"{phrase} {query}", phrase))
        else:
            gap = " " if query.rstrip().endswith((".", "!", "?")) else "\n"
            out.append((f"{query.rstrip()}{gap}{phrase}", phrase))
    return out


def majority(themes: list[int]) -> int:
    """The most common theme (>= 0; ties: the first seen), -1 when none has one."""
    themed = [t for t in themes if t >= 0]
    return Counter(themed).most_common(1)[0][0] if themed else -1


def tone_themes(themes: list[int], added: list[bool]) -> set[int]:
    """Themes more than half of whose sentences are added (tone-only) phrases."""
    size = Counter(t for t in themes if t >= 0)
    tone = Counter(t for t, a in zip(themes, added, strict=True) if t >= 0 and a)
    return {t for t, n in size.items() if 2 * tone[t] > n}


def largest_themes(themes: list[int], exclude: set[int], top: int = TOP) -> list[int]:
    """The ``top`` themes by sentences, largest first, without those in ``exclude``."""
    counts = Counter(t for t in themes if t >= 0 and t not in exclude)
    return [t for t, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:top]]


def map_document(pipeline: list[str], rows: list[str]) -> list[tuple[int | None, str]]:
    """Each pipeline sentence of one document matched to one annotated row of it:
    (row index, how). ``exact``: the same text (compared by :func:`text_key`); ``part``: a
    row holds it (the pipeline split a row); ``merged``: it holds rows (the longest is
    taken); ``unmapped``: none of these (None)."""
    keys = [text_key(r) for r in rows]
    used: set[int] = set()
    out: list[tuple[int | None, str]] = []
    for sentence in pipeline:
        key = text_key(sentence)
        exact = [i for i, k in enumerate(keys) if k == key]
        inside = [i for i, k in enumerate(keys) if key and key in k]
        holds = [i for i, k in enumerate(keys) if k and k in key]
        if exact:
            pick, how = next((i for i in exact if i not in used), exact[0]), "exact"
        elif inside:
            pick, how = next((i for i in inside if i not in used), inside[0]), "part"
        elif holds:
            pick, how = max(holds, key=lambda i: len(keys[i])), "merged"
        else:
            out.append((None, "unmapped"))
            continue
        used.add(pick)
        out.append((pick, how))
    return out


def aspect_theme(frame: pl.DataFrame, aspect: str) -> dict[str, Any]:
    """Of the themes where ``aspect`` is the majority (ties included) of the single-aspect
    sentences, with at least ``MIN_ASPECT_SENTENCES`` of them, the largest with purity
    >= ``PURITY_GOAL``, else the largest: theme, purity, sentences, of_aspect, recall
    (of the aspect's sentences) and languages. ``frame``: theme (-1: none), aspect (null
    unless the sentence has exactly one, GENERAL left out: by design those join their
    review's cause), general_only, semeval_lang. ``purity_with_general`` counts them too."""
    single = frame.filter(pl.col("aspect").is_not_null() & (pl.col("theme") >= 0))
    candidates = []
    for (theme,), part in single.group_by("theme"):
        counts = Counter(part["aspect"].to_list())
        if counts[aspect] >= MIN_ASPECT_SENTENCES and counts[aspect] == max(counts.values()):
            pure = counts[aspect] / part.height >= PURITY_GOAL
            candidates.append((pure, counts[aspect], -int(theme), part.height))
    if not candidates:
        return {"theme": None, "purity": 0.0, "purity_with_general": 0.0, "sentences": 0,
                "of_aspect": 0, "recall": 0.0, "languages": 0, "by_language": {}}
    _, n, theme, size = max(candidates)
    members = frame.filter(pl.col("theme") == -theme)
    langs = Counter(members["semeval_lang"].drop_nulls().to_list())
    general = int(members["general_only"].fill_null(False).sum())
    total = int((frame["aspect"] == aspect).sum())
    return {"theme": -theme, "purity": round(n / size, 3),
            "purity_with_general": round(n / (size + general), 3), "sentences": size,
            "of_aspect": n, "recall": round(n / max(total, 1), 3),
            "languages": sum(c >= MIN_LANGUAGE_SENTENCES for c in langs.values()),
            "by_language": dict(langs.most_common())}


# ---- the warehouse ----------------------------------------------------------------------
def _night(config: Any, night: str) -> dict[str, Any]:
    """One whole pipeline run; its counts per stage."""
    from flows.request import preflight
    from flows.run import run_pipeline

    request = preflight(config, parameters={"benchmark": "bench.causes", "night": night})
    return run_pipeline(request).counts


def _sentences(config: Any) -> tuple[pl.DataFrame, list[int]]:
    """Every sentence (doc_id, id, sentence_idx, text, topic_id, states_cause, kind of its
    theme) and the run's ranked pain points' theme ids (top ``TOP``)."""
    from data.warehouse import Warehouse

    with Warehouse(config.resolve(config.warehouse.path), read_only=True) as wh:
        frame = wh.themed_sentences().select(
            "doc_id", pl.col("source_record_id").alias("id"), "sentence_idx", "text",
            "topic_id")
        frame = frame.join(wh.sentence_causes(), on=["doc_id", "sentence_idx"], how="left")
        ranked = [int(r["topic_id"]) for r in wh.pain_points_of_run(wh.latest_run_id())]
    return frame.sort("id", "sentence_idx"), ranked[:TOP]


def _plain_bertopic(config: Any, frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with plain BERTopic's topics (defaults, the pipeline's stored sentence
    embeddings) as topic_id; no kind, no tone reading."""
    from bertopic import BERTopic
    from umap import UMAP

    from data.warehouse import Warehouse

    with Warehouse(config.resolve(config.warehouse.path), read_only=True) as wh:
        stored, vectors = wh.sentences_for_themes(config.models.embedding)
    model = BERTopic(umap_model=UMAP(n_neighbors=15, n_components=5, min_dist=0.0,
                                     metric="cosine", random_state=42))
    topics, _ = model.fit_transform(stored["text"].to_list(), embeddings=vectors)
    plain = stored.select("doc_id", "sentence_idx").with_columns(
        plain=pl.Series([int(t) for t in topics], dtype=pl.Int64))
    return frame.join(plain, on=["doc_id", "sentence_idx"], how="left").with_columns(
        topic_id=pl.when(pl.col("plain") >= 0).then(pl.col("plain")),
        states_cause=pl.lit(None, pl.Boolean), kind=pl.lit(None, pl.String)).drop("plain")


def _export(project: Path, ids: list[str], bodies: list[str]) -> Any:
    start = datetime(2026, 9, 1, tzinfo=UTC)
    _write_export([{"id": i, "at": (start + timedelta(minutes=k)).isoformat(), "body": b}
                   for k, (i, b) in enumerate(zip(ids, bodies, strict=True))],
                  project / "export.csv")
    return _config(project, [project / "export.csv"])


def _sample(ids: list[str], limit: int | None, seed: int = SEED) -> list[str]:
    if limit is None or limit >= len(ids):
        return ids
    chosen = set(random.Random(seed).sample(ids, limit))
    return [i for i in ids if i in chosen]


@functools.cache
def _redactor() -> Any:
    from nlp.redact import Redactor

    return Redactor()


def _stored(text: str) -> str:
    """A text as the warehouse stores it (:func:`nlp.text_prep.stored_text`)."""
    from nlp.text_prep import stored_text

    return stored_text(text, _redactor())


def _shares(values: list[str], names: tuple[str, ...]) -> dict[str, float]:
    counts = Counter(values)
    return {n: round(counts[n] / max(len(values), 1), 3) for n in names}


def _false_share(values: pl.Series) -> float | None:
    """Share of False among the non-null booleans (None when all are null)."""
    known = values.drop_nulls()
    return round(float((~known).mean()), 3) if known.len() else None


# ---- A. banking77 with tone added --------------------------------------------------------
def measure_banking(frame: pl.DataFrame, intents: dict[str, str],
                    ranked: list[int] | None) -> dict[str, Any]:
    """``frame``: id, sentence_idx, topic_id, kind, states_cause, added (bool) per sentence."""
    from sklearn.metrics import normalized_mutual_info_score

    t = frame.with_columns(theme=pl.col("topic_id").fill_null(-1))
    own = t.filter(~pl.col("added"))
    by_query = {i: majority(th) for i, th in own.group_by("id", maintain_order=True)
                .agg("theme").iter_rows()}
    ids = sorted(intents)
    nmi = normalized_mutual_info_score([intents[i] for i in ids],
                                       [by_query.get(i, -1) for i in ids])
    themes, added = t["theme"].to_list(), t["added"].to_list()
    general = set(t.filter(pl.col("kind") == "general")["theme"].to_list())
    tone = tone_themes(themes, added)
    largest = largest_themes(themes, general)
    went = []
    for i, theme, kind in t.filter(pl.col("added")).select("id", "theme", "kind").iter_rows():
        went.append("no_theme" if theme < 0 else "general" if kind == "general"
                    else "own_query_theme" if theme == by_query.get(i, -1)
                    else "tone_theme" if theme in tone else "other_theme")
    return {
        "sentences": t.height, "added_sentences": int(t["added"].sum()),
        "themes": len(set(themes) - general - {-1}),
        "query_nmi": round(float(nmi), 3),
        "unthemed_share": round(themes.count(-1) / max(len(themes), 1), 3),
        "purity": purity([intents[i] for i in own["id"].to_list()], own["theme"].to_list()),
        "general_share": round(float(t["theme"].is_in(list(general)).mean()), 3),
        "tone_themes": len(tone),
        "tone_themes_in_largest": len(tone & set(largest)),
        "tone_themes_in_ranked": None if ranked is None else len(tone & set(ranked)),
        "added_went": _shares(went, ("own_query_theme", "general", "no_theme", "tone_theme",
                                     "other_theme")) if went else None,
        "read_tone_only": {"added": _false_share(t.filter(pl.col("added"))["states_cause"]),
                           "queries": _false_share(own["states_cause"])},
    }


def run_banking(datasets: Path, workdir: Path, limit: int | None) -> dict[str, Any]:
    test = pl.read_parquet(datasets / "banking77_intents.parquet").filter(
        pl.col("split") == "test")
    all_ids = [f"B{i:05d}" for i in range(test.height)]
    ids = _sample(all_ids, limit)
    text = dict(zip(all_ids, test["text"].to_list(), strict=True))
    intents = dict(zip(all_ids, test["label"].to_list(), strict=True))
    intents = {i: intents[i] for i in ids}
    injected = inject_tone([text[i] for i in ids])
    phrase_key = {i: text_key(_stored(p)) for i, (_, p) in zip(ids, injected, strict=True) if p}
    out: dict[str, Any] = {"queries": len(ids), "with_tone_added": len(phrase_key),
                           "phrases": sum(map(len, TONE_PHRASES.values())),
                           "phrase_languages": len(TONE_PHRASES)}
    for name, bodies in (("clean", [text[i] for i in ids]), ("injected", [b for b, _ in injected])):
        config = _export(workdir / name, ids, bodies)
        began = time.perf_counter()
        _night(config, f"banking77-{name}")
        seconds = round(time.perf_counter() - began, 1)
        frame, ranked = _sentences(config)
        keys = phrase_key if name == "injected" else {}
        frame = frame.with_columns(added=pl.Series([
            keys.get(i) == text_key(s) for i, s in
            zip(frame["id"].to_list(), frame["text"].to_list(), strict=True)], dtype=pl.Boolean))
        out[name] = {**measure_banking(frame, intents, ranked), "seconds": seconds}
        if name == "injected":
            out["added_found_as_sentences"] = int(frame["added"].sum())
            out["bertopic_default"] = measure_banking(_plain_bertopic(config, frame), intents,
                                                      None)
    return out


# ---- B. SemEval-2016 -----------------------------------------------------------------------
def semeval_test_half(datasets: Path, limit: int | None) -> pl.DataFrame:
    """The test half's sentences: id (lang-review_id), position, text, lang, aspects."""
    frame = pl.read_parquet(datasets / "semeval16_absa_train.parquet")
    half = [semeval_half(lang, str(review))
            for lang, review in zip(frame["lang"], frame["review_id"], strict=True)]
    frame = frame.with_columns(half=pl.Series(half, dtype=pl.String)).filter(
        (pl.col("half") == "test") & (pl.col("text").str.strip_chars() != "")).select(
        id=pl.concat_str("lang", pl.lit("-"), pl.col("review_id").cast(pl.String)),
        position=pl.col("sentence_id").str.split(":").list.last().cast(pl.Int32),
        text="text", lang="lang",
        aspects=pl.col("aspect").fill_null("").str.split("|")
        .list.eval(pl.element().filter(pl.element() != "")).list.unique(maintain_order=True))
    ids = _sample(sorted(set(frame["id"].to_list())), limit)
    return frame.filter(pl.col("id").is_in(ids)).sort("id", "position")


def map_to_semeval(frame: pl.DataFrame, truth: pl.DataFrame) -> pl.DataFrame:
    """``frame`` (id, sentence_idx, text, ...) with each sentence's annotated row's aspects,
    semeval_lang and how it was matched (:func:`map_document`)."""
    rows = {i: part for (i,), part in truth.group_by("id")}
    parts = []
    for (doc,), part in frame.sort("id", "sentence_idx").group_by("id", maintain_order=True):
        annotated = rows.get(doc, truth.clear())
        texts = [_stored(t) for t in annotated["text"].to_list()]
        matched = map_document(part["text"].to_list(), texts)
        row_aspects, row_langs = annotated["aspects"].to_list(), annotated["lang"].to_list()
        aspects = [None if r is None else row_aspects[r] for r, _ in matched]
        langs = [None if r is None else row_langs[r] for r, _ in matched]
        parts.append(part.with_columns(
            aspects=pl.Series(aspects, dtype=pl.List(pl.String)),
            semeval_lang=pl.Series(langs, dtype=pl.String),
            match=pl.Series([how for _, how in matched], dtype=pl.String)))
    return pl.concat(parts)


def measure_semeval(mapped: pl.DataFrame, top_aspects: list[str],
                    ranked: list[int] | None) -> dict[str, Any]:
    """``mapped``: from :func:`map_to_semeval`, with topic_id, kind, states_cause."""
    from sklearn.metrics import normalized_mutual_info_score

    t = mapped.with_columns(
        theme=pl.col("topic_id").fill_null(-1),
        aspect=pl.when(pl.col("aspects").list.len() == 1).then(pl.col("aspects").list.first()),
        general_only=(pl.col("aspects").list.len() > 0)
        & pl.col("aspects").list.eval(pl.element().is_in(list(GENERAL_ASPECTS))).list.all(),
        names_cause=pl.col("aspects").list.eval(
            ~pl.element().is_in(list(GENERAL_ASPECTS))).list.any().fill_null(False))
    general = set(t.filter(pl.col("kind") == "general")["theme"].to_list())
    cause_themes = {i: set(th) for i, th in t.filter(pl.col("names_cause"))
                    .group_by("id").agg("theme").iter_rows()}
    went = ["no_theme" if th < 0 else "general" if th in general
            else "with_own_cause" if th in cause_themes.get(i, set()) else "elsewhere"
            for i, th in t.filter(pl.col("general_only")).select("id", "theme").iter_rows()]
    mostly_general = [th for th in (ranked or []) if 2 * t.filter(
        (pl.col("theme") == th) & pl.col("general_only")).height > (t["theme"] == th).sum()]
    specific = t.filter(pl.col("aspect").is_not_null() & ~pl.col("general_only"))
    docs = t.group_by("id").agg("theme", "aspects")
    doc_truth = [_main_aspect([a for row in rows if row for a in row])
                 for rows in docs["aspects"].to_list()]
    doc_theme = [majority([x for x in th if x not in general]) for th in docs["theme"]]
    aspects = {a: aspect_theme(t.select("theme", "semeval_lang", "general_only", aspect=pl.when(
        ~pl.col("general_only").fill_null(False)).then("aspect")), a) for a in top_aspects}
    return {
        "sentences": t.height, "themes": len(set(t["theme"].to_list()) - general - {-1}),
        "unthemed_share": round(float((t["theme"] < 0).mean()), 3),
        "purity": purity(specific["aspect"].to_list(), specific["theme"].to_list()),
        "aspects": aspects,
        "general_sentences": len(went),
        "general_went": _shares(went, ("general", "with_own_cause", "no_theme", "elsewhere")),
        "general_kept_out_share": round(sum(w in ("general", "with_own_cause") for w in went)
                                        / max(len(went), 1), 3),
        "ranked_mostly_general": None if ranked is None else len(mostly_general),
        "read_tone_only": {
            "general": _false_share(t.filter(pl.col("general_only"))["states_cause"]),
            "naming_an_aspect": _false_share(t.filter(pl.col("names_cause"))["states_cause"])},
        "document_nmi": round(float(normalized_mutual_info_score(doc_truth, doc_theme)), 3),
    }


def _main_aspect(aspects: list[str | None]) -> str:
    """A review's most frequent aspect, GENERAL ones only when it has no other."""
    named = [a for a in aspects if a]
    specific = [a for a in named if a not in GENERAL_ASPECTS]
    return Counter(specific or named or ["none"]).most_common(1)[0][0]


def run_semeval(datasets: Path, workdir: Path, limit: int | None) -> dict[str, Any]:
    truth = semeval_test_half(datasets, limit)
    docs = truth.group_by("id", maintain_order=True).agg(pl.col("text").str.join(" "))
    singles = Counter(a[0] for a in truth["aspects"].to_list() if len(a) == 1)
    top = [a for a, _ in singles.most_common() if a not in GENERAL_ASPECTS][:ASPECTS_MEASURED]
    config = _export(workdir, docs["id"].to_list(), docs["text"].to_list())
    began = time.perf_counter()
    _night(config, "semeval-test-half")
    seconds = round(time.perf_counter() - began, 1)
    frame, ranked = _sentences(config)
    mapped = map_to_semeval(frame, truth)
    ours = measure_semeval(mapped, top, ranked)
    plain = measure_semeval(_plain_bertopic(config, mapped), top, None)
    return {"reviews": docs.height, "annotated_sentences": truth.height,
            "languages": dict(Counter(truth["lang"].to_list()).most_common()),
            "top_aspects": {a: singles[a] for a in top},
            "mapping": dict(Counter(mapped["match"].to_list()).most_common()),
            "ours": {**ours, "seconds": seconds},
            "bertopic_default": {k: plain[k] for k in (
                "sentences", "themes", "unthemed_share", "purity", "aspects",
                "document_nmi")}}


# ---- C. the shipped samples ----------------------------------------------------------------
def run_samples(workdir: Path) -> dict[str, Any]:
    """The main job (configs/voc.toml) on a copy of the shipped samples."""
    from data.warehouse import Warehouse
    from flows.config import load_config

    shutil.copytree(ROOT / "data" / "samples", workdir / "data" / "samples",
                    ignore=shutil.ignore_patterns("__pycache__"))
    text = (ROOT / "configs" / "voc.toml").read_text(encoding="utf-8")
    text = text.replace('cache_dir = "data/models"', f'cache_dir = "{MODEL_CACHE}"')
    (workdir / "configs").mkdir(parents=True)
    (workdir / "configs" / "voc.toml").write_text(text, encoding="utf-8")
    config = load_config(workdir / "configs" / "voc.toml")
    _night(config, "samples")
    with Warehouse(config.resolve(config.warehouse.path), read_only=True) as wh:
        coverage = wh.theme_coverage()
    return {**coverage, "unthemed_share": round(
        coverage["unthemed"] / max(coverage["sentences"], 1), 3)}


# ---- all of it ------------------------------------------------------------------------------
def run_causes(datasets: Path, workdir: Path, limit: int | None = None,
               parts: tuple[str, ...] = PARTS) -> dict[str, Any]:
    os.environ.setdefault("VOC_CUSTOMER_KEY_SECRET", BENCH_SECRET)
    shutil.rmtree(workdir, ignore_errors=True)
    out: dict[str, Any] = {"benchmark": "causes", "machine": machine_info(), "limit": limit}
    if "banking77" in parts:
        out["banking77"] = run_banking(datasets, workdir / "banking77", limit)
    if "semeval" in parts:
        out["semeval"] = run_semeval(datasets, workdir / "semeval", limit)
    if "samples" in parts:
        out["samples"] = run_samples(workdir / "samples")
    out["goals"] = goals(out)
    return out


def goals(r: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each goal: what it asks, the measured value, met or not."""
    rows: list[tuple[str, str, Any, bool]] = []
    if b := r.get("banking77"):
        clean, tone = b["clean"]["query_nmi"], b["injected"]
        found = [tone["tone_themes_in_largest"], tone["tone_themes_in_ranked"]]
        rows += [("banking77_nmi_kept", f">= {clean - 0.02:.3f} (clean - 0.02)",
                  tone["query_nmi"], tone["query_nmi"] >= clean - 0.02),
                 ("banking77_no_tone_theme_top10", "0 in the largest, 0 ranked", found,
                  not any(found)),
                 ("banking77_unthemed", "<= 10%", tone["unthemed_share"],
                  tone["unthemed_share"] <= 0.10)]
    if s := r.get("semeval"):
        o = s["ours"]
        purities = [v["purity"] for v in o["aspects"].values()] or [0.0]
        langs = [v["languages"] for v in o["aspects"].values()] or [0]
        rows += [("semeval_aspect_purity", ">= 0.6 each", min(purities), min(purities) >= 0.6),
                 ("semeval_aspect_languages", ">= 4 for one", max(langs), max(langs) >= 4),
                 ("semeval_general_not_ranked", "0", o["ranked_mostly_general"],
                  o["ranked_mostly_general"] == 0),
                 ("semeval_unthemed", "<= 10%", o["unthemed_share"],
                  o["unthemed_share"] <= 0.10)]
    if c := r.get("samples"):
        rows.append(("samples_unthemed", "<= 10%", c["unthemed_share"],
                     c["unthemed_share"] <= 0.10))
    return {k: {"goal": goal, "value": v, "met": bool(met)} for k, goal, v, met in rows}


def render_causes_markdown(r: dict[str, Any]) -> str:
    m, g = r.get("machine", {}), r.get("goals", {})

    def met(key: str) -> str:
        return "" if key not in g else "**met**" if g[key]["met"] else "**not met**"

    def pct(x: float | None) -> str:
        return "n/a" if x is None else f"{x:.1%}"

    lines = ["## Themes follow causes, not tone", "",
             f"Whole pipeline runs, default settings (commit {m.get('git_commit')}, "
             f"{m.get('date')}{', limit ' + str(r['limit']) if r.get('limit') else ''}). "
             "Reproduce with `python -m bench.causes --datasets ../shared/datasets`.", ""]
    if b := r.get("banking77"):
        c, t, p = b["clean"], b["injected"], b["bertopic_default"]
        went = t["added_went"] or {}
        lines += [
            f"**banking77, tone added**: {b['queries']:,} test queries; {b['with_tone_added']:,} "
            f"get one of {b['phrases']} tone-only phrases ({b['phrase_languages']} languages) "
            "before or after them.", "",
            "| what | clean | tone added | goal | |", "|---|---|---|---|---|",
            f"| query-level NMI against the intents | {c['query_nmi']} | {t['query_nmi']} | "
            f"≥ clean − 0.02 | {met('banking77_nmi_kept')} |",
            f"| tone themes in the 10 largest / the 10 ranked | {c['tone_themes_in_largest']} / "
            f"{c['tone_themes_in_ranked']} | {t['tone_themes_in_largest']} / "
            f"{t['tone_themes_in_ranked']} | 0 | {met('banking77_no_tone_theme_top10')} |",
            f"| sentences without a theme | {pct(c['unthemed_share'])} | "
            f"{pct(t['unthemed_share'])} | ≤ 10% | {met('banking77_unthemed')} |",
            f"| purity of themed query sentences | {c['purity']} | {t['purity']} | | |",
            f"| cause themes | {c['themes']} | {t['themes']} | | |",
            f"| plain BERTopic, same sentences: without a theme, purity, tone themes in its "
            f"10 largest | | {pct(p['unthemed_share'])}, {p['purity']}, "
            f"{p['tone_themes_in_largest']} | | |", "",
            f"Added sentences: {pct(went.get('own_query_theme'))} joined their query's theme, "
            f"{pct(went.get('general'))} the general theme, {pct(went.get('no_theme'))} no "
            f"theme, {pct(went.get('tone_theme'))} a tone theme, {pct(went.get('other_theme'))} "
            f"another theme. The tone head read {pct(t['read_tone_only']['added'])} of them "
            f"and {pct(t['read_tone_only']['queries'])} of the query sentences as tone-only.",
            ""]
    if s := r.get("semeval"):
        o, p = s["ours"], s["bertopic_default"]
        mapped = sum(n for k, n in s["mapping"].items() if k != "unmapped")
        lines += [
            f"**SemEval-2016 reviews** (test half, {s['reviews']:,} reviews, "
            f"{len(s['languages'])} languages; {mapped:,} of {o['sentences']:,} pipeline "
            f"sentences mapped to an annotated one: {s['mapping']}).", "",
            "| aspect | theme | purity (GENERAL counted too) | of the aspect's sentences | "
            f"languages (≥ {MIN_LANGUAGE_SENTENCES} sentences) | plain BERTopic purity |",
            "|---|---|---|---|---|---|",
            *[f"| {a} | {v['theme']} | {v['purity']} ({v['purity_with_general']}) | "
              f"{pct(v['recall'])} | {v['languages']} | "
              f"{p['aspects'][a]['purity'] if p['aspects'][a]['theme'] is not None else 'none'} |"
              for a, v in o["aspects"].items()], "",
            f"Goals: purity ≥ 0.6 for each: {met('semeval_aspect_purity')}; one in ≥ 4 "
            f"languages: {met('semeval_aspect_languages')}.", "",
            "| what | ours | plain BERTopic | goal | |", "|---|---|---|---|---|",
            f"| sentences without a theme | {pct(o['unthemed_share'])} | "
            f"{pct(p['unthemed_share'])} | ≤ 10% | {met('semeval_unthemed')} |",
            f"| purity of themed single-aspect sentences (GENERAL left out) | {o['purity']} | "
            f"{p['purity']} | | |",
            f"| document NMI against the review's main aspect | {o['document_nmi']} | "
            f"{p['document_nmi']} | | |",
            f"| ranked pain points (top 10) made mostly of GENERAL sentences | "
            f"{o['ranked_mostly_general']} | | 0 | {met('semeval_general_not_ranked')} |", "",
            f"GENERAL sentences ({o['general_sentences']:,}): {pct(o['general_kept_out_share'])} "
            f"in the general theme or their own review's cause theme ({o['general_went']}); "
            f"the tone head read {pct(o['read_tone_only']['general'])} of them and "
            f"{pct(o['read_tone_only']['naming_an_aspect'])} of sentences naming an aspect "
            "as tone-only.", ""]
    if c := r.get("samples"):
        lines += [f"**Shipped samples**: {c['sentences']} sentences, "
                  f"{pct(c['unthemed_share'])} without a theme (goal ≤ 10%: "
                  f"{met('samples_unthemed')}); {c.get('tone_only')} tone-only, "
                  f"{c.get('general')} in the general theme.", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Themes follow causes, not tone")
    parser.add_argument("--datasets", type=Path, default=DEFAULT_DATASETS)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/voc-bench/causes"))
    parser.add_argument("--limit", type=int, default=None,
                        help="at most this many queries (A) and reviews (B), seeded sample")
    parser.add_argument("--parts", nargs="+", choices=PARTS, default=list(PARTS))
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    result = run_causes(args.datasets, args.workdir, args.limit, tuple(args.parts))
    text = json.dumps(result, indent=1, ensure_ascii=False, default=str)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    print(text)
    print(render_causes_markdown(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
