"""``voc themes ...``: list and curate themes (rename, merge, hide, pin, split off).

Each command writes one row of ``theme_curation`` (or ``theme_seeds`` for a split) in the
published warehouse; the next run applies it and every later run, refits included, keeps
applying it. The same can be done with SQL on those tables.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from flows.config import VocConfig

themes_app = typer.Typer(help="List and curate themes; decisions survive every refit.",
                         no_args_is_help=True)
ConfigOption = Annotated[Path, typer.Option("--config", "-c", help="The TOML config file.")]
DEFAULT_CONFIG = Path("configs/voc.toml")


def _fail(message: str) -> None:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=2)


def _warehouse_path(config: Path) -> Path:
    from flows.cli import _load

    cfg: VocConfig = _load(config)
    path = cfg.resolve(cfg.warehouse.path)
    if not path.exists():
        _fail(f"no warehouse at {path}; run `voc run` first")
    return path


def _warehouse(config: Path, *, read_only: bool = False) -> Any:
    from data.warehouse import Warehouse

    return Warehouse(_warehouse_path(config), read_only=read_only)


def _topic(wh: Any, topic_id: int) -> dict[str, Any]:
    rows = wh.query("SELECT topic_id, label, status FROM topics WHERE topic_id = ?",
                    [topic_id]).to_dicts()
    if not rows:
        _fail(f"no theme {topic_id}; `voc themes list` shows them")
    return rows[0]


def _curate(config: Path, topic_id: int, **values: Any) -> None:
    with _warehouse(config) as wh:
        _topic(wh, topic_id)
        cols = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        updates = ", ".join(f"{c} = excluded.{c}" for c in values)
        wh.con.execute(
            f"INSERT INTO theme_curation (topic_id, {cols}, updated_at) VALUES (?, {marks}, "
            f"now()) ON CONFLICT (topic_id) DO UPDATE SET {updates}, updated_at = now()",
            [topic_id, *values.values()]).fetchall()
    typer.echo(f"theme {topic_id}: {', '.join(f'{k} = {v}' for k, v in values.items())} "
               "(applied from the next run on)")


@themes_app.command("list")
def list_themes(config: ConfigOption = DEFAULT_CONFIG,
                all_: Annotated[bool, typer.Option("--all", help="Retired ones too.")] = False
                ) -> None:
    """Themes with their size, status and curation."""
    with _warehouse(config, read_only=True) as wh:
        rows = wh.query(
            "SELECT t.topic_id, t.label, t.status, t.size, c.merged_into, "
            "coalesce(c.pinned, false) AS pinned, s.origin AS seed "
            "FROM topics t LEFT JOIN theme_curation c USING (topic_id) "
            "LEFT JOIN theme_seeds s USING (topic_id) "
            + ("" if all_ else "WHERE t.status <> 'retired' ")
            + "ORDER BY t.size DESC, t.topic_id").to_dicts()
    typer.echo(f"{'id':>5}  {'size':>6}  {'status':<8} label")
    for r in rows:
        extra = [f"merged into {r['merged_into']}" if r["merged_into"] is not None else "",
                 "pinned" if r["pinned"] else "", f"seed ({r['seed']})" if r["seed"] else ""]
        notes = "; ".join(e for e in extra if e)
        typer.echo(f"{r['topic_id']:>5}  {r['size'] or 0:>6}  {r['status']:<8} {r['label']}"
                   + (f"  [{notes}]" if notes else ""))


@themes_app.command()
def rename(topic_id: int, label: str, config: ConfigOption = DEFAULT_CONFIG) -> None:
    """Give a theme an analyst's label (kept through refits)."""
    if not label.strip():
        _fail("the label is empty")
    _curate(config, topic_id, label=label.strip())


@themes_app.command()
def merge(topic_id: int, into: int, config: ConfigOption = DEFAULT_CONFIG) -> None:
    """Count a theme's sentences under another theme, from now on."""
    if topic_id == into:
        _fail("a theme cannot be merged into itself")
    with _warehouse(config, read_only=True) as wh:
        _topic(wh, into)
    _curate(config, topic_id, merged_into=into)


@themes_app.command()
def unmerge(topic_id: int, config: ConfigOption = DEFAULT_CONFIG) -> None:
    """Take back a merge (the theme's sentences return to it at the next refit)."""
    _curate(config, topic_id, merged_into=None)


@themes_app.command()
def hide(topic_id: int, config: ConfigOption = DEFAULT_CONFIG) -> None:
    """Leave a theme out of pain points and reports (its sentences keep it)."""
    _curate(config, topic_id, hidden=True)


@themes_app.command()
def show(topic_id: int, config: ConfigOption = DEFAULT_CONFIG) -> None:
    """Show a hidden theme again."""
    _curate(config, topic_id, hidden=False)


@themes_app.command()
def pin(topic_id: int, config: ConfigOption = DEFAULT_CONFIG) -> None:
    """Never retire this theme: a refit that finds no cluster for it keeps it."""
    _curate(config, topic_id, pinned=True)


@themes_app.command()
def unpin(topic_id: int, config: ConfigOption = DEFAULT_CONFIG) -> None:
    """Let refits retire this theme again."""
    _curate(config, topic_id, pinned=False)


@themes_app.command()
def split(
    topic_id: int,
    label: Annotated[str, typer.Option(help="The new theme's label.")],
    phrase: Annotated[list[str], typer.Option(help="An example of what it holds (repeat).")],
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Split a new theme off an existing one: its sentences closest to the example phrases
    move to the new theme (from the next run on)."""
    if not label.strip() or not [p for p in phrase if p.strip()]:
        _fail("a split needs a label and at least one --phrase")
    from data.warehouse import Warehouse, WarehouseBusy, run_lock

    path = _warehouse_path(config)
    try:
        # A split takes a new theme id, which a run writing meanwhile may hand out too.
        with run_lock(path), Warehouse(path) as wh:
            new_id = _split_off(wh, topic_id, label, phrase)
    except WarehouseBusy as exc:
        _fail(f"{exc} (a split takes a new theme id, which that run may also hand out)")
    typer.echo(f"theme {new_id} '{label.strip()}' split off theme {topic_id} "
               "(takes its sentences from the next run on)")


def _split_off(wh: Any, topic_id: int, label: str, phrase: list[str]) -> int:
    _topic(wh, topic_id)
    new_id = wh.next_topic_id()
    wh.con.execute("INSERT INTO theme_seeds VALUES (?, ?, ?, 'split', ?, NULL)",
                   [new_id, label.strip(), [p for p in phrase if p.strip()], topic_id]
                   ).fetchall()
    wh.con.execute(
        "INSERT INTO topics (topic_id, label, generated_label, keywords, keywords_by_lang, "
        "size, status, first_seen_run, last_seen_run, centroid) VALUES "
        "(?, ?, ?, [], '{}', 0, 'active', 'curation', 'curation', NULL)",
        [new_id, label.strip(), label.strip()]).fetchall()
    return int(new_id)
