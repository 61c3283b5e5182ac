"""Test session wiring: a real engine (started here when none is reachable, stopped if we started it) and
throw-away aliases so tests never touch the data behind `articles`."""
from __future__ import annotations

import uuid
from dataclasses import replace
from pathlib import Path

import pytest

from core import engine as engine_module
from core import settings as settings_module

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SAMPLES = ROOT / "samples" / "articles.jsonl"


@pytest.fixture(scope="session")
def engine_url():
    """The URL of a running engine; start the embedded one for the session if nothing answers."""
    from cli.embedded_engine import EmbeddedEngine

    settings = settings_module.load()
    manager = EmbeddedEngine(settings)
    if settings.external_engine or manager.health(settings.engine_url):
        yield settings.engine_url
        return
    # An engine this project started may run on another port than AKHBAR_ENGINE_PORT: start() returns it.
    state, started = manager.start(port=settings.engine_port)
    try:
        yield state.url
    finally:
        if started:
            manager.stop()


@pytest.fixture(scope="session")
def base_settings(engine_url):
    """Settings whose engine is the session's engine, whichever port it answers on."""
    settings = settings_module.load()
    if settings.external_engine:
        return settings
    return replace(settings, engine_port=int(engine_url.rsplit(":", 1)[1]))


@pytest.fixture(scope="session")
def es(base_settings):
    client = engine_module.client(base_settings, timeout=60)
    yield client
    client.close()


def drop_indices(es, alias: str) -> None:
    """Delete every index behind a test alias and those derived from it (its entity registry, tombstones)."""
    # Deleting by wildcard is refused (action.destructive_requires_name): resolve the names first. `-*` takes the
    # versioned indices and those derived from the alias (`<alias>-entities-v…`, tombstones).
    names = list(es.indices.get(index=f"{alias}-*", expand_wildcards="all"))
    if names:
        es.indices.delete(index=",".join(names))


@pytest.fixture
def test_settings(base_settings, es):
    """Settings with a unique alias; every index created behind it (and its entity registry) is deleted after."""
    alias = f"test-{uuid.uuid4().hex[:10]}"
    yield replace(base_settings, index_alias=alias, index_workers=0)
    drop_indices(es, alias)
