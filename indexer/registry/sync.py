"""Bring the articles' facet fields and the entity registry in line with the extraction, the corpus-level
resolution and the curation file.

Each article keeps its extraction as it was (`entities`, `extracted_keys`); its facet fields are derived from it
through one mapping (extracted key -> final key, or hidden). A sync computes the mapping from the whole corpus,
rewrites (update-by-query, a script that only re-derives) the articles whose derivation changes, and rebuilds the
registry index from the same corpus pass. Applying the same inputs twice changes nothing; an empty curation
restores the automatic resolution.
"""
from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone

from elasticsearch import Elasticsearch, helpers

from core import registry
from core.arabic import facet_key
from core.fields import ENTITY_FIELDS, EXTRACTED_KEYS, extracted_key
from core.settings import Settings
from indexer import aliases
from indexer.registry.corpus import Corpus, EntityRef, read_corpus
from indexer.registry.curation import HIDDEN, Curation, CurationError, curated_mapping
from indexer.registry.resolution import resolve

ALIASES_KEPT = 50  # surface forms listed per entity

UPDATE_CHUNK = 1000


def derive(entities: list[dict], mapping: dict[EntityRef, str]) -> tuple[list[dict], dict[str, list[str]]]:
    """An article's extraction -> (the extraction with the registry's marks, its facet fields). Pure.

    Each entity keeps its extracted key; `resolved` names the entity it belongs to when that is another key,
    `hidden` marks a curated-away one. Facet values follow the extraction's order (most mentioned first)."""
    facets: dict[str, list[str]] = {field_name: [] for field_name in ENTITY_FIELDS.values()}
    marked = []
    for entity in entities:
        entity = {k: v for k, v in entity.items() if k not in ("resolved", "hidden")}
        target = mapping.get((entity.get("type"), entity.get("key")), entity.get("key"))
        if target == HIDDEN:
            entity["hidden"] = True
        else:
            if target != entity.get("key"):
                entity["resolved"] = target
            values = facets.get(ENTITY_FIELDS.get(entity.get("type"), ""))
            if values is not None and target not in values:
                values.append(target)
        marked.append(entity)
    return marked, facets


@dataclass
class SyncReport:
    articles: int = 0
    entities: int = 0
    resolved: int = 0  # extracted keys folded into another entity automatically
    curated: int = 0  # extracted keys whose final key the curation decides
    updated: int = 0  # articles rewritten
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"articles": self.articles, "entities": self.entities, "resolved": self.resolved,
                "curated": self.curated, "articles_updated": self.updated, "seconds": round(self.seconds, 2)}


def concrete_index(es: Elasticsearch, alias_or_index: str) -> str:
    names = aliases.current_indices(es, alias_or_index)
    if names:
        return names[-1]
    if es.indices.exists(index=alias_or_index):
        return alias_or_index
    raise RuntimeError(f"no articles index behind `{alias_or_index}`: index some articles first")


def _encode(mapping: dict[EntityRef, str]) -> dict[str, str]:
    return {extracted_key(etype, key): target for (etype, key), target in mapping.items()}


def _decode(encoded: dict[str, str]) -> dict[EntityRef, str]:
    return {tuple(ref.split("|", 1)): target for ref, target in encoded.items()}


def plan(corpus: Corpus, curation: Curation) -> tuple[dict[EntityRef, str], dict[EntityRef, str],
                                                      dict[EntityRef, str], list]:
    """(mapping, displays, the automatic resolution alone, curation problems) for this corpus and curation."""
    resolved, _ = resolve(corpus)
    mapping, displays, problems = curated_mapping(curation, resolved, set(corpus.keys))
    return mapping, displays, resolved, problems


def entity_documents(corpus: Corpus, mapping: dict[EntityRef, str], displays: dict[EntityRef, str],
                     only: set[EntityRef] | None = None) -> list[dict]:
    """The registry's documents: one per final entity (hidden ones left out), or only those in `only`."""
    groups: dict[EntityRef, list[EntityRef]] = {}
    for ref in corpus.keys:
        target = mapping.get(ref, ref[1])
        if target == HIDDEN:
            continue
        entity = (ref[0], target)
        if only is None or entity in only:
            groups.setdefault(entity, []).append(ref)
    documents = []
    for (etype, key), refs in groups.items():
        articles, surfaces, mentions = set(), Counter(), 0
        for ref in refs:
            stats = corpus.keys[ref]
            articles.update(stats.articles)
            surfaces.update(stats.surfaces)
            mentions += stats.mentions
        # Shown as the entity's own key is most often written (`باراك أوباما`, not the shorter `أوباما`).
        own = {n: c for n, c in surfaces.items() if facet_key(n) == key} or surfaces
        name = displays.get((etype, key)) or max(own.items(), key=lambda item: (item[1], len(item[0])))[0]
        dated = sorted(d for d in (corpus.dates[n] for n in articles) if d)
        alias_keys = sorted({ref[1] for ref in refs} | {key})
        documents.append({
            "type": etype, "key": key, "name": name,
            "aliases": [{"name": n, "key": facet_key(n), "count": c}
                        for n, c in sorted(surfaces.items(), key=lambda item: (-item[1], item[0]))[:ALIASES_KEPT]],
            "alias_keys": alias_keys,
            "word_starts": registry.word_starts(alias_keys + [facet_key(name)]),
            "article_count": len(articles), "mentions": mentions,
            "first_seen": dated[0] if dated else None, "last_seen": dated[-1] if dated else None,
        })
    return documents


