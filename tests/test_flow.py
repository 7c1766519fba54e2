"""End to end: the real Prefect flow on the shipped sample data, run twice.

Checks the warehouse contract, idempotent re-runs, the quarantine, privacy of the text,
and that the report's top themes are the pain points planted in the samples (their
labels are in ``data/samples/ground_truth.csv``), each heard in several languages.
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.conftest import ROOT, write_project_config

SAMPLES = ROOT / "data" / "samples"
PAIN_POINTS = {"late_delivery", "refund", "app_crash", "support", "billing"}
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Run the flow twice over the samples into a fresh warehouse."""
    from prefect.testing.utilities import prefect_test_harness

    from flows.pipeline import ARTIFACT_KEY, voc_pipeline

    root = tmp_path_factory.mktemp("project")
    config = write_project_config(root)
    with prefect_test_harness(server_startup_timeout=120):
        first = voc_pipeline(config_path=str(config))
        with duckdb.connect(str(root / "data/warehouse/voc.duckdb"), read_only=True) as con:
            counts_after_first = {
                t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]
                for t in ("feedback", "sentences", "quarantine", "embeddings")
            }
        second = voc_pipeline(config_path=str(config))
        with duckdb.connect(str(root / "data/warehouse/voc.duckdb"), read_only=True) as con:
            counts_after_second = {
                t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]
                for t in ("feedback", "sentences", "quarantine", "embeddings")
            }
            themes_before = dict(con.execute(
                "SELECT doc_id || ':' || sentence_idx, topic_id FROM sentences").fetchall())
        night_two = _night_two_config(root, config)
        third = voc_pipeline(config_path=str(night_two))
        with duckdb.connect(str(root / "data/warehouse/voc.duckdb"), read_only=True) as con:
            themes_after = dict(con.execute(
                "SELECT doc_id || ':' || sentence_idx, topic_id FROM sentences").fetchall())
        curated = _curate(root, night_two)
        refit = voc_pipeline(config_path=str(night_two), refit=True)
        import httpx
        from prefect.settings import PREFECT_API_URL

        # Read the artifact over the REST API as a dashboard would.
        response = httpx.post(f"{PREFECT_API_URL.value()}/artifacts/filter", json={
            "artifacts": {"key": {"any_": [ARTIFACT_KEY]}}, "limit": 5, "offset": 0,
            "sort": "UPDATED_DESC",
        })
        response.raise_for_status()
        artifact = response.json()[0] if response.json() else None
    return {
        "root": root,
        "first": first,
        "second": second,
        "after_first": counts_after_first,
        "after_second": counts_after_second,
        "third": third,
        "refit": refit,
        "themes_before": themes_before,
        "themes_after": themes_after,
        "con": duckdb.connect(str(root / "data/warehouse/voc.duckdb"), read_only=True),
        "artifact": artifact,
        "curated": curated,
    }


def _curate(root: Path, config: Path) -> dict[str, Any]:
    """An analyst's decisions between two runs, through `voc themes`: rename the top pain
    point, merge the fifth into the fourth, hide the sixth."""
    from typer.testing import CliRunner

    from flows.cli import app

    with duckdb.connect(str(root / "data/warehouse/voc.duckdb"), read_only=True) as con:
        ranked = [r[0] for r in con.execute(
            "SELECT topic_id FROM latest_pain_points ORDER BY rank").fetchall()]
        truth = _ground_truth()
        majority = Counter(truth.get(r[0]) for r in con.execute(
            "SELECT f.source_record_id FROM sentences s JOIN feedback f USING (doc_id) "
            "WHERE s.topic_id = ?", [ranked[0]]).fetchall()).most_common(1)[0][0]
    picked = {"renamed": ranked[0], "merged": ranked[4], "merged_into": ranked[3],
              "hidden": ranked[5], "renamed_majority": majority}
    runner = CliRunner()
    for args in (["rename", str(picked["renamed"]), "Our top pain (our name)"],
                 ["merge", str(picked["merged"]), str(picked["merged_into"])],
                 ["hide", str(picked["hidden"])]):
        done = runner.invoke(app, ["themes", *args, "--config", str(config)])
        assert done.exit_code == 0, done.output
    listing = runner.invoke(app, ["themes", "list", "--config", str(config)])
    assert "Our top pain (our name)" not in listing.output  # applied by the next run
    return picked


