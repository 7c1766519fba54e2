"""Tests for flows.config: the one config file, validated before any work starts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from flows.config import ConfigError, VocConfig, load_config

ROOT = Path(__file__).resolve().parents[1]

REVIEW_SOURCE = """
[[sources]]
name = "shop_reviews"
channel = "review"
path = "exports/reviews.csv"
format = "csv"
columns = { id = "review_id", created_at = "submitted_at", body = "body" }
"""

CHAT_SOURCE = """
[[sources]]
name = "support_chats"
channel = "chat"
path = "exports/chats.json"
format = "json"
columns = { id = "conversation_id", created_at = "started_at", turns = "turns", role = "role", \
text = "text" }
"""


def write_config(folder: Path, text: str, *, in_configs: bool = True) -> Path:
    """Write ``text`` as ``<folder>/configs/voc.toml`` (or ``<folder>/voc.toml``)."""
    target = folder / "configs" if in_configs else folder
    target.mkdir(parents=True, exist_ok=True)
    path = target / "voc.toml"
    path.write_text(text, encoding="utf-8")
    return path


def config_error(folder: Path, text: str) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(write_config(folder, text))
    return str(info.value)


class TestShippedConfig:
    def test_loads_with_four_sources(self) -> None:
        cfg = load_config(ROOT / "configs" / "voc.toml")
        assert isinstance(cfg, VocConfig)
        assert [s.name for s in cfg.sources] == [
            "shop_reviews", "social_posts", "support_chats", "nps_survey"
        ]
        assert [s.channel for s in cfg.sources] == ["review", "social", "chat", "survey"]
        assert cfg.root == ROOT
        assert cfg.schedule.timezone == "Europe/Berlin"
        assert cfg.source("nps_survey").text_columns == ["q_improve", "q_like"]

    def test_minimal_config_uses_defaults(self, tmp_path: Path) -> None:
        cfg = load_config(write_config(tmp_path, REVIEW_SOURCE))
        assert cfg.warehouse.path == "data/warehouse/voc.duckdb"
        assert cfg.schedule.cron == "30 2 * * *"
        assert cfg.sources[0].rating_scale == 5
        assert cfg.sources[0].customer_roles == ["customer"]


class TestUnknownKeys:
    def test_unknown_top_level_key(self, tmp_path: Path) -> None:
        message = config_error(tmp_path, 'wherehouse = "x"\n' + REVIEW_SOURCE)
        assert "wherehouse" in message
        assert "unknown key" in message

    def test_unknown_key_in_section(self, tmp_path: Path) -> None:
        message = config_error(tmp_path, '[report]\ntop_theme = 5\n' + REVIEW_SOURCE)
        assert "report.top_theme" in message
        assert "unknown key" in message

    def test_unknown_key_in_source(self, tmp_path: Path) -> None:
        message = config_error(tmp_path, REVIEW_SOURCE + 'enabeld = false\n')
        assert "enabeld" in message
        assert "sources.0" in message

    def test_unknown_column_field_names_valid_fields(self, tmp_path: Path) -> None:
        text = REVIEW_SOURCE.replace('body = "body"', 'body = "body", stars = "stars"')
        message = config_error(tmp_path, text)
        assert "stars" in message
        assert "rating" in message  # the valid field the user meant is listed

    def test_root_is_not_a_key(self, tmp_path: Path) -> None:
        message = config_error(tmp_path, 'root = "/"\n' + REVIEW_SOURCE)
        assert "'root'" in message


class TestBadValues:
    def test_bad_channel_names_valid_values(self, tmp_path: Path) -> None:
        message = config_error(tmp_path, REVIEW_SOURCE.replace('"review"', '"email"'))
        assert "sources.0.channel" in message
        assert "'email'" in message
        for valid in ("review", "social", "chat", "survey"):
            assert valid in message

    def test_bad_format_names_valid_values(self, tmp_path: Path) -> None:
        message = config_error(tmp_path, REVIEW_SOURCE.replace('"csv"', '"xlsx"'))
        assert "format" in message
        assert "jsonl" in message

    def test_missing_required_column_for_chat(self, tmp_path: Path) -> None:
        text = CHAT_SOURCE.replace(' role = "role",', "")
        message = config_error(tmp_path, text)
        assert "'role'" in message
        assert "chat" in message

    def test_missing_required_column_for_review(self, tmp_path: Path) -> None:
        message = config_error(tmp_path, REVIEW_SOURCE.replace(', body = "body"', ""))
        assert "'body'" in message

    def test_survey_without_text_columns(self, tmp_path: Path) -> None:
        text = """
