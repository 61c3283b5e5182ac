"""`akhbar`: one command with subcommands for the engine, indexing, serving and evaluation."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from core import settings as settings_module


_debug = False  # `akhbar --debug`: show the traceback of an expected failure too


def fail(message: str, code: int = 1) -> None:
    click.echo(f"akhbar: {message}", err=True)
    sys.exit(code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show the full traceback when a command fails.")
def akhbar(debug: bool) -> None:
    """Akhbar: Arabic news search — engine, indexer and API."""
    global _debug
    _debug = debug


# -- engine ----------------------------------------------------------------------------------------------------
@akhbar.group()
def engine() -> None:
    """The embedded Elasticsearch node (not used when ELASTICSEARCH_URL is set)."""


def _embedded():
    from cli.embedded_engine import EmbeddedEngine

    return EmbeddedEngine(settings_module.load())


@engine.command("start")
@click.option("--port", type=int, default=None, help="HTTP port (default AKHBAR_ENGINE_PORT, 9200).")
@click.option("--data", type=click.Path(file_okay=False, path_type=Path), default=None, help="Data folder.")
@click.option("--nodes", type=click.IntRange(1, 5), default=1, show_default=True, help="Nodes in the cluster.")
def engine_start(port: int | None, data: Path | None, nodes: int) -> None:
    """Start the engine in the background and wait until the cluster is at least yellow."""
    from cli.embedded_engine import EngineError

    settings = settings_module.load()
    if settings.external_engine:
        click.echo(f"ELASTICSEARCH_URL is set: using {settings.engine_url}, nothing started.")
        return
    try:
        state, started = _embedded().start(port=port or settings.engine_port, data=data, nodes=nodes)
    except EngineError as error:
        fail(str(error))
    click.echo(f"{'started' if started else 'already running'}: {state.url} (pid {state.pid})")


@engine.command("status")
def engine_status() -> None:
    """Report whether the engine runs and how healthy the cluster is (exit 1 when it does not run)."""
    settings = settings_module.load()
    manager = _embedded()
    state = manager.state()
    url = settings.engine_url if settings.external_engine else (state.url if state else None)
    health = manager.health(url) if url else None
    if health is None:
        click.echo("not running" if url is None else f"{url}: unreachable")
        sys.exit(1)
    owner = "external" if settings.external_engine else f"pid {state.pid}"
    click.echo(f"{url} ({owner}): cluster {health['cluster_name']} is {health['status']}, "
               f"{health['number_of_nodes']} node(s)")


@engine.command("stop")
def engine_stop() -> None:
    """Stop the engine this project started (never any other process)."""
    if settings_module.load().external_engine:
        click.echo("ELASTICSEARCH_URL is set: the external cluster is not ours to stop.")
        return
    state = _embedded().stop()
    click.echo(f"stopped pid {state.pid}" if state else "not running")


def main() -> None:  # console-script entry point
    from cli import commands  # noqa: F401  (registers the index/serve/eval commands on the group)
    from cli import ingest  # noqa: F401  (delete, serve-ingest)
    from cli.failures import expected, explain
    from cli import entities  # noqa: F401  (registers `akhbar entities …`)

    try:
        akhbar()
    except Exception as error:
        if _debug or not expected(error):
            raise
        message, code = explain(error, settings_module.load().engine_display)
        fail(message, code)
