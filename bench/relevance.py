"""Known-item relevance: Akhbar's ranking vs a stock `arabic`-analyzer index with a plain match.

    python bench/relevance.py [--sample 500] [--seed 7]

For a fixed random sample of articles from the benchmark index (AKHBAR_BENCH_ALIAS, built from
../shared/data/saudinewsnet/articles.jsonl.gz on first use), each article is searched for with
(a) its title and (b) four salient words of its lead — the rarest words of its first 60 words that still occur
in at least 3 articles, inflected as they appear. Reports MRR@10 and recall@10 for both rankings.
Target: Akhbar's MRR@10 at least 0.05 above the baseline's on (b) and no worse on (a).
"""
from __future__ import annotations

import argparse
import json
import random
import re
from collections import Counter

from elasticsearch import helpers

from common import CORPUS, bench_settings, ensure_corpus_indexed

_WORD = re.compile(r"[\u0621-\u0652\u0670]{2,}")  # letters with their diacritics and tatweel: whole words
BASELINE_INDEX = "bench-relevance-baseline"


def load_articles(es, alias):
    for hit in helpers.scan(es, index=alias, query={"query": {"match_all": {}}}, _source=["title", "body"],
                            size=1000):
        source = hit["_source"]
        if source.get("title") and source.get("body"):
            yield hit["_id"], source["title"], source["body"]


def build_baseline(es, articles) -> None:
    if es.indices.exists(index=BASELINE_INDEX):
        es.indices.delete(index=BASELINE_INDEX)
    es.indices.create(index=BASELINE_INDEX, settings={"number_of_shards": 1, "number_of_replicas": 0},
                      mappings={"properties": {"title": {"type": "text", "analyzer": "arabic"},
                                               "body": {"type": "text", "analyzer": "arabic"}}})
    helpers.bulk(es, ({"_index": BASELINE_INDEX, "_id": i, "_source": {"title": t, "body": b}}
                      for i, t, b in articles), chunk_size=2000, request_timeout=120)
    es.indices.refresh(index=BASELINE_INDEX)


def salient_lead(body: str, df: Counter, count: int = 4) -> str | None:
    lead = _WORD.findall(body)[:60]
    candidates = sorted({w for w in lead if df[w] >= 3}, key=lambda w: (df[w], lead.index(w)))
    if len(candidates) < count:
        return None
    chosen = set(candidates[:count])
    return " ".join(w for w in dict.fromkeys(lead) if w in chosen)


def rank_of(es, index, body, target) -> int | None:
    hits = es.search(index=index, body={**body, "size": 10, "_source": False})["hits"]["hits"]
    ids = [h["_id"] for h in hits]
    return ids.index(target) + 1 if target in ids else None


def akhbar_body(q: str) -> dict:
    from api.query import build_search

    body = build_search({"q": q, "size": 10})
    for heavy in ("aggs", "highlight"):
        body.pop(heavy, None)
    body["track_total_hits"] = False
    return body


def baseline_body(q: str) -> dict:
    return {"query": {"bool": {"should": [{"match": {"title": q}}, {"match": {"body": q}}]}}}


def metrics(ranks: list[int | None]) -> dict:
    return {"mrr@10": round(sum(1 / r for r in ranks if r) / len(ranks), 4),
            "recall@10": round(sum(1 for r in ranks if r) / len(ranks), 4), "queries": len(ranks)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sample", type=int, default=500)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    from core.engine import client

    settings = bench_settings()
    es = client(settings, timeout=120)
    ensure_corpus_indexed(es, settings, CORPUS)
    articles = sorted(load_articles(es, settings.index_alias))
    df = Counter()
    for _, title, body in articles:
        df.update(set(_WORD.findall(title + " " + body)))
    build_baseline(es, articles)

    rng = random.Random(args.seed)
    sample = rng.sample(articles, args.sample)
    results = {"akhbar": {"a": [], "b": []}, "baseline": {"a": [], "b": []}}
    for doc_id, title, body in sample:
        queries = {"a": title, "b": salient_lead(body, df)}
        for kind, q in queries.items():
            if not q:
                continue
            results["akhbar"][kind].append(rank_of(es, settings.index_alias, akhbar_body(q), doc_id))
            results["baseline"][kind].append(rank_of(es, BASELINE_INDEX, baseline_body(q), doc_id))
    es.indices.delete(index=BASELINE_INDEX)

    table = {system: {kind: metrics(ranks) for kind, ranks in kinds.items()} for system, kinds in results.items()}
    print(f"known-item search over {len(articles)} articles, sample {args.sample} (seed {args.seed})")
    print(f"{'':<10} {'(a) title MRR@10':>17} {'R@10':>6} {'(b) lead MRR@10':>16} {'R@10':>6}")
    for system in ("baseline", "akhbar"):
        a, b = table[system]["a"], table[system]["b"]
        print(f"{system:<10} {a['mrr@10']:>17} {a['recall@10']:>6} {b['mrr@10']:>16} {b['recall@10']:>6}")
    gain_b = table["akhbar"]["b"]["mrr@10"] - table["baseline"]["b"]["mrr@10"]
    gain_a = table["akhbar"]["a"]["mrr@10"] - table["baseline"]["a"]["mrr@10"]
    print(f"MRR@10 gain: (a) {gain_a:+.4f} (target >= 0), (b) {gain_b:+.4f} (target >= +0.05)")
    print(json.dumps(table))


if __name__ == "__main__":
    main()
