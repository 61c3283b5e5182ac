"""Versioned indices behind an alias: create the first, build a new one offline, swap atomically."""
from __future__ import annotations

from elasticsearch import ApiError, Elasticsearch

from core.mappings import index_definition, versioned_index_name


def current_indices(es: Elasticsearch, alias: str) -> list[str]:
    if not es.indices.exists_alias(name=alias):
        return []
    return sorted(es.indices.get_alias(name=alias))


def ensure_index(es: Elasticsearch, alias: str, definition_name: str = "articles", *,
                 shape: dict | None = None) -> str:
    """The index behind `alias`, creating the first versioned one if there is none (`shape`: shards and
    replicas for `index_definition`)."""
    existing = current_indices(es, alias)
    if existing:
        return existing[-1]
    if es.indices.exists(index=alias):  # true of an alias too: another writer may have just made the first index
        existing = current_indices(es, alias)
        if existing:
            return existing[-1]
        raise RuntimeError(f"`{alias}` is a concrete index, not an alias; rename or delete it first")
    name = versioned_index_name(alias)
    definition = index_definition(definition_name, **(shape or {}))
    definition["aliases"] = {alias: {"is_write_index": True}}
    try:
        es.indices.create(index=name, **definition)
    except ApiError:
        # Two writers (ingest API threads) creating the first index at once: the engine lets one win.
        existing = current_indices(es, alias)
        if existing:
            return existing[-1]
        raise
    es.cluster.health(index=name, wait_for_status="yellow", timeout="60s")
    return name


def create_build_index(es: Elasticsearch, alias: str, definition_name: str = "articles", *,
                       shape: dict | None = None) -> tuple[str, dict]:
    """A new, not-yet-aliased index tuned for loading; returns its name and the settings to restore."""
    name = versioned_index_name(alias)
    definition = index_definition(definition_name, **(shape or {}))
    final = {"number_of_replicas": definition["settings"].get("number_of_replicas", 0), "refresh_interval": "1s"}
    definition["settings"] = {**definition["settings"], "number_of_replicas": 0, "refresh_interval": "-1"}
    es.indices.create(index=name, **definition)
    es.cluster.health(index=name, wait_for_status="yellow", timeout="60s")
    return name, final


def publish(es: Elasticsearch, alias: str, index: str, final_settings: dict, *, keep_old: bool = False) -> list[str]:
    """Restore live settings, refresh, and move the alias in one atomic action; drop the old indices."""
    es.indices.put_settings(index=index, settings=final_settings)
    es.indices.refresh(index=index)
    es.cluster.health(index=index, wait_for_status="yellow", timeout="120s")
    # Run again after a lost answer, the alias may already be on `index`: it is never among the old ones.
    old = [name for name in current_indices(es, alias) if name != index]
    actions = [{"add": {"index": index, "alias": alias, "is_write_index": True}}]
    actions += [{"remove": {"index": name, "alias": alias}} for name in old]
    es.indices.update_aliases(actions=actions)
    if old and not keep_old:
        es.options(ignore_status=404).indices.delete(index=",".join(old))
    return old
