"""The one config file (``configs/voc.toml``), validated before any work starts.

Unknown keys are rejected and every error names the key, the bad value and the
valid values, so a typo stops the run before anything is read or written.
"""

from __future__ import annotations

import re
import tomllib
import zoneinfo
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

Channel = Literal["review", "social", "chat", "survey", "mixed"]
# Files (optionally gzip-compressed: "reviews.csv.gz"), or "api" for an HTTP JSON API.
SourceFormat = Literal["csv", "jsonl", "json", "parquet", "excel", "api"]

# Which schema fields each channel's column mapping may name, and which it must. Without an
# id a record's id is derived from its content (data.sources.content_id), except for chat: a
# transcript grows while the conversation is open (and gets its csat later), so its content
# is no stable id; a conversation id is needed.
CHANNEL_COLUMNS: dict[str, dict[str, bool]] = {
    "review": {"id": False, "created_at": True, "body": True, "title": False, "rating": False,
               "product": False, "customer": False, "country": False},
    "social": {"id": False, "created_at": True, "text": True, "author": False,
               "platform": False, "reach": False},
    "chat": {"id": True, "created_at": True, "turns": True, "role": True, "text": True,
             "csat": False, "customer": False},
    "survey": {"id": False, "created_at": True, "nps": False, "csat": False, "ces": False,
               "customer": False},
    # One export holding several channels (a help-desk or CRM API): each record names its own.
    "mixed": {"id": False, "created_at": True, "channel": True, "text": True, "title": False,
              "customer": False, "rating": False, "nps": False, "csat": False, "ces": False,
              "product": False, "country": False, "platform": False},
}


class ConfigError(ValueError):
    """The config is invalid; the message says which key and what is allowed."""


def iana_zone(value: str) -> str:
    """A time zone name the zoneinfo database knows, else a message naming the value."""
    if value not in zoneinfo.available_timezones():
        raise ValueError(f"unknown time zone {value!r}; use an IANA name like 'Europe/Berlin'")
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ApiSourceConfig(_Strict):
    """Where and how to page through an HTTP JSON API (``format = "api"``)."""

    url: str = Field(pattern=r"^https?://", description="first page")
    token_env: str | None = Field(default=None, description="env var holding a bearer token")
    records_key: str = "data"
    next_key: str | None = "next"
    page_param: str | None = None
    since_param: str | None = None
    params: dict[str, str] = Field(default_factory=dict)
    timeout: float = Field(default=30.0, gt=0)
    max_retries: int = Field(default=4, ge=0, le=20)
    backoff: float = Field(default=1.0, ge=0)
    # The cursor is moved back this far on each pull, for records that arrive late.
    overlap_hours: float = Field(default=24.0, ge=0)


