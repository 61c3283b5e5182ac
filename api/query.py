"""Search request -> engine request body. Pure: arguments in, body out; unit-testable without an engine."""
from __future__ import annotations

import re

from core.arabic import facet_key
from core.fields import ENTITY_FIELDS
from core.taxonomy import topic_id, topics

# facet name -> the field its keys are aggregated on (display names come from the entity registry or taxonomy)
FACET_FIELDS = {
    **ENTITY_FIELDS,
    "topic": "topics",
    "source": "source",
}
TEXT_FIELDS = ["title^3", "title.exact^4", "body", "body.exact^1.5"]
# The user syntax: phrases, -exclusion, OR (|), + and parentheses; not the engine's full query language.
USER_SYNTAX_FLAGS = "AND|OR|NOT|PHRASE|PRECEDENCE|WHITESPACE"
_OPERATORS = re.compile(r'["()|+\-]|\bOR\b')


def filter_values(facet: str, values: list[str]) -> list[str]:
    """Filter values keyed the way the indexer stored them (shared normalization)."""
    if facet == "topic":
        return sorted({topic_id(v) for v in values})
    if facet == "source":
        return sorted({v.strip() for v in values if v.strip()})  # the field's normalizer folds these
    return sorted({facet_key(v) for v in values if facet_key(v)})


_OR_WORD = re.compile(r"(?<=\s)OR(?=\s)")


def user_syntax(q: str) -> str:
    """The documented user syntax in the engine's simple form: the word OR between terms becomes `|`."""
    return _OR_WORD.sub("|", q)


def selected_filters(args: dict) -> dict[str, list[str]]:
    """facet -> the normalized values the request filters on (facets without a filter left out)."""
    selected = {facet: filter_values(facet, args.get(facet) or []) for facet in FACET_FIELDS}
    return {facet: values for facet, values in selected.items() if values}


def text_query(q: str) -> dict:
    """Exact forms above stems (the .exact subfields), title above body, and a proximity bonus."""
    q = user_syntax(q)
    query = {"bool": {"must": [{"simple_query_string": {
        "query": q, "fields": TEXT_FIELDS, "default_operator": "and", "flags": USER_SYNTAX_FLAGS,
        "analyze_wildcard": False, "lenient": True}}]}}
    plain = _OPERATORS.sub(" ", q).strip()
    if plain and len(plain.split()) > 1:
        query["bool"]["should"] = [
            {"match_phrase": {"title": {"query": plain, "slop": 2, "boost": 3}}},
            {"match_phrase": {"body": {"query": plain, "slop": 6, "boost": 2}}},
        ]
    return query


def facet_filters(selected: dict[str, list[str]]) -> dict[str, dict]:
    return {facet: {"terms": {FACET_FIELDS[facet]: values}} for facet, values in selected.items() if values}


def date_filter(date_from, date_to) -> list[dict]:
    if not (date_from or date_to):
        return []
    bounds = {}
    if date_from:
        bounds["gte"] = date_from.isoformat()
    if date_to:
        bounds["lte"] = f"{date_to.isoformat()}||/d"
    return [{"range": {"published_at": bounds}}]


# Joins an aggregation's name to the name of a part it would have had under a filter aggregation.
PART = "|"


def _filtered(name: str, filters: list[dict], inner: dict) -> dict:
    """`inner` under a filter aggregation when there are filters to apply; otherwise at the top level (named
    `name|part`), where the engine collects by its faster paths (results.py reads both alike)."""
    if filters:
        return {name: {"filter": {"bool": {"filter": filters}}, "aggs": inner}}
    return {f"{name}{PART}{part}": agg for part, agg in inner.items()}


def facet_aggregations(selected: dict[str, list[str]], filters: dict[str, dict], facet_size: int) -> dict:
    """Per facet, its values under every facet filter but its own (disjunctive facets). Keys only: display
    names come from the entity registry, not from a per-bucket sub-aggregation."""
    aggs = {}
    for facet, key_field in FACET_FIELDS.items():
        others = [f for name, f in filters.items() if name != facet]
        inner = {"values": {"terms": {"field": key_field, "size": facet_size}}}
        if selected.get(facet):
            inner["selected"] = {"terms": {"field": key_field, "include": selected[facet],
                                           "size": len(selected[facet])}}
        aggs.update(_filtered(f"facet_{facet}", others, inner))
    return aggs