[[sources]]
name = "nps_survey"
channel = "survey"
path = "survey.csv"
format = "csv"
columns = { id = "respondent_id", created_at = "submitted" }
"""
        assert "text_columns" in config_error(tmp_path, text)

    def test_duplicate_source_names(self, tmp_path: Path) -> None:
        message = config_error(tmp_path, REVIEW_SOURCE + REVIEW_SOURCE)
        assert "unique" in message
        assert "shop_reviews" in message

    def test_no_sources(self, tmp_path: Path) -> None:
        assert "sources" in config_error(tmp_path, '[warehouse]\npath = "w.duckdb"\n')

    def test_bad_timezone(self, tmp_path: Path) -> None:
        message = config_error(tmp_path, '[schedule]\ntimezone = "Europe/Berln"\n' + REVIEW_SOURCE)
        assert "schedule.timezone" in message
        assert "Europe/Berln" in message

    def test_cron_with_four_fields(self, tmp_path: Path) -> None:
        message = config_error(tmp_path, '[schedule]\ncron = "30 2 * *"\n' + REVIEW_SOURCE)
        assert "schedule.cron" in message
        assert "5 fields" in message

    def test_out_of_range_number(self, tmp_path: Path) -> None:
        message = config_error(tmp_path, "[models]\nbatch_size = 0\n" + REVIEW_SOURCE)
        assert "models.batch_size" in message

    def test_negative_clustering_seed(self, tmp_path: Path) -> None:
        # themes.seed = -1 once passed validation and crashed the run at the themes stage.
        message = config_error(tmp_path, "[themes]\nseed = -1\n" + REVIEW_SOURCE)
        assert "themes.seed" in message and "greater than or equal to 0" in message

    def test_not_toml(self, tmp_path: Path) -> None:
        assert "not valid TOML" in config_error(tmp_path, "[warehouse\npath = 1\n")

    def test_missing_file(self, tmp_path: Path) -> None:
        with pytest.raises(ConfigError, match="not found"):
            load_config(tmp_path / "configs" / "nope.toml")

    def test_unknown_source_lookup(self, tmp_path: Path) -> None:
        cfg = load_config(write_config(tmp_path, REVIEW_SOURCE))
        with pytest.raises(ConfigError, match="shop_reviews"):
            cfg.source("shop_review")


class TestPaths:
    def test_relative_paths_resolve_against_project_root(self, tmp_path: Path) -> None:
        cfg = load_config(write_config(tmp_path, 'project_root = ".."\n' + REVIEW_SOURCE))
        assert cfg.root == tmp_path.resolve()
        assert cfg.resolve(cfg.warehouse.path) == tmp_path.resolve() / "data/warehouse/voc.duckdb"
        assert cfg.resolve(cfg.sources[0].path) == tmp_path.resolve() / "exports/reviews.csv"

    def test_without_project_root_paths_resolve_against_the_current_directory(
            self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        # A config kept anywhere (not in a configs/ folder) once resolved against its own
        # folder, silently: every source went missing.
        config = write_config(tmp_path / "elsewhere", REVIEW_SOURCE, in_configs=False)
        monkeypatch.chdir(tmp_path)
        cfg = load_config(config)
        assert cfg.root == tmp_path.resolve()
        assert cfg.resolve(cfg.sources[0].path) == tmp_path.resolve() / "exports/reviews.csv"

    def test_project_root_may_be_absolute(self, tmp_path: Path) -> None:
        project = tmp_path / "project"
        project.mkdir()
        cfg = load_config(write_config(tmp_path / "cfg", f'project_root = "{project}"\n'
                                       + REVIEW_SOURCE, in_configs=False))
        assert cfg.root == project.resolve()

    def test_project_root_that_is_no_folder_is_named(self, tmp_path: Path) -> None:
        message = config_error(tmp_path, 'project_root = "../nowhere"\n' + REVIEW_SOURCE)
        assert "project_root '../nowhere'" in message and str(tmp_path / "nowhere") in message

    def test_absolute_path_kept(self, tmp_path: Path) -> None:
        cfg = load_config(write_config(tmp_path, REVIEW_SOURCE))
        absolute = tmp_path / "abs" / "w.duckdb"
        assert cfg.resolve(str(absolute)) == absolute


class TestCli:
    def test_run_with_bad_config_exits_2_and_writes_nothing(self, tmp_path: Path) -> None:
        warehouse = tmp_path / "warehouse" / "voc.duckdb"
        reports = tmp_path / "reports"
        text = (
            f'[warehouse]\npath = "{warehouse}"\n'
            f'[report]\noutput_dir = "{reports}"\ntop_themse = 5\n' + REVIEW_SOURCE
        )
        config = write_config(tmp_path, text)
        voc = Path(sys.executable).parent / "voc"
        result = subprocess.run(
            [str(voc), "run", "--config", str(config)],
            cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False,
        )
        assert result.returncode == 2, result.stderr
        assert "report.top_themse" in result.stderr
        assert not warehouse.exists()
        assert not warehouse.parent.exists()
        assert not reports.exists()
        assert sorted(p.name for p in tmp_path.iterdir()) == ["configs"]
