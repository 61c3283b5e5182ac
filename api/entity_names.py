"""The API's view of the entity registry: display names of facet keys and the entity each alias resolves to,
held in each process and replaced when the registry's generation changes (checked at most every few seconds).

On a change the process reads the registry's state (the whole alias -> entity mapping, one document) and the
most-mentioned names at once, then every other name in a background thread; until that is done, a name not yet
held costs one multi-get. A search therefore costs no registry request of its own in the steady state.

The registry only names and folds facet values, so an unreadable registry (a shard lost with a node, an index
closed) does not fail a search: the view last read stays in use, a name not held shows as its key, and the
registry is tried again at the next check.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from elasticsearch import ApiError, Elasticsearch, TransportError

from core import registry
from core.fields import extracted_key

log = logging.getLogger("akhbar.api")
CHECK_SECONDS = 5.0  # how stale the view may be after the registry changes
WARM_ENTITIES = 3000  # the most-mentioned entities, read before the first answer from a new generation


@dataclass
class _View:
    generation: str | None = None
    mapping: dict[str, str] = field(default_factory=dict)  # "type|key" -> entity key ("" = hidden)
    names: dict[tuple[str, str], str] = field(default_factory=dict)  # (type, key) -> name ("" = not in the registry)
    complete: bool = False  # every name of the registry is in `names`


class EntityNames:
    def __init__(self, client: Callable[[], Elasticsearch], articles_alias: str):
        self._client, self.alias = client, registry.registry_alias(articles_alias)
        self._lock = threading.Lock()
        self._checked = float("-inf")
        self._view = _View()

    @property
    def es(self) -> Elasticsearch:
        return self._client()  # the app's client of the moment (it may be replaced while the app runs)

    def _current(self) -> _View:
        """The view of the registry's current generation (read anew when it changed)."""
        now = time.monotonic()
        if now - self._checked >= CHECK_SECONDS:
            with self._lock:
                if now - self._checked >= CHECK_SECONDS:
                    try:
                        generation = registry.generation(self.es, self.alias)
                        if generation != self._view.generation:
                            self._view = self._read(generation)
                    except (ApiError, TransportError) as error:
                        log.warning("the entity registry is unreadable; using the names last read: %s", error)
                    self._checked = now
        return self._view

    def _read(self, generation: str | None) -> _View:
        if generation is None:
            return _View(complete=True)  # no registry (yet): keys stand for themselves
        state = registry.read_state(self.es, self.alias) or {}
        names = {(e["type"], e["key"]): e["name"] for e in registry.most_mentioned(self.es, self.alias, WARM_ENTITIES)}
        view = _View(generation, state.get("mapping") or {}, names, complete=len(names) < WARM_ENTITIES)
        if not view.complete:
            threading.Thread(target=self._read_all_names, args=(view,), name="akhbar-entity-names",
                             daemon=True).start()
        return view

    def _read_all_names(self, view: _View) -> None:
        try:
            for entity_type, key, name in registry.all_names(self.es, self.alias):
                view.names.setdefault((entity_type, key), name)
            view.complete = True
        except Exception as error:  # noqa: BLE001 - names then come one multi-get at a time
            log.warning("reading the entity registry's names failed: %s", error)

    def names(self, pairs: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
        """(type, key) -> display name; keys the registry does not know are left out."""
        view = self._current()
        cache = view.names
        # Complete or not, a name not held is asked for once: an entity written one by one since the registry's
        # last sync (refresh_entities) is in the registry under the same generation.
        missing = [pair for pair in dict.fromkeys(pairs) if pair not in cache]
        if missing:
            try:
                found = registry.names(self.es, self.alias, missing)
            except (ApiError, TransportError) as error:
                log.warning("the entity registry is unreadable; keys shown for %d names: %s", len(missing), error)
            else:
                for pair, name in found.items():
                    cache.setdefault(pair, name)  # "": not in the registry (yet), shown as the key
        return {pair: cache[pair] for pair in pairs if cache.get(pair)}

    def canonical(self, entity_type: str, keys: list[str]) -> list[str]:
        """The keys of the entities `keys` are aliases of (a key the registry does not map stays as it is)."""
        mapping = self._current().mapping
        return sorted({mapping.get(extracted_key(entity_type, key)) or key for key in keys})
