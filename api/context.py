"""Request-time access to the settings and engine client the app was built with (core/web.py, shared with the
ingest API) and to the registry's entity names."""
from __future__ import annotations

from flask import current_app

from api.entity_names import EntityNames
from core.fields import ENTITY_FIELDS
from core.web import es, settings  # noqa: F401


def entity_names() -> EntityNames:
    return current_app.extensions["akhbar.entity_names"]


def resolved_filters(selected: dict[str, list[str]]) -> dict[str, list[str]]:
    """Entity filter values replaced by the keys of the entities they are aliases of (`أوباما` filters by
    `باراك أوباما`); other facets as they are."""
    names = entity_names()
    return {facet: names.canonical(facet, values) if facet in ENTITY_FIELDS else values
            for facet, values in selected.items()}


def display_names(pairs: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """(facet, key) -> the registry's display name, for the entity facets among `pairs`."""
    return entity_names().names([pair for pair in pairs if pair[0] in ENTITY_FIELDS])
