"""The API's view of the entity registry: display names of facet keys and the entity each alias resolves to,
cached per process and dropped when the registry's generation changes (checked at most every few seconds)."""
from __future__ import annotations

import threading
import time
from typing import Callable

from elasticsearch import Elasticsearch

from core import registry

CHECK_SECONDS = 5.0  # how stale a cache may be after the registry changes
WARM_ENTITIES = 3000  # the most-mentioned entities, loaded in one request when the cache is (re)filled
MAX_ENTRIES = 200_000  # beyond this the cache starts over (a bound, never reached by one corpus's facets)


class EntityNames:
    def __init__(self, client: Callable[[], Elasticsearch], articles_alias: str):
        self._client, self.alias = client, registry.registry_alias(articles_alias)
        self._lock = threading.Lock()
        self._generation: str | None = None
        self._checked = 0.0
        self._names: dict[tuple[str, str], str] = {}
        self._canonical: dict[tuple[str, str], str] = {}

    @property
    def es(self) -> Elasticsearch:
        return self._client()  # the app's client of the moment (it may be replaced while the app runs)

    def _current(self) -> None:
        """Drop the cache when the registry changed since it was filled."""
        now = time.monotonic()
        if now - self._checked < CHECK_SECONDS:
            return
        with self._lock:
            if now - self._checked < CHECK_SECONDS:
                return
            generation = registry.generation(self.es, self.alias)
            self._checked = now
            if generation != self._generation or len(self._names) + len(self._canonical) > MAX_ENTRIES:
                names = {(e["type"], e["key"]): e["name"] for e in registry.most_mentioned(self.es, self.alias,
                                                                                             WARM_ENTITIES)}
                self._names, self._canonical, self._generation = names, {}, generation

    def names(self, pairs: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
        """(type, key) -> display name; keys the registry does not know are left out."""
        self._current()
        cache = self._names
        missing = [pair for pair in dict.fromkeys(pairs) if pair not in cache]
        if missing:
            found = registry.names(self.es, self.alias, missing)
            for pair in missing:
                cache[pair] = found.get(pair, "")  # "" = not in the registry: remembered, shown as the key
        return {pair: cache[pair] for pair in pairs if cache.get(pair)}

    def canonical(self, entity_type: str, keys: list[str]) -> list[str]:
        """The keys of the entities `keys` are aliases of (a key the registry does not know stays as it is)."""
        self._current()
        cache = self._canonical
        missing = [key for key in dict.fromkeys(keys) if (entity_type, key) not in cache]
        if missing:
            found = registry.canonical_keys(self.es, self.alias, entity_type, missing)
            for key in missing:
                cache[(entity_type, key)] = found.get(key, key)
        return sorted({cache[(entity_type, key)] for key in keys})