class SourceConfig(_Strict):
    """One feedback source: a file, a glob or an API, of one channel, with its column mapping."""

    name: str = Field(pattern=r"^[a-z0-9_]+$", description="unique id, lower_snake_case")
    channel: Channel
    path: str = Field(default="", description="file path or glob, relative to the project")
    format: SourceFormat
    encoding: str | None = Field(default=None, description="files: None = detect")
    delimiter: str | None = Field(default=None, max_length=1, description="CSV: None = detect")
    sheet: str | None = Field(default=None, description="Excel: sheet name (default: first)")
    api: ApiSourceConfig | None = None
    columns: dict[str, str]
    text_columns: list[str] = Field(default_factory=list, description="survey free-text answers")
    rating_scale: Literal[5, 10] = 5
    customer_roles: list[str] = Field(default_factory=lambda: ["customer"])
    # How to read created_at when it is not ISO 8601, epoch seconds/milliseconds or a date
    # cell: strptime pattern(s), tried in order ("%d/%m/%Y"). Needed for dd/mm or mm/dd dates,
    # which are never guessed (quarantined as ambiguous_date).
    date_format: str | list[str] | None = None
    # IANA zone of times without an offset (and of dates alone); stored as UTC.
    timezone: str = "UTC"
    enabled: bool = True

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return iana_zone(value)

    @field_validator("date_format")
    @classmethod
    def _strptime_patterns(cls, value: str | list[str] | None) -> str | list[str] | None:
        from datetime import UTC, datetime

        patterns = [value] if isinstance(value, str) else value
        if patterns is None:
            return value
        if not patterns:
            raise ValueError("date_format: give a pattern such as '%d/%m/%Y', or leave it out")
        # Written the spreadsheet way ("dd/mm/yyyy"): say how it is written in strptime.
        directives = {"hh:mm:ss": "%H:%M:%S", "hh:mm": "%H:%M", "yyyy": "%Y", "yy": "%y",
                      "dd": "%d", "mm": "%m"}
        sample = datetime(2001, 2, 3, 4, 5, 6, 789000, tzinfo=UTC)
        for pattern in patterns:
            if "%" not in pattern:
                guess = re.sub("|".join(directives), lambda m: directives[m[0].lower()],
                               pattern, flags=re.IGNORECASE)
                raise ValueError(f"date_format {pattern!r} has no strptime directive; write it "
                                 f"like {guess!r} (%d day, %m month, %Y year, %H:%M time)")
            try:
                datetime.strptime(sample.strftime(pattern), pattern)
            except ValueError as exc:
                raise ValueError(f"date_format {pattern!r} is not a strptime pattern ({exc}); "
                                 "e.g. '%d/%m/%Y' or '%d.%m.%Y %H:%M'") from None
        return value

    @model_validator(mode="after")
    def _check_columns(self) -> SourceConfig:
        allowed = CHANNEL_COLUMNS[self.channel]
        unknown = sorted(set(self.columns) - set(allowed))
        if unknown:
            raise ValueError(
                f"sources.{self.name}.columns: unknown field(s) {unknown} for channel "
                f"'{self.channel}'; valid fields: {sorted(allowed)}"
            )
        missing = sorted(k for k, required in allowed.items() if required and k not in self.columns)
        if missing:
            why = (" (a chat transcript changes while the conversation is open, so map 'id' to "
                   "the conversation id)" if self.channel == "chat" and "id" in missing else "")
            raise ValueError(
                f"sources.{self.name}.columns: channel '{self.channel}' needs {missing} mapped "
                f"to your export's column names{why}"
            )
        if self.channel == "survey" and not self.text_columns:
            raise ValueError(f"sources.{self.name}.text_columns: a survey needs at least one "
                             "free-text column")
        if self.channel != "survey" and self.text_columns:
            raise ValueError(f"sources.{self.name}.text_columns: only surveys have text_columns")
        if self.format == "api" and self.api is None:
            raise ValueError(f"sources.{self.name}.api: format 'api' needs an [sources.api] "
                             "table with at least url")
        if self.format != "api" and self.api is not None:
            raise ValueError(f"sources.{self.name}.api: only sources with format 'api' have one")
        if self.format != "api" and not self.path:
            raise ValueError(f"sources.{self.name}.path: a file source needs a path or glob")
        return self


class WarehouseConfig(_Strict):
    path: str = "data/warehouse/voc.duckdb"
    # A run started while another writes waits this long for it, then gives up.
    wait_minutes: float = Field(default=60.0, ge=0)


class ModelsConfig(_Strict):
    embedding: str = "builtin:multilingual-e5-small"
    cache_dir: str = "data/models"
    batch_size: int = Field(default=64, ge=1, le=1024)
    sentiment: str = "e5-small-logreg-lex-v3"
    tone: str = "tone-e5-small-v1"
    language_detector: str = "fasttext-lite"


class SentimentConfig(_Strict):
    """Adapting the sentiment head to the deployment's own scores (see
    :mod:`nlp.rating_adaptation`)."""

    adapt_from_scores: bool = True
    # Adapt once at least this many clearly scored documents of each side exist...
    adapt_min_per_class: int = Field(default=100, ge=10)
    # ... and again when they have grown by this share since the last adaptation.
    adapt_again_growth: float = Field(default=0.5, gt=0.0)


class LanguageConfig(_Strict):
    min_confidence: float = Field(default=0.5, ge=0.0, le=1.0)


class SeedTheme(_Strict):
    """A theme declared by example: found when feedback like its phrases is present."""

    label: str = Field(min_length=1, max_length=80)
    phrases: list[str] = Field(min_length=1, description="a few examples, any language")