def _update_articles(es: Elasticsearch, index: str, mapping: dict[EntityRef, str], query: dict) -> int:
    """Re-derive the facet fields of the articles matching `query`, writing only those that change. (What an
    update-by-query with a script would do; the embedded engine has neither the reindex module nor painless, so
    the derivation runs here, on the affected articles only, as partial-document bulk updates.)"""
    wanted = ["entities", *ENTITY_FIELDS.values()]

    def updates():
        for hit in helpers.scan(es, index=index, query={"query": query, "_source": wanted}, size=UPDATE_CHUNK,
                                scroll="5m"):
            source = hit.get("_source", {})
            entities, facets = derive(source.get("entities") or [], mapping)
            if entities != (source.get("entities") or []) or any(source.get(f) != v for f, v in facets.items()):
                yield {"_op_type": "update", "_index": index, "_id": hit["_id"],
                       "doc": {"entities": entities, **facets}}

    updated = 0
    for ok, info in helpers.streaming_bulk(es, updates(), chunk_size=UPDATE_CHUNK, max_retries=3,
                                           raise_on_error=False):
        item = next(iter(info.values()))
        if ok:
            updated += 1
        elif item.get("status") != 404:  # an article deleted meanwhile has nothing left to derive
            raise RuntimeError(f"article update refused: {item.get('error')}")
    es.indices.refresh(index=index)
    return updated


def _affected(old_state: dict | None, index: str, mapping: dict[EntityRef, str], full: bool) -> dict | None:
    """The articles whose derivation may differ from `mapping`: None when there are none."""
    if full:
        return {"match_all": {}}
    current = _encode(mapping)
    if not old_state or old_state.get("articles_index") != index:
        # A fresh index: every article holds its extraction as the facet values.
        keys = sorted(current)
        return {"terms": {EXTRACTED_KEYS: keys}} if keys else None
    before = old_state.get("mapping") or {}
    changed = sorted(k for k in set(before) | set(current) if before.get(k) != current.get(k))
    clauses = []
    if changed:
        clauses.append({"terms": {EXTRACTED_KEYS: changed}})
    if current and old_state.get("synced_at"):  # articles written since the last sync hold their extraction
        clauses.append({"bool": {"filter": [{"terms": {EXTRACTED_KEYS: sorted(current)}},
                                            {"range": {"indexed_at": {"gte": old_state["synced_at"]}}}]}})
    return {"bool": {"should": clauses, "minimum_should_match": 1}} if clauses else None


def sync(es: Elasticsearch, settings: Settings, curation: Curation, *, index: str | None = None,
         strict: bool = False, full: bool = False, new_registry: bool = False) -> SyncReport:
    """Derive the facet fields of the articles of `index` (default: the live one) and bring the registry in line.

    strict: a curation name no article mentions is an error (CurationError, before anything changes); otherwise
    a warning. full: rewrite every article rather than those the mapping change affects. new_registry: build a
    new versioned registry index and swap its alias (as reindexing does), rather than rewrite the live one.
    """
    started = time.perf_counter()
    synced_at = datetime.now(timezone.utc).isoformat()
    index = concrete_index(es, index or settings.index_alias)
    es.indices.refresh(index=index)
    registry_alias = registry.registry_alias(settings.index_alias)
    corpus = read_corpus(es, index)
    mapping, displays, resolved, problems = plan(corpus, curation)
    if problems and strict:
        raise CurationError(curation.path, problems)
    report = SyncReport(articles=len(corpus.ids), resolved=len(resolved))
    report.warnings = [f"{curation.path}:{line}: {reason}" for line, reason in problems]
    report.curated = sum(1 for ref in set(mapping) | set(resolved)
                         if mapping.get(ref, ref[1]) != resolved.get(ref, ref[1]))
    old_state = registry.read_state(es, registry_alias) if aliases.current_indices(es, registry_alias) else None
    query = _affected(old_state, index, mapping, full)
    if query is not None:
        report.updated = _update_articles(es, index, mapping, query)
    documents = entity_documents(corpus, mapping, displays)
    report.entities = len(documents)
    state = {"generation": synced_at, "synced_at": synced_at, "articles_index": index,
             "curation": curation.path, "mapping": _encode(mapping),
             "displays": {extracted_key(t, k): name for (t, k), name in displays.items()}}
    if old_state is None or new_registry:
        build, final_settings = aliases.create_build_index(es, registry_alias, "entities", shape=settings.index_shape)
        try:
            registry.write(es, build, documents, state)
            aliases.publish(es, registry_alias, build, final_settings)
        except BaseException:
            es.options(ignore_status=404).indices.delete(index=build)
            raise
    else:
        registry.replace_all(es, registry_alias, documents, state)
    report.seconds = time.perf_counter() - started
    return report


