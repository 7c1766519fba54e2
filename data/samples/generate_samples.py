"""Generate the multilingual ShopNova sample data shipped with the VoC pipeline.

ShopNova is a fictional online retailer (web shop, mobile app, home delivery,
payments and a "Nova Plus" membership). This script writes four customer-feedback
exports in seven languages (en, fa, ar, he, el, de, es) plus a ground-truth file
and a README describing them:

    reviews.csv       product/shop reviews export
    social.jsonl      social media posts, one JSON object per line
    chats.json        support chat transcripts (bot, agent and customer turns)
    survey.csv        NPS / CSAT / CES survey export with two free-text answers
    ground_truth.csv  the label (pain point, praise, neutral) of every text, for evaluation
    README.md         file formats, counts per channel and language, bad records, licence

The texts live in ``text_banks/`` next to this script, so they stay readable and diffable:

    text_banks/<lang>.txt          one text per line, grouped in [sections] (en, fa, ar, ...)
    text_banks/vocabulary.json     names, surnames, products, countries, e-mail domains, emoji
    text_banks/bad_records.json    deliberately bad records and duplicated reviews
    text_banks/readme_template.md  the text of README.md (str.format fields filled in here)

``sample_records.py`` loads them and builds one record per planned item; this script plans
the records (channel, language, label, week), writes the files and the README.

All texts were written by hand for this project; none are copied from real
customers or third-party datasets. They are released under the project's Apache-2.0
licence (use them freely, as you would CC0 data). Any resemblance to real people or
companies is coincidental; e-mail addresses use reserved example domains.

The output is fully deterministic (fixed seed, stdlib only). Regenerate with:

    python3 data/samples/generate_samples.py

(run it as a script: it imports ``sample_records`` from its own folder). The data files
under ``text_banks/`` are read from the source tree; they are not installed with the package.
"""

from __future__ import annotations

import csv
import json
import random
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path

from sample_records import (
    BUILDERS,
    LABELS,
    LANG_NAMES,
    LANGS,
    PAINS,
    Item,
    Picker,
    Truth,
    check_banks,
    load_json,
)

OUT_DIR = Path(__file__).resolve().parent
TEMPLATE = OUT_DIR / "text_banks" / "readme_template.md"
SEED = 20261115
START = date(2026, 9, 7)  # Monday of week 1; week 10 ends on Sunday 2026-11-15
WEEKS = 10

CHANNELS = ("reviews", "social", "chats", "survey")
CHANNEL_SIZES = {"reviews": 126, "social": 100, "chats": 62, "survey": 66}
EN_SHARE = 0.30
# Late delivery grows over time: few reports in the first weeks, a clear surge in the last three.
LATE_WEEK_WEIGHTS = (1.0, 1.0, 1.2, 1.3, 1.5, 1.8, 2.2, 3.2, 4.4, 6.0)

# ---------------------------------------------------------------------------------------------
# Planning: who writes what, where and when.
# ---------------------------------------------------------------------------------------------