class ThemesConfig(_Strict):
    min_theme_size: int = Field(default=12, ge=2)
    context_weight: float = Field(default=0.5, ge=0.0, le=10.0)
    word_weight: float = Field(default=0.5, ge=0.0, le=10.0)
    max_theme_share: float = Field(default=0.15, gt=0.0, le=1.0)
    refit_every_days: int = Field(default=7, ge=0)
    refit_unassigned_share: float = Field(default=0.3, gt=0.0, le=1.0)
    # Random seed of the clustering (UMAP, HDBSCAN's sample): numpy takes 0 to 2**32 - 1.
    seed: int = Field(default=42, ge=0, le=2**32 - 1)
    merge_similarity: float = Field(default=0.6, gt=0.0, le=1.0)
    match_similarity: float = Field(default=0.8, gt=0.0, le=1.0)
    # Two existing themes become one in a refit only when at least this similar: above
    # merge_similarity, so two themes near the line do not merge one night and part the next.
    refit_merge_similarity: float = Field(default=0.7, gt=0.0, le=1.0)
    outlier_similarity: float = Field(default=0.25, gt=0.0, le=1.0)
    # Through a refit, an earlier sentence stays in its theme while at least this similar
    # to the theme as it was, and an old theme lives on while enough of its sentences do.
    stay_similarity: float = Field(default=0.35, gt=0.0, le=1.0)
    # A seed theme is found as the cluster whose centroid is at least this similar to its
    # phrases (matching themes sit at ~0.6-0.7, unrelated ones below ~0.3). Sentences also
    # join a seed when closer to it than to their own theme (by outlier_similarity).
    seed_similarity: float = Field(default=0.45, gt=0.0, le=1.0)
    seeds: list[SeedTheme] = Field(default_factory=list)
    # A refit over more sentences than this finds themes on a seeded sample of this size
    # and puts the others into their nearest theme: time and memory stay bounded.
    max_fit_sentences: int = Field(default=10_000, ge=100)

    @model_validator(mode="after")
    def _unique_seed_labels(self) -> ThemesConfig:
        labels = [s.label.strip().lower() for s in self.seeds]
        dupes = sorted({x for x in labels if labels.count(x) > 1})
        if dupes:
            raise ValueError(f"themes.seeds: labels must be unique, repeated: {dupes}")
        return self


class PrivacyConfig(_Strict):
    id_patterns: list[str] = Field(default_factory=list)
    customer_key_secret_env: str = "VOC_CUSTOMER_KEY_SECRET"
    # Keep each record's original, unredacted text in the separate raw_feedback table.
    store_raw_text: bool = False
    # The warehouse, its lock and journal, and the reports are readable by their owner only
    # (files 0600, folders 0700); false leaves them to the umask (usually world-readable).
    private_files: bool = True

    @field_validator("id_patterns")
    @classmethod
    def _compiles(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"id pattern {pattern!r} is not a valid regex: {exc}") from None
        return patterns


class IngestConfig(_Strict):
    # Longer texts are quarantined (text_too_long): usually a pasted log or e-mail thread.
    max_text_chars: int = Field(default=10_000, ge=100)
    # The same customer saying the same words on two channels within this many hours
    # counts once; the second record is linked to the first in feedback_duplicates.
    cross_channel_window_hours: float = Field(default=72.0, ge=0)
    # Records handled per batch: memory stays bounded whatever the file's size.
    chunk_size: int = Field(default=20_000, ge=100)
    # A source with more than this share of one run's records quarantined (or whose file
    # is missing) fails the run, naming the reasons: a broken export is loud, not a quiet
    # night. 1.0 never fails on quarantine.
    max_quarantine_share: float = Field(default=0.2, ge=0.0, le=1.0)
    # Records dated before this day (YYYY-MM-DD, midnight in the source's timezone) are
    # quarantined (implausible_date): placeholders such as 0001-01-01 or 1900-01-01.
    earliest_date: str = "2000-01-01"
    # What one export file may hold, so a hostile file costs bounded disk, memory and time.
    # Bigger (decompressed: a gzip bomb) is quarantined whole, unread (file_too_large).
    max_file_bytes: int = Field(default=1 << 30, ge=1)
    # A row with more cells, and every row under a wider header, is too_many_columns.
    max_columns: int = Field(default=1_000, ge=1)
    # A record holding a longer value (any column, mapped or not) is field_too_long.
    max_field_chars: int = Field(default=1_000_000, ge=1)
    # Folders besides the project root that sources may be read from (relative ones
    # resolve against the project root). A source path elsewhere, also through a symlink or
    # "..", is quarantined unread (outside_allowed_roots).
    allowed_roots: list[str] = Field(default_factory=list)

    @field_validator("earliest_date", mode="before")
    @classmethod
    def _iso_date(cls, value: Any) -> str:
        from datetime import date, datetime

        if isinstance(value, date) and not isinstance(value, datetime):
            value = value.isoformat()  # a TOML date: earliest_date = 2000-01-01
        text = value.strip() if isinstance(value, str) else ""
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                raise ValueError
            day = date.fromisoformat(text)
        except ValueError:
            raise ValueError(f"earliest_date {value!r} is not a date; write it as YYYY-MM-DD, "
                             'e.g. "2000-01-01"') from None
        if day > date.today():
            raise ValueError(f"earliest_date {text} lies in the future: every record would be "
                             "quarantined")
        return text

    @field_validator("allowed_roots")
    @classmethod
    def _folders(cls, roots: list[str]) -> list[str]:
        if any(not root.strip() for root in roots):
            raise ValueError("allowed_roots: give folder paths, not empty strings")
        return roots


