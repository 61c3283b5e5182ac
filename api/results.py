"""Engine response -> API response. Pure: unit-testable without an engine."""
from __future__ import annotations

import html

from api.query import PART
from core.fields import ENTITY_FIELDS
from core.taxonomy import label

_ENTITY_GROUPS = ENTITY_FIELDS  # person -> persons, …


HIT_ENTITIES_PER_TYPE = 5  # a result list shows a few; /articles/<id> has them all


def entities_out(stored: list[dict] | None, limit: int | None = None) -> dict:
    """Entities grouped by type, most mentioned first (the indexer stores them in that order), keyed by the
    entity the registry resolved each to (forms of one entity counted together, shown as the article wrote the
    most mentioned one); curated-away entities left out."""
    grouped: dict[str, dict[str, dict]] = {group: {} for group in _ENTITY_GROUPS.values()}
    for entity in stored or []:
        group = _ENTITY_GROUPS.get(entity.get("type"))
        if not group or entity.get("hidden"):
            continue
        key = entity.get("resolved") or entity["key"]
        count = entity.get("count", 1)
        shown = grouped[group].get(key)
        if shown is None:
            grouped[group][key] = {"key": key, "name": entity["name"], "count": count}
        else:
            shown["count"] += count
    out = {}
    for group, by_key in grouped.items():
        ordered = sorted(by_key.values(), key=lambda e: -e["count"])  # stable: ties keep the stored order
        out[group] = ordered[:limit] if limit is not None else ordered
    return out


def nested(aggregations: dict) -> dict:
    """Aggregations sent at the top level as `name|part` (query.py) back under `name`, as a filter aggregation
    would have returned them."""
    out: dict = {}
    for name, agg in aggregations.items():
        if PART in name:
            outer, part = name.split(PART, 1)
            out.setdefault(outer, {})[part] = agg
        else:
            out[name] = agg
    return out


def facet_keys(aggregations: dict) -> list[tuple[str, str]]:
    """(facet, key) of every bucket in the facet aggregations: what needs a display name."""
    aggregations = nested(aggregations)
    pairs = []
    for name, agg in aggregations.items():
        if name.startswith("facet_"):
            facet = name.removeprefix("facet_")
            for part in ("values", "selected"):
                pairs += [(facet, b["key"]) for b in agg.get(part, {}).get("buckets", [])]
    return pairs


def _display(key: str, facet: str, names: dict[tuple[str, str], str]) -> str:
    """The facet value's display form: the taxonomy's label for a topic, the registry's name for an entity."""
    if facet == "topic":
        return label(key)["ar"]
    return names.get((facet, key)) or key


def facet_values(buckets: list[dict], facet: str, selected: set[str],
                 names: dict[tuple[str, str], str] | None = None) -> list[dict]:
    names = names or {}
    return [{"key": b["key"], "name": _display(b["key"], facet, names), "count": b["doc_count"],
             "selected": b["key"] in selected} for b in buckets]


def shape_facets(aggregations: dict, selected: dict[str, list[str]],
                 names: dict[tuple[str, str], str] | None = None) -> dict[str, list[dict]]:
    facets = {}
    for name, agg in aggregations.items():
        if not name.startswith("facet_"):
            continue
        facet = name.removeprefix("facet_")
        chosen = set(selected.get(facet, []))
        values = facet_values(agg["values"]["buckets"], facet, chosen, names)
        present = {v["key"] for v in values}
        # Selected values always come back with their counts, even when outside the top N (0 if absent).
        extra = facet_values(agg.get("selected", {}).get("buckets", []), facet, chosen, names)
        values += [v for v in extra if v["key"] not in present]
        found = present | {v["key"] for v in extra}
        values += [{"key": k, "name": _display(k, facet, names or {}), "count": 0, "selected": True}
                   for k in sorted(chosen - found)]
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


def shape_search(response: dict, args: dict, selected: dict[str, list[str]],
                 names: dict[tuple[str, str], str] | None = None) -> dict:
    aggregations = nested(response.get("aggregations", {}))
    total = response["hits"]["total"]
    return {
        "total": total["value"],
        "total_relation": total.get("relation", "eq"),
        "page": args.get("page", 1),
        "size": args.get("size", 10),
        "took_ms": response.get("took", 0),
        "hits": [shape_hit(h) for h in response["hits"]["hits"]],
        "facets": shape_facets(aggregations, selected, names),
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
