"""The entity registry index: one document per entity (type + key) beside the articles, behind its own alias
(`<articles alias>-entities`), and one state document recording what the registry was built from. Engine I/O
only, shared by the indexer (which builds it: indexer/registry/) and the API (which reads it).

An entity document: {"kind": "entity", "type", "key", "name", "aliases": [{"name", "key", "count"}],
"alias_keys" (every facet key that resolves to it, its own included), "word_starts" (each alias key from each of
its words on, for prefix look-ups), "article_count", "mentions", "first_seen", "last_seen"}.
"""
from __future__ import annotations

import hashlib
import json
from typing import Iterable

from elasticsearch import Elasticsearch, helpers

from core.arabic import facet_key

ENTITY = "entity"
STATE = "state"
STATE_ID = "_state"
NAME_FIELDS = ["type", "key", "name"]
SUMMARY_FIELDS = ["type", "key", "name", "aliases", "article_count"]


def registry_alias(articles_alias: str) -> str:
    """The registry's alias, derived from the articles alias so that each articles alias has its own registry."""
    return f"{articles_alias}-entities"


def entity_id(entity_type: str, key: str) -> str:
    return f"{entity_type}:{key}"


def word_starts(keys: Iterable[str]) -> list[str]:
    """`باراك اوباما` -> [`باراك اوباما`, `اوباما`]: a prefix query on these matches the start of any word."""
    starts = set()
    for key in keys:
        words = key.split(" ")
        starts.update(" ".join(words[i:]) for i in range(len(words)))
    return sorted(starts)


def read_state(es: Elasticsearch, alias: str) -> dict | None:
    """The state document (`generation`, `articles_index`, `mapping`, …), or None when there is no registry."""
    found = es.options(ignore_status=404).get(index=alias, id=STATE_ID)
    return found.body.get("_source", {}).get("state") if found.body.get("found") else None


def generation(es: Elasticsearch, alias: str) -> str | None:
    """What changes whenever the registry is rebuilt or refreshed (cheap: one small get)."""
    found = es.options(ignore_status=404).get(index=alias, id=STATE_ID, source_includes=["state.generation"])
    if not found.body.get("found"):
        return None
    return found.body["_source"].get("state", {}).get("generation")


def get_entity(es: Elasticsearch, alias: str, entity_type: str, key: str) -> dict | None:
    """The entity with this key, or the one this key is an alias of (most mentioned first)."""
    key = facet_key(key)
    found = es.options(ignore_status=404).get(index=alias, id=entity_id(entity_type, key))
    if found.body.get("found"):
        return found.body["_source"]
    hits = es.options(ignore_status=404).search(
        index=alias, size=1, query={"bool": {"filter": [{"term": {"kind": ENTITY}}, {"term": {"type": entity_type}},
                                                        {"term": {"alias_keys": key}}]}},
        sort=[{"article_count": "desc"}]).body.get("hits", {}).get("hits", [])
    return hits[0]["_source"] if hits else None


def canonical_keys(es: Elasticsearch, alias: str, entity_type: str, keys: list[str]) -> dict[str, str]:
    """alias key -> the key of the entity it resolves to, for those of `keys` the registry knows."""
    if not keys:
        return {}
    response = es.options(ignore_status=404).search(
        index=alias, size=len(keys) * 2, source=["key", "alias_keys"],
        query={"bool": {"filter": [{"term": {"kind": ENTITY}}, {"term": {"type": entity_type}},
                                   {"terms": {"alias_keys": keys}}]}},
        sort=[{"article_count": "desc"}]).body
    wanted, found = set(keys), {}
    for hit in response.get("hits", {}).get("hits", []):
        for alias_key in set(hit["_source"].get("alias_keys", [])) & wanted:
            found.setdefault(alias_key, hit["_source"]["key"])
    return found