def _night_two_config(root: Path, config: Path) -> Path:
    """The same sources plus a second night's export: 30 new reviews, dated later."""
    with (SAMPLES / "reviews.csv").open(encoding="utf-8", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["body"] and r["stars"] in "12345"]
    export = root / "night_two.csv"
    with export.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        for i, row in enumerate(rows[:30]):
            writer.writerow({**row, "review_id": f"N2-{i:04d}",
                             "submitted_at": f"2026-11-{16 + i % 5}T09:00:00Z"})
    text = config.read_text(encoding="utf-8") + f"""
[[sources]]
name = "night_two"
channel = "review"
path = "{export}"
format = "csv"
columns = {{ id = "review_id", created_at = "submitted_at", body = "body", rating = "stars" }}

[[themes.seeds]]
label = "Double charge"
phrases = ["I was charged twice for one order", "Mir wurde der Betrag doppelt abgebucht"]
"""
    path = config.with_name("night_two.toml")
    path.write_text(text, encoding="utf-8")
    return path


def _ground_truth() -> dict[str, str]:
    with (SAMPLES / "ground_truth.csv").open(encoding="utf-8") as handle:
        return {row["record_id"]: row["label"] for row in csv.DictReader(handle)}


def test_feedback_lands_once_with_the_contract_columns(two_runs: dict[str, Any]) -> None:
    con = two_runs["con"]
    columns = {r[0] for r in con.execute("DESCRIBE feedback").fetchall()}
    assert {"doc_id", "source", "source_record_id", "channel", "created_at", "customer_key",
            "text", "lang", "lang_confidence", "rating", "nps", "csat", "ces", "sentiment",
            "sentiment_score", "topic_id", "ingested_run_id"} <= columns
    with (SAMPLES / "ground_truth.csv").open(encoding="utf-8") as handle:
        pieces = sum(1 for _ in csv.DictReader(handle))
    assert two_runs["after_first"]["feedback"] == pieces
    channels = dict(con.execute("SELECT channel, count(*) FROM feedback GROUP BY 1").fetchall())
    assert set(channels) == {"review", "social", "chat", "survey"}
    assert con.execute("SELECT count(*) FROM feedback WHERE sentiment IS NULL OR lang IS NULL"
                       ).fetchall()[0][0] == 0


def test_second_run_adds_nothing(two_runs: dict[str, Any]) -> None:
    assert two_runs["after_second"] == two_runs["after_first"]
    ingest = two_runs["second"]["counts"]["ingest"]
    first = two_runs["first"]["counts"]["ingest"]
    # Every file was read completely by the first run: the second skips them all.
    assert (first["files_read"], first["files_skipped"]) == (4, 0)
    assert (ingest["read"], ingest["loaded"], ingest["files_skipped"]) == (0, 0, 4)
    for name, acc in first["sources"].items():
        assert acc["read"] == acc["loaded"] + acc["duplicates"] + acc["quarantined"], name
    assert two_runs["second"]["counts"]["themes"]["mode"] == "assigned"
    assert two_runs["second"]["counts"]["themes"]["new_sentences"] == 0


def test_bad_records_are_quarantined_with_reasons(two_runs: dict[str, Any]) -> None:
    reasons = Counter(r[0] for r in two_runs["con"].execute(
        "SELECT reason FROM quarantine").fetchall())
    assert reasons == Counter({"no_text": 2, "score_out_of_range": 2, "unparseable_date": 1,
                               "not_parseable": 1, "no_customer_turns": 1})
    ingest = two_runs["first"]["counts"]["ingest"]
    assert ingest["quarantined"] == 7 and ingest["duplicates"] == 2


