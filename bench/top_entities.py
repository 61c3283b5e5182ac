"""The most-mentioned entities of a corpus after resolution and curation, beside the extraction alone.

    python bench/top_entities.py [--type person] [--top 30]

Reads the index behind AKHBAR_BENCH_ALIAS (default bench-articles; see search_latency.py) and its entity
registry: for each of the top facet values, its article count, the count of its own extracted key alone (what
the facet showed before resolution), and the forms folded into it.
"""
from __future__ import annotations

import argparse

from common import bench_settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--type", dest="entity_type", default="person",
                        choices=("person", "organization", "location"))
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()

    from core import registry
    from core.engine import client
    from core.fields import ENTITY_FIELDS, EXTRACTED_KEYS, extracted_key

    settings = bench_settings()
    es = client(settings, timeout=120)
    alias, registry_alias = settings.index_alias, registry.registry_alias(settings.index_alias)
    field = ENTITY_FIELDS[args.entity_type]
    buckets = es.search(index=alias, size=0, aggs={"top": {"terms": {"field": field, "size": args.top}}}
                        )["aggregations"]["top"]["buckets"]
    print(f"{'articles':>8} {'as extracted':>12}  {args.entity_type} (folded forms)")
    for bucket in buckets:
        entity = registry.get_entity(es, registry_alias, args.entity_type, bucket["key"]) or {}
        alone = es.count(index=alias, query={"term": {EXTRACTED_KEYS: extracted_key(args.entity_type, bucket["key"])}}
                         )["count"]
        folded = [k for k in entity.get("alias_keys", []) if k != bucket["key"]]
        print(f"{bucket['doc_count']:>8} {alone:>12}  {entity.get('name', bucket['key'])}"
              + (f"  ({' | '.join(folded)})" if folded else ""))


if __name__ == "__main__":
    main()
