"""``voc themes ...``: list and curate themes (rename, merge, hide, pin, split off).

Each command writes one row of ``theme_curation`` (or ``theme_seeds`` for a split) in the
published warehouse; the next run applies it and every later run, refits included, keeps
applying it. The same can be done with SQL on those tables.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from flows.cli.common import DEFAULT_CONFIG, ConfigOption, fail, warehouse_path

themes_app = typer.Typer(help="List and curate themes; decisions survive every refit.",
                         no_args_is_help=True)


# Curation waits this long for another process to let go of the warehouse.
WAIT_SECONDS = 30.0


def _warehouse(config: Path, *, read_only: bool = False) -> Any:
    from data.warehouse import WarehouseBusy, open_when_free

    try:
        return open_when_free(warehouse_path(config), read_only=read_only,
                              wait_seconds=WAIT_SECONDS)
    except WarehouseBusy as exc:
        fail(f"{exc} Nothing was changed.", code=3)


def _theme(wh: Any, theme_id: int) -> dict[str, Any]:
    theme = wh.theme(theme_id)
    if theme is None:
        fail(f"no theme {theme_id}; `voc themes list` shows them")
    return theme


def _curate(config: Path, theme_id: int, **values: Any) -> None:
    with _warehouse(config) as wh:
        _theme(wh, theme_id)
        wh.curate(theme_id, **values)
    typer.echo(f"theme {theme_id}: {', '.join(f'{k} = {v}' for k, v in values.items())} "
               "(applied from the next run on)")


@themes_app.command("list")
def list_themes(config: ConfigOption = DEFAULT_CONFIG,
                all_: Annotated[bool, typer.Option("--all", help="Retired ones too.")] = False
                ) -> None:
    """Themes with their size, status and curation."""
    with _warehouse(config, read_only=True) as wh:
        rows = wh.themes_with_curation(retired=all_)
    typer.echo(f"{'id':>5}  {'size':>6}  {'status':<8} label")
    for r in rows:
        extra = [f"merged into {r['merged_into']}" if r["merged_into"] is not None else "",
                 "pinned" if r["pinned"] else "", f"seed ({r['seed']})" if r["seed"] else ""]
        notes = "; ".join(e for e in extra if e)
        typer.echo(f"{r['topic_id']:>5}  {r['size'] or 0:>6}  {r['status']:<8} {r['label']}"
                   + (f"  [{notes}]" if notes else ""))


@themes_app.command()
def rename(theme_id: int, label: str, config: ConfigOption = DEFAULT_CONFIG) -> None:
    """Give a theme an analyst's label (kept through refits)."""
    if not label.strip():
        fail("the label is empty")
    _curate(config, theme_id, label=label.strip())


@themes_app.command()
def merge(theme_id: int, into: int, config: ConfigOption = DEFAULT_CONFIG) -> None:
    """Count a theme's sentences under another theme, from now on."""
    if theme_id == into:
        fail("a theme cannot be merged into itself")
    with _warehouse(config, read_only=True) as wh:
        _theme(wh, into)
    _curate(config, theme_id, merged_into=into)


@themes_app.command()
def unmerge(theme_id: int, config: ConfigOption = DEFAULT_CONFIG) -> None:
    """Take back a merge (the theme's sentences return to it at the next refit)."""
    _curate(config, theme_id, merged_into=None)


@themes_app.command()
def hide(theme_id: int, config: ConfigOption = DEFAULT_CONFIG) -> None:
    """Leave a theme out of pain points and reports (its sentences keep it)."""
    _curate(config, theme_id, hidden=True)


@themes_app.command()
def show(theme_id: int, config: ConfigOption = DEFAULT_CONFIG) -> None:
    """Show a hidden theme again."""
    _curate(config, theme_id, hidden=False)


@themes_app.command()
def pin(theme_id: int, config: ConfigOption = DEFAULT_CONFIG) -> None:
    """Never retire this theme: a refit that finds no cluster for it keeps it."""
    _curate(config, theme_id, pinned=True)


@themes_app.command()
def unpin(theme_id: int, config: ConfigOption = DEFAULT_CONFIG) -> None:
    """Let refits retire this theme again."""
    _curate(config, theme_id, pinned=False)


@themes_app.command()
def split(
    theme_id: int,
    label: Annotated[str, typer.Option(help="The new theme's label.")],
    phrase: Annotated[list[str], typer.Option(help="An example of what it holds (repeat).")],
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Split a new theme off an existing one: its sentences closest to the example phrases
    move to the new theme (from the next run on)."""
    if not label.strip() or not [p for p in phrase if p.strip()]:
        fail("a split needs a label and at least one --phrase")
    from data.warehouse import WarehouseBusy, open_when_free, run_lock

    path = warehouse_path(config)
    try:
        # A split takes a new theme id, which a run writing meanwhile may hand out too.
        with run_lock(path), open_when_free(path, wait_seconds=WAIT_SECONDS) as wh:
            new_id = _split_off(wh, theme_id, label, phrase)
    except WarehouseBusy as exc:
        fail(f"{exc} (a split takes a new theme id, which that run may also hand out)")
    typer.echo(f"theme {new_id} '{label.strip()}' split off theme {theme_id} "
               "(takes its sentences from the next run on)")


def _split_off(wh: Any, theme_id: int, label: str, phrase: list[str]) -> int:
    _theme(wh, theme_id)
    return wh.split_off(theme_id, label.strip(), [p for p in phrase if p.strip()])
