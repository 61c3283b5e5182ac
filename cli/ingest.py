"""Writes beside the input files: `akhbar delete` and the ingest API server (`akhbar serve-ingest`)."""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Iterator

import click

from cli.commands import _engine_or_fail, _entity_model_or_fail, gunicorn, report, usable_entity_model
from cli.main import akhbar, fail
from core import settings as settings_module


def _given_ids(ids: tuple[str, ...], source: str | None) -> Iterator[tuple[str, str, str]]:
    """(id, where, position) for each id on the command line, then each line of `source` ('-' = stdin); blank
    lines and `#` comments are skipped."""
    for number, article_id in enumerate(ids, start=1):
        yield article_id, "command line", f"argument {number}"
    if source is None:
        return
    handle = sys.stdin if source == "-" else open(source, encoding="utf-8")
    with handle:
        for number, line in enumerate(handle, start=1):
            text = line.strip()
            if text and not text.startswith("#"):
                yield text, source, f"line {number}"


@akhbar.command("delete")
@click.argument("ids", nargs=-1)
@click.option("--from", "source", type=click.Path(dir_okay=False, allow_dash=True), default=None,
              help="A file of ids, one per line ('-' reads standard input).")
@click.option("--reason", default=None, help="Why: kept with each tombstone.")
@click.option("--rejects", "rejects_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write refused ids here (JSON Lines). Default: rejects-<alias>.jsonl")
def delete_command(ids, source, reason, rejects_path):
    """Retract articles by id: they leave the index, and a tombstone keeps later index runs from bringing them
    back. An id that is not in the index is reported (and tombstoned), not an error."""
    from indexer.jobs import delete_ids

    if not ids and source is None:
        fail("give the ids to delete, or --from FILE")
    if source not in (None, "-") and not Path(source).is_file():
        fail(f"--from {source}: no such file")
    settings = settings_module.load()
    es = _engine_or_fail(settings)
    rejects_path = rejects_path or Path(f"rejects-{settings.index_alias}.jsonl")
    report(delete_ids(es, settings, _given_ids(ids, source), reason=reason, rejects_path=rejects_path), rejects_path)


@akhbar.command("serve-ingest")
@click.option("--port", type=int, default=None, help="Default AKHBAR_INGEST_PORT (8001).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--workers", type=int, default=None, help="gunicorn workers, 8 threads each (default: cores).")
def serve_ingest_command(port, host, workers):
    """Serve the ingest API (publish, correct, retract) under gunicorn; needs AKHBAR_INGEST_KEYS[_FILE]."""
    from ingest.app import NO_KEYS

    settings = settings_module.load()
    if not settings.ingest_keys:
        fail(NO_KEYS)
    _entity_model_or_fail()  # a model file that cannot be used: one line here, not a traceback per worker
    # Enrichment is one batch at a time per process; the threads mostly wait for the engine's refresh.
    gunicorn("ingest.wsgi:app", f"{host}:{port or settings.ingest_port}", workers=workers or os.cpu_count() or 1,
             threads=8, timeout=150)