def test_chats_keep_only_customer_turns_and_surveys_unpivot(two_runs: dict[str, Any]) -> None:
    con = two_runs["con"]
    chats = json.loads((SAMPLES / "chats.json").read_text(encoding="utf-8"))
    agent_lines = {t["text"] for c in chats for t in c["turns"] if t["role"] != "customer"}
    texts = "\n".join(r[0] for r in con.execute(
        "SELECT text FROM feedback WHERE channel = 'chat'").fetchall())
    assert not [line for line in agent_lines if line in texts]
    answers = con.execute(
        "SELECT source_record_id, count(*), count(DISTINCT question), min(nps), max(nps) "
        "FROM feedback WHERE channel = 'survey' GROUP BY 1 HAVING count(*) > 1").fetchall()
    assert answers, "a respondent with two free-text answers gives two rows"
    assert all(n == q and lo == hi for _, n, q, lo, hi in answers)


def test_no_email_address_reaches_the_tables_or_report(two_runs: dict[str, Any]) -> None:
    con = two_runs["con"]
    for table, column in [("feedback", "text"), ("sentences", "text"),
                          ("pain_points", "example_quotes"), ("quarantine", "raw_record")]:
        rows = con.execute(f"SELECT {column} FROM {table}").fetchall()
        assert not [r[0] for r in rows if EMAIL.search(str(r[0]))], table
    report = (two_runs["root"] / "data/reports/latest/report.md").read_text(encoding="utf-8")
    assert not EMAIL.search(report)


def test_runs_record_stage_counts_models_and_timings(two_runs: dict[str, Any]) -> None:
    row = two_runs["con"].execute(
        "SELECT stage_counts, timings, models, flow_run_id FROM runs ORDER BY started_at LIMIT 1"
    ).fetchall()[0]
    counts, timings, models = (json.loads(x) for x in row[:3])
    for stage in ("ingest", "language", "embed", "sentiment", "themes", "pain_points"):
        assert stage in counts and stage in timings
    assert counts["embed"]["sentences"] == counts["language"]["sentences"] > 0
    assert "multilingual-e5-small" in models["embedding"]
    assert "e5-small-logreg-lex-v3" in models["sentiment"]
    assert row[3], "the Prefect flow run id is recorded"


def test_top_themes_are_the_planted_pain_points_in_many_languages(
    two_runs: dict[str, Any],
) -> None:
    con = two_runs["con"]
    truth = _ground_truth()
    run_id = two_runs["second"]["run_id"]
    top = con.execute(
        "SELECT topic_id, label, languages FROM pain_points WHERE run_id = ? AND "
        "negative_share >= 0.25 ORDER BY rank LIMIT 8", [run_id]).fetchall()
    # Sentences' themes as the second run left them (later runs curate and refit).
    record_of = dict(con.execute("SELECT doc_id, source_record_id FROM feedback").fetchall())
    members: dict[int, list[str]] = {}
    for key, topic in two_runs["themes_before"].items():
        members.setdefault(topic, []).append(record_of[key.split(":")[0]])
    found: dict[str, list[str]] = {}
    for topic_id, _label, languages in top:
        ids = members[topic_id]
        majority, _ = Counter(truth.get(i, "?") for i in ids).most_common(1)[0]
        found.setdefault(majority, []).extend(json.loads(languages))
    assert set(found) >= PAIN_POINTS, found.keys()
    for pain in PAIN_POINTS:
        assert len(set(found[pain])) >= 5, (pain, found[pain])
    assert {"fa", "ar", "he", "el", "en"} <= set(found["late_delivery"])