def build_search(args: dict, *, pre_tag: str = "<mark>", post_tag: str = "</mark>",
                 search_after: list | None = None, pit_id: str | None = None,
                 selected: dict[str, list[str]] | None = None) -> dict:
    """`selected`: the filter values as facet keys (default: the request's values, keyed); the API passes them
    resolved to the registry's entities, so that any alias filters by its entity."""
    q = (args.get("q") or "").strip()
    selected = selected_filters(args) if selected is None else selected
    filters = facet_filters(selected)
    query = text_query(q) if q else {"bool": {"must": [{"match_all": {}}]}}
    query["bool"]["filter"] = date_filter(args.get("date_from"), args.get("date_to"))

    sort = args.get("sort", "relevance")
    if sort == "relevance" and not q:
        sort = "newest"  # an empty query lists articles, newest first
    order = {"relevance": [{"_score": "desc"}, {"published_at": {"order": "desc", "missing": "_last"}}],
             "newest": [{"published_at": {"order": "desc", "missing": "_last"}}],
             "oldest": [{"published_at": {"order": "asc", "missing": "_last"}}]}[sort]
    size = args.get("size", 10)
    body: dict = {
        "query": query,
        "size": size,
        "track_total_hits": True,
        "sort": order + ([{"_shard_doc": "asc"}] if pit_id else []),  # a cursor needs a total order
        "_source": {"excludes": ["original", "body"]},
        "highlight": {
            "pre_tags": [pre_tag], "post_tags": [post_tag], "encoder": "html",
            "fields": {
                "title": {"number_of_fragments": 0, "no_match_size": 500},
                "body": {"fragment_size": 160, "number_of_fragments": 3, "no_match_size": 160,
                         "order": "score", "boundary_scanner": "sentence"},
            },
        },
    }
    if filters:
        body["post_filter"] = {"bool": {"filter": list(filters.values())}}
    if pit_id:
        body["pit"] = {"id": pit_id, "keep_alive": "2m"}
        if search_after:
            body["search_after"] = search_after
    else:
        body["from"] = (args.get("page", 1) - 1) * size
    if not search_after:  # facets and histogram once per query, not on every cursor page
        # facet_size=0 asks for no facets (the engine refuses a terms aggregation of size 0).
        facet_size = args.get("facet_size", 10)
        body["aggs"] = facet_aggregations(selected, filters, facet_size) if facet_size else {}
        body["aggs"].update(_filtered("histogram", list(filters.values()), {
            "dates": {"date_histogram": {"field": "published_at", "calendar_interval": args.get("interval", "month"),
                                         "min_doc_count": 1}}}))
    return body


def topics_matching(prefix: str) -> list[str]:
    """Taxonomy ids with a label word (Arabic, article dropped, or English) or id starting with `prefix`."""
    wanted = facet_key(prefix)
    found = []
    for topic in topics().values():
        words = facet_key(topic.ar).split() + topic.en.lower().split() + [topic.id]
        if any(word.startswith(wanted) for word in words):
            found.append(topic.id)
    return found


def build_facet_values(facet: str, prefix: str, size: int) -> dict:
    """Facet value search for autocomplete: the prefix may match the start of any word of the value."""
    terms: dict = {"field": FACET_FIELDS[facet], "size": size}
    if facet == "topic" and prefix.strip():
        terms["include"] = topics_matching(prefix) or ["-"]  # ids whose Arabic or English label matches
    elif prefix.strip():
        key_prefix = facet_key(prefix) if facet != "source" else prefix.strip().lower()
        terms["include"] = f"(.* )?{re.escape(key_prefix)}.*"
    return {"size": 0, "aggs": {"values": {"terms": terms}}}
