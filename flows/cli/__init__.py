"""The ``voc`` command: run the pipeline now, serve it nightly, or rebuild the report.

The config is validated before anything heavy is imported, so a typo fails in a
fraction of a second with the key named, a non-zero exit and nothing written.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from flows.cli.common import DEFAULT_CONFIG, ConfigOption, fail, load, warehouse_path
from flows.cli.themes import themes_app
from flows.config import ConfigError

app = typer.Typer(
    help="Voice-of-customer pipeline: feedback in, themed pain-point reports out.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(themes_app, name="themes")


def _setup_logging(*, verbose: bool = False) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s",
                        datefmt="%H:%M:%S")
    # Every HTTP request to the Prefect API (a served deployment polls every 10 s) would be
    # a line: about 8,600 a day of nothing happening.
    for chatty in ("httpx", "httpcore"):
        logging.getLogger(chatty).setLevel(logging.INFO if verbose else logging.WARNING)
    os.environ.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", "voc")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


@app.command()
def run(
    config: ConfigOption = DEFAULT_CONFIG,
    source: Annotated[str | None, typer.Option(help="Run only this source (its name).")] = None,
    since: Annotated[str | None, typer.Option(help="Only feedback on/after this date.")] = None,
    until: Annotated[str | None, typer.Option(help="Only feedback before this date.")] = None,
    refit: Annotated[bool, typer.Option(help="Find themes afresh over all feedback.")] = False,
) -> None:
    """Run the pipeline once, now: ingest, enrich, find themes, rank pain points, report."""
    cfg = load(config)
    # Checked here, before Prefect is imported, so a typo fails in a fraction of a second
    # with exit code 2; the flow runs the same check for runs that do not come through
    # this command (a deployment's schedule or `prefect deployment run`).
    from flows.request import preflight

    try:
        preflight(cfg, source=source, since=since, until=until, refit=refit)
    except ConfigError as exc:
        fail(str(exc))
    _setup_logging()
    if not os.environ.get("PREFECT_API_URL"):
        from flows import temporary_server

        temporary_server.start()  # ends with this process, even a killed one
    from data.warehouse import WarehouseBusy
    from flows.pipeline import voc_pipeline
    from flows.run import SourcesRejected

    try:
        result = voc_pipeline(config_path=str(config.resolve()), source=source, since=since,
                              until=until, refit=refit)
    except WarehouseBusy as exc:
        fail(str(exc), code=3)
    except SourcesRejected as exc:
        fail(f"run failed, nothing was published: {exc}", code=1)
    typer.echo(f"run {result['run_id']} completed")
    typer.echo(f"report:    {Path(result['report_dir']) / 'report.md'}")
    typer.echo(f"           {Path(result['report_dir']) / 'report.html'}")
    typer.echo(f"warehouse: {result['warehouse']}")


@app.command()
def serve(
    config: ConfigOption = DEFAULT_CONFIG,
    verbose: Annotated[bool, typer.Option(help="Log every request to the Prefect API.")] = False,
) -> None:
    """Serve the nightly deployment on the configured cron, against a Prefect server.

    Start a server first (`prefect server start`) and point PREFECT_API_URL at it,
    e.g. http://127.0.0.1:4200/api. Trigger an ad-hoc run with
    `prefect deployment run 'voc-pipeline/nightly' --param source=shop_reviews`.
    """
    cfg = load(config)
    if not os.environ.get("PREFECT_API_URL"):
        typer.secho(
            "error: PREFECT_API_URL is not set. Schedules need a running Prefect server:\n"
            "  prefect server start        # in another terminal\n"
            "  export PREFECT_API_URL=http://127.0.0.1:4200/api",
            fg=typer.colors.RED, err=True,
        )
        raise typer.Exit(code=2)
    # Every run this deployment starts needs the customer_key secret: say so now, not in
    # each failed night.
    from flows.customer_keys import customer_key_secret

    try:
        customer_key_secret(cfg)
    except ConfigError as exc:
        fail(f"{exc}\nEvery scheduled and ad-hoc run of this deployment needs it; set it "
             "in the environment `voc serve` starts in. Keep the value: a new secret gives "
             "every customer a new customer_key, so nobody is linked to their earlier "
             "feedback.")
    _setup_logging(verbose=verbose)
    from prefect.schedules import Cron

    from flows.pipeline import voc_pipeline

    voc_pipeline.serve(
        name=cfg.schedule.deployment,
        schedules=[Cron(cfg.schedule.cron, timezone=cfg.schedule.timezone)],
        parameters={"config_path": str(config.resolve())},
        description="Nightly voice-of-customer run: all sources, then the pain-point report.",
        tags=["voc"],
    )


@app.command()
def report(
    config: ConfigOption = DEFAULT_CONFIG,
    run_id: Annotated[str | None, typer.Option(help="Run to report; default the latest.")] = None,
) -> None:
    """Rebuild the pain-point report from the warehouse (read-only), without running anything."""
    cfg = load(config)
    from data.warehouse import Warehouse
    from flows.report import write_report

    path = warehouse_path(config)
    with Warehouse(path, read_only=True) as wh:
        chosen = run_id or wh.latest_run_id()
        if chosen is None:
            fail("the warehouse has no completed run")
        if not wh.is_completed_run(chosen):
            recent = ", ".join(wh.recent_run_ids()) or "none"
            fail(f"no completed run {chosen!r} in {path}; the latest completed runs: {recent}")
        run_dir, _ = write_report(wh, chosen, cfg.resolve(cfg.report.output_dir),
                                  title=cfg.report.title, top_themes=cfg.report.top_themes,
                                  min_negative_share=cfg.report.min_negative_share,
                                  private=cfg.privacy.private_files)
    typer.echo(f"report: {run_dir / 'report.md'}")


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
