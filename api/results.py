"""Engine response -> API response. Pure: unit-testable without an engine."""
from __future__ import annotations

import html

from core.arabic import facet_key
from core.fields import ENTITY_FIELDS
from core.taxonomy import label

_ENTITY_GROUPS = {etype: keys_field for etype, (keys_field, _) in ENTITY_FIELDS.items()}  # persons, …


HIT_ENTITIES_PER_TYPE = 5  # a result list shows a few; /articles/<id> has them all


def entities_out(stored: list[dict] | None, limit: int | None = None) -> dict:
    """Entities grouped by type, most mentioned first (the indexer stores them in that order)."""
    grouped = {group: [] for group in _ENTITY_GROUPS.values()}
    for entity in stored or []:
        group = _ENTITY_GROUPS.get(entity.get("type"))
        if group and (limit is None or len(grouped[group]) < limit):
            grouped[group].append({"key": entity["key"], "name": entity["name"], "count": entity.get("count", 1)})
    return grouped


def _display(bucket: dict, facet: str) -> str:
    """The facet value's display form: the most frequent stored name whose key is this bucket's key."""
    if facet == "topic":
        return label(bucket["key"])["ar"]
    names = (bucket.get("names") or {}).get("buckets") or []
    for name in names:
        if facet_key(name["key"]) == bucket["key"]:
            return name["key"]
    return bucket["key"]


def facet_values(buckets: list[dict], facet: str, selected: set[str]) -> list[dict]:
    return [{"key": b["key"], "name": _display(b, facet), "count": b["doc_count"], "selected": b["key"] in selected}
            for b in buckets]


def shape_facets(aggregations: dict, selected: dict[str, list[str]]) -> dict[str, list[dict]]:
    facets = {}
    for name, agg in aggregations.items():
        if not name.startswith("facet_"):
            continue
        facet = name.removeprefix("facet_")
        chosen = set(selected.get(facet, []))
        values = facet_values(agg["values"]["buckets"], facet, chosen)
        present = {v["key"] for v in values}
        # Selected values always come back with their counts, even when outside the top N (0 if absent).
        extra = facet_values(agg.get("selected", {}).get("buckets", []), facet, chosen)
        values += [v for v in extra if v["key"] not in present]
        found = present | {v["key"] for v in extra}
        values += [{"key": k, "name": k, "count": 0, "selected": True} for k in chosen - found]
        facets[facet] = values
    return facets


def shape_histogram(aggregations: dict) -> list[dict]:
    buckets = aggregations.get("histogram", {}).get("dates", {}).get("buckets", [])
    return [{"date": b["key_as_string"][:10], "count": b["doc_count"]} for b in buckets]


def shape_hit(hit: dict) -> dict:
    source = hit.get("_source", {})
    highlight = hit.get("highlight", {})
    title = (highlight.get("title") or [html.escape(source.get("title") or "")])[0]
    return {
        "id": hit["_id"],
        "score": hit.get("_score"),
        "title": source.get("title"),
        "url": source.get("url"),
        "source": source.get("source"),
        "published_at": source.get("published_at"),
        "author": source.get("author"),
        "highlight": {"title": title, "snippets": highlight.get("body", [])},
        "entities": entities_out(source.get("entities"), HIT_ENTITIES_PER_TYPE),
        "topics": [label(t) for t in source.get("topics") or []],
    }


def shape_search(response: dict, args: dict, selected: dict[str, list[str]]) -> dict:
    aggregations = response.get("aggregations", {})
    total = response["hits"]["total"]
    return {
        "total": total["value"],
        "total_relation": total.get("relation", "eq"),
        "page": args.get("page", 1),
        "size": args.get("size", 10),
        "took_ms": response.get("took", 0),
        "hits": [shape_hit(h) for h in response["hits"]["hits"]],
        "facets": shape_facets(aggregations, selected),
        "histogram": shape_histogram(aggregations),
    }


def shape_article(document: dict) -> dict:
    source = document["_source"]
    return {
        "id": document["_id"],
        "title": source.get("title"),
        "body": source.get("body"),
        "url": source.get("url"),
        "source": source.get("source"),
        "published_at": source.get("published_at"),
        "author": source.get("author"),
        "entities": entities_out(source.get("entities")),
        "topics": [label(t) for t in source.get("topics") or []],
    }