class ScheduleConfig(_Strict):
    deployment: str = Field(default="nightly", pattern=r"^[a-z0-9_-]+$")
    cron: str = "30 2 * * *"
    timezone: str = "UTC"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return iana_zone(value)

    @field_validator("cron")
    @classmethod
    def _five_fields(cls, value: str) -> str:
        if len(value.split()) != 5:
            raise ValueError(f"cron {value!r} must have 5 fields: minute hour day month weekday")
        return value


class ReportConfig(_Strict):
    output_dir: str = "data/reports"
    top_themes: int = Field(default=8, ge=1, le=100)
    quotes_per_theme: int = Field(default=3, ge=1, le=10)
    min_negative_share: float = Field(default=0.25, ge=0.0, le=1.0)
    # A theme is "growing" or "shrinking" only when its share of feedback in the last 3
    # complete weeks differs from the weeks before at this significance (Fisher's exact).
    trend_significance: float = Field(default=0.05, gt=0.0, lt=1.0)
    title: str = "Voice of the customer: pain points"


class VocConfig(_Strict):
    """The whole config file. ``root`` is the folder relative paths resolve against."""

    warehouse: WarehouseConfig = WarehouseConfig()
    models: ModelsConfig = ModelsConfig()
    sentiment: SentimentConfig = SentimentConfig()
    language: LanguageConfig = LanguageConfig()
    ingest: IngestConfig = IngestConfig()
    themes: ThemesConfig = ThemesConfig()
    privacy: PrivacyConfig = PrivacyConfig()
    schedule: ScheduleConfig = ScheduleConfig()
    report: ReportConfig = ReportConfig()
    sources: list[SourceConfig]
    # Where relative paths resolve, relative to the config file's folder (see load_config).
    project_root: str | None = None
    root: Path = Path(".")

    @model_validator(mode="after")
    def _unique_sources(self) -> VocConfig:
        names = [s.name for s in self.sources]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"sources: names must be unique, repeated: {dupes}")
        if not self.sources:
            raise ValueError("sources: at least one source is needed")
        return self

    def resolve(self, path: str) -> Path:
        """A config path made absolute against the project root."""
        p = Path(path)
        return p if p.is_absolute() else (self.root / p)

    def source(self, name: str) -> SourceConfig:
        for s in self.sources:
            if s.name == name:
                return s
        raise ConfigError(f"unknown source {name!r}; configured sources: "
                          f"{[s.name for s in self.sources]}")


def load_config(path: Path) -> VocConfig:
    """Read and validate a config file.

    Relative paths in it resolve against the project root: the config's ``project_root``
    key (itself relative to the config file's folder, or absolute), else the current
    directory.

    Raises:
        ConfigError: the file is missing, not TOML, or breaks the schema.
    """
    if not path.exists():
        raise ConfigError(f"config file {path} not found (the default is configs/voc.toml)")
    try:
        raw: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    if "root" in raw:
        raise ConfigError(f"{path}: 'root' is not a config key (did you mean project_root?)")
    declared = raw.get("project_root")
    root = ((path.resolve().parent / declared).resolve() if isinstance(declared, str)
            else Path.cwd())
    if isinstance(declared, str) and not root.is_dir():
        raise ConfigError(f"{path}: project_root {declared!r} is {root}, which is not a "
                          "folder (it is relative to the config file's folder)")
    try:
        return VocConfig.model_validate({**raw, "root": root})
    except ValidationError as exc:
        raise ConfigError(f"{path}: invalid config:\n{_explain(exc)}") from None


def _explain(exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"]) or "(top level)"
        if err["type"] == "extra_forbidden":
            lines.append(f"  - {key}: unknown key (check the spelling; see configs/voc.toml)")
        elif err["type"] == "literal_error":
            expected = err.get("ctx", {}).get("expected", "")
            lines.append(f"  - {key}: {err['input']!r} is not allowed; valid values: {expected}")
        else:
            lines.append(f"  - {key}: {err['msg'].removeprefix('Value error, ')}")
    return "\n".join(lines)
