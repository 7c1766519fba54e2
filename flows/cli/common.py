"""What every ``voc`` command shares: loading the config, and failing with a clear message."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer

from flows.config import ConfigError, VocConfig, load_config

ConfigOption = Annotated[
    Path, typer.Option("--config", "-c", help="The TOML config file.", show_default=True)
]
DEFAULT_CONFIG = Path("configs/voc.toml")


def fail(message: str, code: int = 2) -> NoReturn:
    """Print ``error: message`` in red on stderr and exit with ``code``."""
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=code)


def load(config: Path) -> VocConfig:
    """The validated config, or exit 2 naming the key and the valid values."""
    try:
        return load_config(config)
    except ConfigError as exc:
        fail(str(exc))


def warehouse_path(config: Path) -> Path:
    """The published warehouse of a config; exit 2 when no run has made it yet."""
    cfg = load(config)
    path = cfg.resolve(cfg.warehouse.path)
    if not path.exists():
        fail(f"no warehouse at {path}; run `voc run` first")
    return path