def test_report_is_written_and_published_as_an_artifact(two_runs: dict[str, Any]) -> None:
    reports = two_runs["root"] / "data" / "reports"
    run_dir = Path(two_runs["second"]["report_dir"])
    for folder in (run_dir, reports / "latest"):
        assert (folder / "report.md").is_file() and (folder / "report.html").is_file()
    markdown = (reports / "latest" / "report.md").read_text(encoding="utf-8")
    assert "## At a glance" in markdown and "## Pain points" in markdown
    assert "Quarantined records" in markdown and "not_parseable 1" in markdown
    assert re.search(r"\n> \[(fa|ar|he|el)\] ", markdown), "quotes in their own language"
    html = (reports / "latest" / "report.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and 'dir="auto"' in html
    artifact = two_runs["artifact"]
    assert artifact is not None and artifact["type"] == "markdown"
    assert "## Pain points" in artifact["data"]


def test_voc_report_rebuilds_the_report_from_the_warehouse(two_runs: dict[str, Any]) -> None:
    import subprocess
    import sys

    root = two_runs["root"]
    latest = root / "data" / "reports" / "latest" / "report.md"
    latest.unlink()
    done = subprocess.run(
        [str(Path(sys.executable).with_name("voc")), "report", "--config",
         str(root / "configs" / "voc.toml")],
        capture_output=True, text=True, timeout=120, cwd=root,
    )
    assert done.returncode == 0, done.stderr
    assert two_runs["refit"]["run_id"] in done.stdout
    assert "## Pain points" in latest.read_text(encoding="utf-8")


def test_voc_serve_explains_how_to_start_a_server(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    done = subprocess.run(
        [str(Path(sys.executable).with_name("voc")), "serve", "--config",
         str(write_project_config(tmp_path))],
        capture_output=True, text=True, timeout=60, env=env,
    )
    assert done.returncode == 2
    assert "prefect server start" in done.stderr and "PREFECT_API_URL" in done.stderr


def test_a_second_night_joins_existing_themes_and_ids_survive_a_refit(
    two_runs: dict[str, Any],
) -> None:
    con = two_runs["con"]
    themes = two_runs["third"]["counts"]["themes"]
    assert themes["mode"] == "assigned" and themes["new_sentences"] > 30
    assert themes["without_theme"] <= 0.3 * themes["new_sentences"]
    before, after = two_runs["themes_before"], two_runs["themes_after"]
    assert all(after[key] == topic for key, topic in before.items())  # old sentences kept
    new_themed = con.execute(
        "SELECT count(*) FROM sentences s JOIN feedback f USING (doc_id) "
        "WHERE f.source = 'night_two' AND s.topic_id IS NOT NULL").fetchall()[0][0]
    assert new_themed >= 0.7 * themes["new_sentences"]
    refit = two_runs["refit"]["counts"]["themes"]
    assert refit["mode"] == "refit" and refit["reason"] == "asked"
    assert refit["kept_existing_ids"] >= 0.7 * refit["themes"]
    fits = con.execute("SELECT reason FROM theme_fits ORDER BY fitted_at").fetchall()
    assert [r[0] for r in fits] == ["first fit", "asked"]
    runs = con.execute("SELECT status, count(*) FROM runs GROUP BY 1").fetchall()
    assert runs == [("completed", 4)]
    # The refit's cause words replaced the first fit's: nightly runs place sentences with them.
    words = con.execute("SELECT DISTINCT fit_run_id, count(*) OVER () FROM theme_cause_words"
                        ).fetchall()
    last_fit = con.execute("SELECT run_id FROM theme_fits ORDER BY fitted_at DESC LIMIT 1"
                           ).fetchall()[0][0]
    assert len(words) == 1 and words[0][0] == last_fit and words[0][1] >= 20


def test_theme_lineage_tells_each_run_what_happened(two_runs: dict[str, Any]) -> None:
    con = two_runs["con"]
    first, third, refit = (two_runs[k]["run_id"] for k in ("first", "third", "refit"))
    events = {run: dict(con.execute(
        "SELECT event, count(*) FROM theme_lineage WHERE run_id = ? GROUP BY 1", [run]
    ).fetchall()) for run in (first, third, refit)}
    themes_first = two_runs["first"]["counts"]["themes"]["themes"]
    # The cause themes, and the general theme (tone-only feedback stating no cause).
    general = con.execute("SELECT count(*) FROM topics WHERE kind = 'general' "
                          "AND first_seen_run = ?", [first]).fetchall()[0][0]
    assert events[first] == {"born": themes_first + general}
    assert set(events[third]) == {"grew"}  # an assigning night only adds to themes
    assert sum(events[third].values()) >= 3
    kept = two_runs["refit"]["counts"]["themes"]["kept_existing_ids"]
    seeds = con.execute("SELECT count(*) FROM theme_seeds").fetchall()[0][0]
    # Themes that kept their id through the refit (and seed themes and the general theme,
    # which always do).
    assert kept <= sum(events[refit].get(e, 0) for e in ("grew", "shrank", "stable")) \
        <= kept + seeds + general
    # Every theme active after the refit has an event; so has every one it kept or found
    # (curation may hide or merge some of those afterwards).
    active = {r[0] for r in con.execute(
        "SELECT topic_id FROM topics WHERE status = 'active'").fetchall()}
    alive = {r[0] for r in con.execute(
        "SELECT topic_id FROM topics WHERE status <> 'retired'").fetchall()}
    in_refit = {r[0] for r in con.execute(
        "SELECT topic_id FROM theme_lineage WHERE run_id = ? AND event NOT IN "
        "('merged_into', 'retired')", [refit]).fetchall()}
    assert active <= in_refit <= alive


def test_curation_survives_a_refit(two_runs: dict[str, Any]) -> None:
    con, picked = two_runs["con"], two_runs["curated"]
    label, status = con.execute("SELECT label, status FROM topics WHERE topic_id = ?",
                                [picked["renamed"]]).fetchall()[0]
    assert (label, status) == ("Our top pain (our name)", "active")
    # The renamed theme is still about what it was about before the refit.
    truth = _ground_truth()
    records = con.execute(
        "SELECT f.source_record_id FROM sentences s JOIN feedback f USING (doc_id) "
        "WHERE s.topic_id = ?", [picked["renamed"]]).fetchall()
    labels = Counter(truth.get(r[0]) for r in records)
    assert labels.most_common(1)[0][0] == picked["renamed_majority"]
    assert con.execute("SELECT count(*) FROM sentences WHERE topic_id = ?",
                       [picked["merged"]]).fetchall()[0][0] == 0
    assert con.execute("SELECT status FROM topics WHERE topic_id = ?",
                       [picked["merged"]]).fetchall()[0][0] == "merged"
    assert con.execute("SELECT status FROM topics WHERE topic_id = ?",
                       [picked["hidden"]]).fetchall()[0][0] == "hidden"
    shown = {r[0] for r in con.execute("SELECT topic_id FROM latest_pain_points").fetchall()}
    assert picked["hidden"] not in shown and picked["merged"] not in shown
    assert picked["renamed"] in shown
    report = (two_runs["root"] / "data/reports/latest/report.md").read_text(encoding="utf-8")
    assert "Our top pain (our name)" in report


def test_seed_theme_is_found_when_present(two_runs: dict[str, Any]) -> None:
    """A seed declared in English and German finds the planted double charges, in many
    languages."""
    con = two_runs["con"]
    rows = con.execute("SELECT s.topic_id, t.status, t.label FROM theme_seeds s "
                       "JOIN topics t USING (topic_id) WHERE s.origin = 'config'").fetchall()
    assert [(r[1], r[2]) for r in rows] == [("active", "Double charge")]
    found = con.execute(
        "SELECT f.source_record_id, s.lang FROM sentences s JOIN feedback f USING (doc_id) "
        "WHERE s.topic_id = ?", [rows[0][0]]).fetchall()
    truth = _ground_truth()
    labels = Counter(truth.get(r[0]) for r in found)
    assert len(found) >= 10
    assert labels["billing"] >= 0.6 * len(found), labels
    assert len({r[1] for r in found}) >= 4
