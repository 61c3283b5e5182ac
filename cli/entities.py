"""`akhbar entities rebuild|apply|suggest`: the entity registry and its curation file."""
from __future__ import annotations

import json
from pathlib import Path

import click

from cli.commands import _engine_or_fail
from cli.main import akhbar, fail
from core import settings as settings_module
from core.fields import ENTITY_TYPES


@akhbar.group("entities")
def entities_group():
    """The entity registry: one entity per person, organization or place, however written."""


def _report(report) -> None:
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(json.dumps(report.as_dict()))


def _fail_on_curation(error) -> None:
    for line, reason in error.problems:
        click.echo(f"{error.path}:{line}: {reason}", err=True)
    fail(f"{error.path}: {len(error.problems)} problem(s); nothing was changed")


def _sync(settings, curation=None, **options) -> None:
    """Sync the live index with `curation` (default: the settings' file); every expected failure is one line."""
    from indexer.jobs import settings_curation
    from indexer.registry.curation import CurationError
    from indexer.registry.sync import sync

    es = _engine_or_fail(settings)
    try:
        report = sync(es, settings, curation if curation is not None else settings_curation(settings), **options)
    except CurationError as error:
        _fail_on_curation(error)
    except RuntimeError as error:
        fail(str(error))
    _report(report)


@entities_group.command("rebuild")
def rebuild_command():
    """Rebuild the registry from the articles alone, re-deriving every article's facet values (with the
    AKHBAR_CURATION_FILE curation, if set)."""
    _sync(settings_module.load(), full=True, new_registry=True)


@entities_group.command("apply")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def apply_command(path: Path):
    """Make the live index match the curation file PATH exactly (`{}` undoes every curation). A bad file is
    rejected with its line and reason before anything changes."""
    from indexer.registry.curation import CurationError, load

    try:
        curation = load(path)
    except CurationError as error:
        _fail_on_curation(error)
    _sync(settings_module.load(), curation, strict=True)


@entities_group.command("suggest")
@click.option("--type", "entity_type", type=click.Choice(ENTITY_TYPES), default=None)
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line instead of a table.")
def suggest_command(entity_type, limit, as_json):
    """Likely merges not made automatically, with their evidence, for the curation file."""
    from indexer.registry.corpus import read_corpus
    from indexer.registry.resolution import resolve, suggest
    from indexer.registry.sync import concrete_index

    settings = settings_module.load()
    es = _engine_or_fail(settings)
    try:
        corpus = read_corpus(es, concrete_index(es, settings.index_alias))
    except RuntimeError as error:
        fail(str(error))
    resolved, _ = resolve(corpus)
    rows = suggest(corpus, entity_type, limit, resolved)
    if as_json:
        for row in rows:
            click.echo(json.dumps(row.as_dict(), ensure_ascii=False))
        return
    click.echo(f"{'type':<13}{'score':>6}{'company':>8}{'time':>6}{'alone':>6}{'both':>6}  short (articles) -> full (articles)")
    for row in rows:
        click.echo(f"{row.type:<13}{row.score:>6.2f}{row.company:>8.2f}{row.overlap:>6.2f}{row.alone:>6.2f}"
                   f"{row.together:>6}  {row.short} ({row.short_articles}) -> {row.full} ({row.full_articles})")