def largest_remainder(total: int, weights: tuple[float, ...]) -> list[int]:
    """Split total into integer parts proportional to weights."""
    scale = total / sum(weights)
    exact = [w * scale for w in weights]
    parts = [int(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: (parts[i] - exact[i], i))
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


def language_capacity() -> dict[str, dict[str, int]]:
    """Records per channel and language: English ~30 %, the rest shared evenly."""
    others = LANGS[1:]
    caps: dict[str, dict[str, int]] = {}
    pointer = 0
    for channel in CHANNELS:
        size = CHANNEL_SIZES[channel]
        english = round(size * EN_SHARE)
        base, extra = divmod(size - english, len(others))
        caps[channel] = {"en": english, **dict.fromkeys(others, base)}
        for k in range(extra):
            caps[channel][others[(pointer + k) % len(others)]] += 1
        pointer = (pointer + extra) % len(others)
    return caps


def label_counts(total: int) -> dict[str, int]:
    """Praise ~15 %, neutral ~9 %, every pain point at least 6, late delivery gets the rest."""
    praise = round(0.15 * total)
    neutral = round(0.09 * total)
    other = max(6, round(0.12 * total))
    counts = {"praise": praise, "neutral": neutral, **dict.fromkeys(PAINS[1:], other)}
    counts["late_delivery"] = total - sum(counts.values())
    return counts


def plan_items(rng: random.Random) -> list[Item]:
    """Decide channel, language, label, week and timestamp of every record."""
    caps = language_capacity()
    items: list[Item] = []
    for lang in LANGS:
        lang_caps = {ch: caps[ch][lang] for ch in CHANNELS}
        remaining = dict(lang_caps)
        counts = label_counts(sum(lang_caps.values()))
        # Interleave the labels (k-th of n at position (k + 0.5) / n) so none gets the leftovers,
        # and spread each label over the channels in proportion to the channel sizes.
        sequence = sorted(
            ((k + 0.5) / n, LABELS.index(label), label)
            for label, n in counts.items()
            for k in range(n)
        )
        used: dict[str, Counter[str]] = {label: Counter() for label in LABELS}
        for _, _, label in sequence:
            _, _, channel = min(
                ((used[label][ch] + 1) / lang_caps[ch], -remaining[ch], ch)
                for ch in CHANNELS
                if remaining[ch] > 0
            )
            used[label][channel] += 1
            remaining[channel] -= 1
            items.append(Item(channel, lang, label))

    late = [it for it in items if it.label == "late_delivery"]
    rest = [it for it in items if it.label != "late_delivery"]
    for group, weights in ((late, LATE_WEEK_WEIGHTS), (rest, (1.0,) * WEEKS)):
        weeks = [w for w, n in enumerate(largest_remainder(len(group), weights)) for _ in range(n)]
        rng.shuffle(weeks)
        for it, week in zip(group, weeks, strict=True):
            it.week = week
    hour_weights = (1, 1, 1, 1, 1, 1, 2, 4, 6, 8, 9, 9, 9, 9, 8, 8, 8, 9, 10, 11, 11, 9, 6, 3)
    for it in items:
        day = START + timedelta(days=7 * it.week + rng.randrange(7))
        hour = rng.choices(range(24), weights=hour_weights)[0]
        second = rng.randrange(60) if it.channel in ("social", "chats") else 0
        it.ts = datetime(day.year, day.month, day.day, hour, rng.randrange(60), second)
    items.sort(key=lambda it: (CHANNELS.index(it.channel), it.ts, it.lang, it.label))
    return items


# ---------------------------------------------------------------------------------------------
# Assembly and output files
# ---------------------------------------------------------------------------------------------

ID_PREFIX = {
    "reviews": ("R", 10001),
    "social": ("S", 20001),
    "chats": ("C", 30001),
    "survey": ("V", 40001),
}
ID_FIELD = {
    "reviews": "review_id",
    "social": "post_id",
    "chats": "conversation_id",
    "survey": "respondent_id",
}
# Deliberately bad records for the quarantine path: {channel: [{position, problem, record}]}.
BAD = load_json("bad_records.json")


def assemble(
    channel: str, good: list[tuple[dict, list[Truth]]], bad: list[dict]
) -> tuple[list[dict | None], list[Truth], list[tuple[str, str, str]]]:
    """Insert bad records among the time-ordered ones, assign ids; return rows, truths, notes."""
    prefix, first = ID_PREFIX[channel]
    id_field = ID_FIELD[channel]
    rows: list[dict | None] = [record for record, _ in good]
    truths_by_pos: list[list[Truth]] = [truths for _, truths in good]
    for entry in bad:
        rows.insert(entry["position"], entry["record"])
        truths_by_pos.insert(entry["position"], [])
    out_rows: list[dict | None] = []
    truth_rows: list[Truth] = []
    notes: list[tuple[str, str, str]] = []
    bad_positions = {entry["position"]: entry["problem"] for entry in bad}
    for index, (record, truths) in enumerate(zip(rows, truths_by_pos, strict=True)):
        record_id = f"{prefix}-{first + index}"
        if record is None:
            out_rows.append({id_field: record_id, "_invalid_json": True})
        else:
            out_rows.append({id_field: record_id, **record})
        for truth in truths:
            truth_rows.append({"channel": channel, "record_id": record_id, **truth})
        if index in bad_positions:
            notes.append((channel, record_id, bad_positions[index]))
    return out_rows, truth_rows, notes


def write_outputs(rng: random.Random) -> dict:
    items = plan_items(rng)
    picker = Picker(rng)
    built: dict[str, list[tuple[dict, list[Truth]]]] = defaultdict(list)
    for item in items:
        built[item.channel].append(BUILDERS[item.channel](item, picker, rng))

    all_truth: list[Truth] = []
    notes: list[tuple[str, str, str]] = []

    # reviews.csv
    rows, truths, bad_notes = assemble("reviews", built["reviews"], BAD["reviews"])
    for dup in BAD["duplicate_reviews"]:
        duplicate = dict(rows[dup["copy_row"]])  # type: ignore[arg-type]
        rows.insert(dup["insert_at"], duplicate)
        bad_notes.append(
            ("reviews", str(duplicate["review_id"]), "exact duplicate row (same id and content)")
        )
    all_truth += truths
    notes += bad_notes
    with (OUT_DIR / "reviews.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(
            fh,
            fieldnames=[
                "review_id",
                "submitted_at",
                "stars",
                "title",
                "body",
                "product",
                "country",
            ],
            lineterminator="\n",
        )
        writer.writeheader()
        writer.writerows(r for r in rows if r is not None)
    review_rows = len(rows)

    # social.jsonl
    rows, truths, bad_notes = assemble("social", built["social"], BAD["social"])
    all_truth += truths
    notes += bad_notes
    with (OUT_DIR / "social.jsonl").open("w", encoding="utf-8", newline="\n") as fh:
        for row in rows:
            assert row is not None
            if row.get("_invalid_json"):
                fh.write(
                    f'{{"post_id": "{row["post_id"]}", "author": "@export_glitch", '
                    '"platform": "facebook", "posted_at": "2026-10-14T08:03:11Z", '
                    '"text": "Parcel arrived but the box was\n'
                )
            else:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    social_rows = len(rows)

    # chats.json
    rows, truths, bad_notes = assemble("chats", built["chats"], BAD["chats"])
    all_truth += truths
    notes += bad_notes
    with (OUT_DIR / "chats.json").open("w", encoding="utf-8", newline="\n") as fh:
        json.dump(rows, fh, ensure_ascii=False, indent=2)
        fh.write("\n")
    chat_rows = len(rows)

    # survey.csv
    rows, truths, bad_notes = assemble("survey", built["survey"], BAD["survey"])
    all_truth += truths
    notes += bad_notes
    with (OUT_DIR / "survey.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(
            fh,
            fieldnames=["respondent_id", "submitted", "nps", "csat", "ces", "q_improve", "q_like"],
            lineterminator="\n",
        )
        writer.writeheader()
        writer.writerows(r for r in rows if r is not None)
    survey_rows = len(rows)

    # ground_truth.csv
    fields = [
        "channel",
        "record_id",
        "field",
        "language",
        "label",
        "mixed",
        "week",
        "pii",
        "phrasing",
    ]
    with (OUT_DIR / "ground_truth.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(all_truth)

    return {
        "truth": all_truth,
        "notes": notes,
        "rows": {
            "reviews": review_rows,
            "social": social_rows,
            "chats": chat_rows,
            "survey": survey_rows,
        },
    }


# ---------------------------------------------------------------------------------------------
# README
# ---------------------------------------------------------------------------------------------


def md_table(headers: list[str], rows: list[list[object]]) -> str:
    """Markdown table; columns holding only numbers are right-aligned."""
    numeric = [all(isinstance(row[i], int) for row in rows) for i in range(len(headers))]
    lines = [
        "| " + " | ".join(headers) + " |",
        "|" + "|".join("---:" if num else "---" for num in numeric) + "|",
    ]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def write_readme(result: dict) -> str:
    truth: list[Truth] = result["truth"]
    total = len(truth)
    by_channel_lang = Counter((t["channel"], t["language"]) for t in truth)
    by_label_lang = Counter((t["label"], t["language"]) for t in truth)
    by_label_channel = Counter((t["label"], t["channel"]) for t in truth)
    late_weeks = Counter(t["week"] for t in truth if t["label"] == "late_delivery")
    pii = sum(int(t["pii"]) for t in truth)
    mixed = sum(int(t["mixed"]) for t in truth)

    channel_rows: list[list[object]] = []
    for channel in CHANNELS:
        row: list[object] = [channel]
        row += [by_channel_lang[(channel, lang)] for lang in LANGS]
        row.append(sum(by_channel_lang[(channel, lang)] for lang in LANGS))
        channel_rows.append(row)
    lang_totals = [sum(by_channel_lang[(ch, lang)] for ch in CHANNELS) for lang in LANGS]
    channel_rows.append(["**total**", *lang_totals, total])
    channel_rows.append(["share", *(f"{n / total:.0%}" for n in lang_totals), "100%"])

    label_rows: list[list[object]] = []
    for label in LABELS:
        n = sum(by_label_lang[(label, lang)] for lang in LANGS)
        label_rows.append(
            [label, *(by_label_lang[(label, lang)] for lang in LANGS), n, f"{n / total:.0%}"]
        )

    label_channel_rows = [
        [label, *(by_label_channel[(label, ch)] for ch in CHANNELS)] for label in LABELS
    ]

    week_rows = []
    for week in range(1, WEEKS + 1):
        start = START + timedelta(days=7 * (week - 1))
        end = start + timedelta(days=6)
        n = late_weeks[week]
        week_rows.append([week, f"{start:%Y-%m-%d} – {end:%Y-%m-%d}", n, "█" * n])

    bad_rows = [
        [f"`{channel}`", f"`{record_id}`", problem]
        for channel, record_id, problem in result["notes"]
    ]
    rows = result["rows"]
    text = TEMPLATE.read_text(encoding="utf-8").format(
        SEED=SEED,
        rows=rows,
        total=total,
        label_list=", ".join(f"`{label}`" for label in LABELS),
        language_list=", ".join(f"{LANG_NAMES[lang]} (`{lang}`)" for lang in LANGS),
        channel_table=md_table(["channel", *LANGS, "total"], channel_rows),
        label_table=md_table(["label", *LANGS, "total", "share"], label_rows),
        label_channel_table=md_table(["label", *CHANNELS], label_channel_rows),
        week_table=md_table(["week", "dates", "late_delivery", ""], week_rows),
        bad_table=md_table(["file", "id", "problem"], bad_rows),
        mixed=mixed,
        pii=pii,
        pii_share=pii / total,
    )
    (OUT_DIR / "README.md").write_text(text, encoding="utf-8")
    return text


def main() -> None:
    check_banks()
    rng = random.Random(SEED)
    result = write_outputs(rng)
    write_readme(result)
    truth: list[Truth] = result["truth"]
    print(f"pieces of feedback: {len(truth)}")
    for channel in CHANNELS:
        counts = Counter(t["language"] for t in truth if t["channel"] == channel)
        print(
            f"  {channel:8} {sum(counts.values()):4}  "
            + "  ".join(f"{lang}={counts[lang]}" for lang in LANGS)
        )
    weeks = Counter(t["week"] for t in truth if t["label"] == "late_delivery")
    print("late_delivery per week:", [weeks[w] for w in range(1, WEEKS + 1)])
    print("rows per file:", result["rows"])


if __name__ == "__main__":
    main()