EXACT_UP_TO = 300  # an entity in more articles gets its counts and dates by aggregation, its aliases at the next sync


def refresh_entities(es: Elasticsearch, settings: Settings, entities: set[EntityRef]) -> int:
    """Bring the registry entries of `entities` ((type, facet key) pairs, as the facet fields hold them) up to
    date from the articles index, without re-resolving: after articles are deleted or written one by one, their
    counts and dates follow (and, for entities in up to EXACT_UP_TO articles, their aliases: a larger one's
    aliases wait for the next sync, so that one article's write never reads thousands); an entity no article
    mentions any more leaves the registry. The registry's generation stays (names and mapping are unchanged for
    the API's cache). Returns the number of entries written or removed."""
    registry_alias = registry.registry_alias(settings.index_alias)
    state = registry.read_state(es, registry_alias)
    if not entities or state is None:
        return 0
    refs = sorted(entities)
    counted = es.search(index=settings.index_alias, size=0, aggs={"entities": {
        "filters": {"filters": {str(n): {"term": {ENTITY_FIELDS[t]: k}} for n, (t, k) in enumerate(refs)}},
        "aggs": {"first": {"min": {"field": "published_at", "format": "yyyy-MM-dd"}},
                 "last": {"max": {"field": "published_at", "format": "yyyy-MM-dd"}}}}})
    buckets = counted["aggregations"]["entities"]["buckets"]
    counts = {ref: buckets[str(n)] for n, ref in enumerate(refs)}
    gone = {ref for ref, bucket in counts.items() if bucket["doc_count"] == 0}
    large = {ref for ref, bucket in counts.items() if bucket["doc_count"] > EXACT_UP_TO}
    held = {(e["type"], e["key"]): e for e in registry.entries(es, registry_alias, sorted(large))}
    documents = [{**held[ref], "article_count": counts[ref]["doc_count"],
                  "first_seen": counts[ref]["first"].get("value_as_string"),
                  "last_seen": counts[ref]["last"].get("value_as_string")} for ref in large if ref in held]
    exact = set(entities) - gone - {(d["type"], d["key"]) for d in documents}
    if exact:
        by_type: dict[str, list[str]] = {}
        for etype, key in exact:
            by_type.setdefault(etype, []).append(key)
        query = {"bool": {"should": [{"terms": {ENTITY_FIELDS[t]: keys}} for t, keys in by_type.items()],
                          "minimum_should_match": 1}}
        displays = {tuple(ref.split("|", 1)): name for ref, name in (state.get("displays") or {}).items()}
        documents += entity_documents(read_corpus(es, settings.index_alias, query),
                                      _decode(state.get("mapping") or {}), displays, only=exact)
    written = registry.write(es, registry_alias, documents, delete=gone)
    es.indices.refresh(index=registry_alias)
    return written


def entity_refs(es: Elasticsearch, index: str, ids: list[str]) -> set[EntityRef]:
    """(type, facet key) of every entity the articles `ids` are filed under now (those that exist)."""
    refs: set[EntityRef] = set()
    for start in range(0, len(ids), UPDATE_CHUNK):
        found = es.options(ignore_status=404).mget(index=index, ids=ids[start:start + UPDATE_CHUNK],
                                                   source=list(ENTITY_FIELDS.values()))
        refs |= {(etype, key) for doc in found.body.get("docs", []) if doc.get("found")  # no index yet: none
                 for etype, field_name in ENTITY_FIELDS.items() for key in doc["_source"].get(field_name) or []}
    return refs


def follow_writes(es: Elasticsearch, settings: Settings, indexed: list[str], retracted: set[EntityRef]) -> int:
    """After articles are written or retracted outside an index run (the ingest API, `akhbar delete`), without a
    whole-corpus sync: the written articles get their facet fields through the registry's current mapping (a
    filter by any alias finds them), and the registry entries of their entities and of those the retracted ones
    were filed under are brought up to date (counts follow; an entity no article mentions any more leaves, one
    new to the corpus comes in as extracted: resolution waits for the next sync). Returns the registry entries
    written or removed."""
    state = registry.read_state(es, registry.registry_alias(settings.index_alias))
    if state is None:  # no registry yet: the first index run builds it
        return 0
    if indexed:
        _update_articles(es, settings.index_alias, _decode(state.get("mapping") or {}), {"ids": {"values": indexed}})
    return refresh_entities(es, settings, set(retracted) | entity_refs(es, settings.index_alias, indexed))
