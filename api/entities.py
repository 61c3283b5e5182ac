"""Entity pages and related articles: engine request bodies and response shapes. Pure, like query.py and
results.py: arguments in, body or response out."""
from __future__ import annotations

from core.fields import ENTITY_FIELDS
from core.taxonomy import label

RELATED_ENTITIES = 10
PROFILE_TOPICS = 10
RELATED_FIELDS = ["title", "url", "source", "published_at"]


def summary_out(entity: dict, aliases: int | None = None) -> dict:
    """A registry entity as the look-up lists it."""
    listed = entity.get("aliases") or []
    return {"type": entity["type"], "key": entity["key"], "name": entity["name"],
            "article_count": entity.get("article_count", 0),
            "aliases": [{"name": a["name"], "count": a["count"]} for a in listed[:aliases]]}


def build_profile(entity_type: str, key: str) -> dict:
    """The aggregations behind an entity page: monthly timeline, entities in the same articles, topics."""
    aggs: dict = {
        "timeline": {"date_histogram": {"field": "published_at", "calendar_interval": "month", "min_doc_count": 1}},
        "topics": {"terms": {"field": "topics", "size": PROFILE_TOPICS}},
    }
    for other, field in ENTITY_FIELDS.items():
        # One more than shown: the entity itself is among its own articles' persons (or organizations …).
        aggs[f"related_{other}"] = {"terms": {"field": field, "size": RELATED_ENTITIES + (other == entity_type)}}
    return {"size": 0, "track_total_hits": True, "query": {"term": {ENTITY_FIELDS[entity_type]: key}},
            "aggs": aggs}


def related_keys(response: dict, entity_type: str, key: str) -> dict[str, list[tuple[str, int]]]:
    """type -> [(key, articles)] of the entities most often in the same articles (the entity itself left out)."""
    aggregations = response.get("aggregations", {})
    related = {}
    for other in ENTITY_FIELDS:
        buckets = aggregations.get(f"related_{other}", {}).get("buckets", [])
        pairs = [(b["key"], b["doc_count"]) for b in buckets if not (other == entity_type and b["key"] == key)]
        related[other] = pairs[:RELATED_ENTITIES]
    return related


def shape_profile(entity: dict, response: dict, names: dict[tuple[str, str], str]) -> dict:
    aggregations = response.get("aggregations", {})
    related = related_keys(response, entity["type"], entity["key"])
    return {
        **summary_out(entity),
        "first_seen": entity.get("first_seen"),
        "last_seen": entity.get("last_seen"),
        "timeline": [{"date": b["key_as_string"][:10], "count": b["doc_count"]}
                     for b in aggregations.get("timeline", {}).get("buckets", [])],
        "related": {other: [{"key": k, "name": names.get((other, k)) or k, "count": n} for k, n in pairs]
                    for other, pairs in related.items()},
        "topics": [{"key": b["key"], "name": label(b["key"])["ar"], "count": b["doc_count"]}
                   for b in aggregations.get("topics", {}).get("buckets", [])],
    }


def build_related(article_id: str, index: str, source: dict, size: int) -> dict:
    """Articles sharing this one's text (more_like_this) and its entities, best first; itself excluded."""
    should: list[dict] = [{"more_like_this": {
        "fields": ["title", "body"], "like": [{"_index": index, "_id": article_id}],
        "min_term_freq": 1, "min_doc_freq": 2, "max_query_terms": 40, "minimum_should_match": "20%"}}]
    for field in ENTITY_FIELDS.values():
        values = source.get(field) or []
        if values:
            should.append({"terms": {field: values[:20], "boost": 2.0}})
    return {"size": size, "_source": RELATED_FIELDS,
            "query": {"bool": {"should": should, "minimum_should_match": 1,
                               "must_not": [{"ids": {"values": [article_id]}}]}}}


def shape_related(article_id: str, response: dict) -> dict:
    return {"id": article_id, "articles": [
        {"id": hit["_id"], **{f: hit.get("_source", {}).get(f) for f in RELATED_FIELDS}, "score": hit.get("_score")}
        for hit in response.get("hits", {}).get("hits", [])]}
