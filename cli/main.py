"""`akhbar`: one command with subcommands for the engine, indexing, serving and evaluation."""
from __future__ import annotations

import json
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
@click.option("--port", type=int, default=None, help="HTTP port of node-1 (default AKHBAR_ENGINE_PORT, 9200).")
@click.option("--data", type=click.Path(file_okay=False, path_type=Path), default=None, help="Data folder.")
@click.option("--nodes", type=click.IntRange(1, 5), default=1, show_default=True,
              help="Nodes in the cluster, each its own process; node i answers on PORT + i - 1.")
def engine_start(port: int | None, data: Path | None, nodes: int) -> None:
    """Start the engine in the background and wait until the cluster is at least yellow (also: restart the
    nodes of a running cluster that died)."""
    from cli.embedded_engine import EngineError

    settings = settings_module.load()
    if settings.external_engine:
        click.echo(f"ELASTICSEARCH_URL is set: using {settings.engine_display}, nothing started.")
        return
    try:
        state, started = _embedded().start(port=port or settings.engine_port, data=data, nodes=nodes)
    except EngineError as error:
        fail(str(error))
    pids = ", ".join(str(node.pid) for node in state.nodes)
    click.echo(f"{'started' if started else 'already running'}: {state.url} (pid {pids})"
               + (f"; ELASTICSEARCH_URL={state.urls} lists every node" if state.size > 1 else ""))


@engine.command("status")
@click.option("--json", "as_json", is_flag=True,
              help='One JSON object: {"url", "cluster", "status", "nodes": [{"name", "pid", "http_port"}, …]}.')
def engine_status(as_json: bool) -> None:
    """Report whether the engine runs, its nodes and how healthy the cluster is (exit 1 when it does not run)."""
    settings = settings_module.load()
    if settings.external_engine:
        report = _external_status(settings)
    else:
        state = _embedded().state()
        health = _embedded().health(f"http://127.0.0.1:{state.nodes[0].http_port}") if state else None
        report = {"url": state.urls if state else None, "external": False,
                  "nodes": [node.__dict__ for node in state.nodes] if state else [],
                  "cluster": health and health["cluster_name"], "status": health and health["status"],
                  "number_of_nodes": health and health["number_of_nodes"]}
    if as_json:
        click.echo(json.dumps(report))
    elif report["status"] is None:
        click.echo("not running" if report["url"] is None else f"{report['url']}: unreachable")
    else:
        owner = "external" if report["external"] else \
            ", ".join(f"{n['name']} pid {n['pid']}" for n in report["nodes"])
        click.echo(f"{report['url']} ({owner}): cluster {report['cluster']} is {report['status']}, "
                   f"{report['number_of_nodes']} node(s)")
    if report["status"] is None:
        sys.exit(1)


def _external_status(settings) -> dict:
    """An external cluster as its nodes report themselves (their process ids and HTTP addresses)."""
    from core.engine import client

    es = client(settings, timeout=5, retries=len(settings.engine_hosts))
    report = {"url": settings.engine_display, "external": True, "nodes": [], "cluster": None, "status": None,
              "number_of_nodes": None}
    try:
        health = es.cluster.health().body
        info = es.nodes.info(metric="process,http").body
    except Exception:  # noqa: BLE001 - unreachable or refused: reported as not running
        return report
    for node in info["nodes"].values():
        address = node.get("http", {}).get("publish_address", ":0")
        report["nodes"].append({"name": node["name"], "pid": node.get("process", {}).get("id"),
                                "http_port": int(address.rsplit(":", 1)[1])})
    report.update(cluster=health["cluster_name"], status=health["status"], number_of_nodes=health["number_of_nodes"])
    return report


@engine.command("stop")
def engine_stop() -> None:
    """Stop the engine this project started (never any other process)."""
    if settings_module.load().external_engine:
        click.echo("ELASTICSEARCH_URL is set: the external cluster is not ours to stop.")
        return
    state = _embedded().stop()
    click.echo(f"stopped pid {', '.join(str(node.pid) for node in state.nodes)}" if state else "not running")


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