def names(es: Elasticsearch, alias: str, pairs: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """(type, key) -> display name, "" for a pair the registry does not hold; a pair whose shard could not be
    read (the multi-get reports it per document) is left out, to be asked again."""
    if not pairs:
        return {}
    response = es.options(ignore_status=404).mget(index=alias, ids=[entity_id(t, k) for t, k in pairs],
                                                  source=NAME_FIELDS).body
    docs = response.get("docs")
    if docs is None:  # no registry at all
        return {pair: "" for pair in pairs}
    return {pair: doc["_source"]["name"] if doc.get("found") else ""
            for pair, doc in zip(pairs, docs) if "error" not in doc}


def entries(es: Elasticsearch, alias: str, pairs: list[tuple[str, str]]) -> list[dict]:
    """The registry entries of these (type, key) pairs that exist, as stored (without kind and digest)."""
    if not pairs:
        return []
    response = es.mget(index=alias, ids=[entity_id(t, k) for t, k in pairs]).body
    return [{k: v for k, v in d["_source"].items() if k not in ("kind", "digest")}
            for d in response.get("docs", []) if d.get("found")]


def most_mentioned(es: Elasticsearch, alias: str, size: int) -> list[dict]:
    """The `size` entities with the most articles (type, key, name), to warm a cache of display names."""
    response = es.options(ignore_status=404).search(
        index=alias, size=size, source=NAME_FIELDS, query={"term": {"kind": ENTITY}},
        sort=[{"article_count": "desc"}]).body
    return [hit["_source"] for hit in response.get("hits", {}).get("hits", [])]


def search_entities(es: Elasticsearch, alias: str, entity_type: str | None, prefix: str, size: int) -> list[dict]:
    """Entities one of whose names has a word starting with `prefix`, most mentioned first."""
    filters: list[dict] = [{"term": {"kind": ENTITY}}]
    if entity_type:
        filters.append({"term": {"type": entity_type}})
    wanted = facet_key(prefix) if prefix.strip() else ""
    if wanted:
        filters.append({"prefix": {"word_starts": wanted}})
    response = es.options(ignore_status=404).search(
        index=alias, size=size, source=SUMMARY_FIELDS, query={"bool": {"filter": filters}},
        sort=[{"article_count": "desc"}, {"key": "asc"}]).body
    return [hit["_source"] for hit in response.get("hits", {}).get("hits", [])]


def write(es: Elasticsearch, index: str, entities: Iterable[dict], state: dict | None = None,
          delete: Iterable[tuple[str, str]] = ()) -> int:
    """Index entity documents (and the state document) into `index`; delete the entities named in `delete`."""
    def actions():
        for entity in entities:
            yield {"_index": index, "_id": entity_id(entity["type"], entity["key"]),
                   "_source": {"kind": ENTITY, **entity, "digest": digest(entity)}}
        for entity_type, key in delete:
            yield {"_op_type": "delete", "_index": index, "_id": entity_id(entity_type, key)}
        if state is not None:
            yield {"_index": index, "_id": STATE_ID, "_source": {"kind": STATE, "state": state}}

    written = 0
    for ok, info in helpers.streaming_bulk(es, actions(), chunk_size=2000, max_retries=3, raise_on_error=False):
        item = next(iter(info.values()))
        if ok:
            written += 1
        elif item.get("status") != 404:  # deleting what is already gone is fine
            raise RuntimeError(f"entity registry write refused: {item.get('error')}")
    return written


def replace_all(es: Elasticsearch, alias: str, entities: list[dict], state: dict) -> int:
    """Make the live registry hold exactly `entities`, writing only the entries that differ from what it holds
    (each entry carries a digest of its content) and dropping those no longer there. Returns entries changed."""
    held = {hit["_id"]: hit["_source"].get("digest") for hit in helpers.scan(
        es, index=alias, _source=["digest"], size=5000, query={"query": {"term": {"kind": ENTITY}}})}
    changed, wanted = [], set()
    for entity in entities:
        doc_id = entity_id(entity["type"], entity["key"])
        wanted.add(doc_id)
        if held.get(doc_id) != digest(entity):
            changed.append(entity)
    gone = [tuple(doc_id.split(":", 1)) for doc_id in held.keys() - wanted]
    write(es, alias, changed, state, delete=gone)
    es.indices.refresh(index=alias)
    return len(changed) + len(gone)


def digest(entity: dict) -> str:
    """A fingerprint of an entry's content: an unchanged entry is not written again."""
    content = json.dumps(entity, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.blake2b(content, digest_size=12).hexdigest()


def all_names(es: Elasticsearch, alias: str) -> Iterable[tuple[str, str, str]]:
    """(type, key, name) of every entity, in no particular order."""
    for hit in helpers.scan(es, index=alias, _source=NAME_FIELDS, size=5000, query={"query": {"term": {"kind": ENTITY}}}):
        source = hit["_source"]
        yield source["type"], source["key"], source["name"]
