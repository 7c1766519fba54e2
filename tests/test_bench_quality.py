"""The quality harness: runs the product's functions on labelled data and reports goals.

Uses tiny datasets written here; the real public datasets are not needed (a fresh clone
does not have them).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from bench.__main__ import render_quality
from bench.quality import _cluster_scores, language_id, pd_codes

SENTENCES = {
    "en": "My parcel arrived two weeks late and nobody answered my emails.",
    "de": "Mein Paket kam zwei Wochen zu spät und niemand hat geantwortet.",
    "el": "Το δέμα μου έφτασε με δύο εβδομάδες καθυστέρηση και κανείς δεν απάντησε.",
}


@pytest.fixture()
def datasets(tmp_path: Path) -> Path:
    umsab = pl.DataFrame({
        "text": [SENTENCES["en"], SENTENCES["de"], "ok", "Danke!"],
        "label": ["negative", "negative", "neutral", "positive"],
        "lang": ["en", "de", "en", "de"],
        "split": ["val", "val", "val", "val"],
    })
    umsab.write_parquet(tmp_path / "umsab_tweets_train_val.parquet")
    pl.DataFrame({"text": [SENTENCES["el"]], "label": ["negative"], "lang": ["el"]}).write_parquet(
        tmp_path / "greek_skroutz_reviews.parquet")
    pl.DataFrame({"text": ["How do I top up my card with cash?"], "label": ["top_up"],
                  "split": ["test"]}).write_parquet(tmp_path / "banking77_intents.parquet")
    pl.DataFrame({"text": ["This medicine gave me terrible headaches every single day."],
                  "label": ["negative"], "lang": ["en"], "split": ["test"]}).write_parquet(
        tmp_path / "drugscom_reviews_subset.parquet")
    return tmp_path


def test_language_id_scores_longer_and_short_texts_apart(datasets: Path) -> None:
    result = language_id(datasets)
    by_lang = result["by_language"]
    assert by_lang["el"]["accuracy"] == 100.0 and by_lang["el"]["n"] == 1
    assert by_lang["en"]["n"] == 3 and by_lang["en"]["short_n"] == 1  # "ok" is short
    assert by_lang["de"]["short_n"] == 1
    assert result["min_accuracy"] == min(v["accuracy"] for v in by_lang.values())
    assert result["met"] == (result["min_accuracy"] >= 98.0)


def test_benchmark_text_goes_through_the_text_contract() -> None:
    from bench import quality
    from nlp import text_prep

    # The benchmark reads text through nlp.text_prep, not a copy of it.
    assert quality.stored_text is text_prep.stored_text
    assert quality.model_text is text_prep.model_text
    stored = quality.stored_text("Mail me: a.b@example.com <br> thanks", quality._REDACTOR)
    assert stored == "Mail me: [EMAIL]\nthanks"
    assert quality.model_text(stored) == "Mail me: thanks"


def test_outliers_count_as_their_own_cluster() -> None:
    truth = np.array([0, 0, 1, 1])
    perfect = _cluster_scores(truth, np.array([5, 5, 7, 7]))
    assert perfect["nmi"] == 1.0 and perfect["outlier_share"] == 0.0 and perfect["themes"] == 2
    with_outliers = _cluster_scores(truth, np.array([5, -1, 7, -1]))
    assert with_outliers["outlier_share"] == 0.5
    assert with_outliers["nmi"] < 1.0 and with_outliers["nmi_assigned_only"] == 1.0
    assert pd_codes(["b", "a", "b"]) == [0, 1, 0]


def test_render_quality_states_every_goal_and_whether_it_is_met() -> None:
    quality = {
        "sentiment": {
            "head": "h", "seconds": 1.0,
            "umsab": {"all": {"n": 10, "macro_f1": 57.8}, "hi": {"n": 5, "macro_f1": 30.4}},
            "other": {"skroutz-el": {"n": 3, "macro_f1": 81.0},
                      "drugscom-en": {"n": 2, "macro_f1": 47.8}},
            "goals": {"overall": {"goal": 64.0, "value": 57.8, "met": False},
                      "min_language": {"goal": 50.0, "value": 30.4, "met": False},
                      "greek": {"goal": 80.0, "value": 81.0, "met": True}},
        },
    }
    text = render_quality(quality)
    assert "| UMSAB val, all 8 languages | 10 | 57.8 | ≥ 64.0 | **not met** |" in text
    assert "| UMSAB val, hi | 5 | 30.4 | ≥ 50.0 | **not met** |" in text
    assert "81.0 | ≥ 80.0 | **met**" in text
    assert "Language identification" not in text  # a part not run is not shown as run
