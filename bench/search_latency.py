"""Search latency through the API (gunicorn) vs the engine alone: the identical request bodies, and a plain
multi_match with one terms aggregation per facet (the baseline of the target) on the same queries and filters.

    python bench/search_latency.py [--queries 1000] [--concurrency 4] [--port 8765]

Needs a running engine; indexes ../shared/data/saudinewsnet/articles.jsonl.gz behind AKHBAR_BENCH_ALIAS
(default bench-articles) the first time. A fixed query mix (seed 42): one or two words from real titles with
0-2 facet filters; every API request computes the five facets, the date histogram and highlighting. Prints
p50/p95/p99 of each side and the ratios. Targets: API p95 <= 1.25 x the plain engine p95 + 10 ms; API p95 <= 80 ms.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import requests

from common import CORPUS, bench_settings, ensure_corpus_indexed, summary, wait_until_healthy

FACETS = ("source", "topic", "person", "organization", "location")
_WORD = re.compile(r"[\u0621-\u0652\u0670]{4,}")


def query_mix(es, alias: str, count: int, seed: int = 42) -> list[dict]:
    rng = random.Random(seed)
    titles = []
    with gzip.open(CORPUS, "rt", encoding="utf-8") as handle:
        for line in handle:
            words = _WORD.findall(json.loads(line).get("title") or "")
            if len(words) >= 2:
                titles.append(words)
    facet_fields = {"source": "source", "topic": "topics", "person": "persons", "organization": "organizations",
                    "location": "locations"}
    aggs = es.search(index=alias, size=0, aggs={f: {"terms": {"field": field, "size": 40}}
                                               for f, field in facet_fields.items()})["aggregations"]
    values = {f: [b["key"] for b in aggs[f]["buckets"]] for f in FACETS}
    mix = []
    for _ in range(count):
        words = rng.choice(titles)
        args = {"q": " ".join(rng.sample(words, rng.choice((1, 2)))), "size": 10, "facet_size": 10}
        for facet in rng.sample(FACETS, rng.choice((0, 1, 2))):
            if values[facet]:
                args[facet] = rng.choice(values[facet])
        mix.append(args)
    return mix


def engine_body(args: dict) -> dict:
    from api.query import build_search
    from api.schemas import SearchArgs

    list_fields = set(FACETS)
    return build_search(SearchArgs().load({k: [v] if k in list_fields else str(v) for k, v in args.items()}))


def plain_body(args: dict) -> dict:
    """The baseline: the same words and filters as a plain multi_match, with a terms aggregation per facet."""
    from api.query import FACET_FIELDS, TEXT_FIELDS, facet_filters, selected_filters

    filters = facet_filters(selected_filters({k: [v] for k, v in args.items() if k in FACETS}))
    return {"size": args.get("size", 10), "track_total_hits": True, "_source": {"excludes": ["original", "body"]},
            "query": {"bool": {"must": [{"multi_match": {"query": args["q"], "fields": TEXT_FIELDS}}],
                               "filter": list(filters.values())}},
            "aggs": {f: {"terms": {"field": FACET_FIELDS[f], "size": args.get("facet_size", 10)}} for f in FACETS}}


def run(requests_list, send, concurrency: int) -> list[float]:
    def timed(item):
        started = time.perf_counter()
        send(item)
        return (time.perf_counter() - started) * 1000

    with ThreadPoolExecutor(concurrency) as pool:
        return list(pool.map(timed, requests_list))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()

    from core.engine import client

    settings = bench_settings()
    es = client(settings, timeout=120)
    docs = ensure_corpus_indexed(es, settings, CORPUS)
    mix = query_mix(es, settings.index_alias, args.queries)
    bodies = [engine_body(q) for q in mix]
    plain = [plain_body(q) for q in mix]

    env = {**os.environ, "AKHBAR_INDEX_ALIAS": settings.index_alias}
    serve = [sys.executable, "-m", "cli", "serve", "--port", str(args.port)]
    if args.workers:
        serve += ["--workers", str(args.workers)]
    server = subprocess.Popen(serve, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    api_url = f"http://127.0.0.1:{args.port}"
    try:
        wait_until_healthy(api_url)
        sessions = {}

        def session():
            import threading

            key = threading.get_ident()
            if key not in sessions:
                sessions[key] = requests.Session()
            return sessions[key]

        def via_api(params):
            response = session().get(f"{api_url}/search", params=params, timeout=30)
            assert response.status_code == 200, response.text[:300]

        def via_engine(body):
            response = session().post(f"{settings.engine_url}/{settings.index_alias}/_search", json=body, timeout=30)
            assert response.status_code == 200, response.text[:300]

        warm = min(100, len(mix))
        run(mix[:warm], via_api, args.concurrency)
        run(bodies[:warm], via_engine, args.concurrency)
        run(plain[:warm], via_engine, args.concurrency)
        # Interleave the sides in blocks so all see the same machine noise.
        api_ms, engine_ms, plain_ms = [], [], []
        block = 100
        for start in range(0, len(mix), block):
            plain_ms += run(plain[start:start + block], via_engine, args.concurrency)
            engine_ms += run(bodies[start:start + block], via_engine, args.concurrency)
            api_ms += run(mix[start:start + block], via_api, args.concurrency)
    finally:
        os.killpg(server.pid, 15)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, 9)

    api_s, engine_s, plain_s = summary(api_ms), summary(engine_ms), summary(plain_ms)
    limit = 1.25 * plain_s["p95"] + 10
    print(f"{docs} articles indexed; {len(mix)} queries at concurrency {args.concurrency}; "
          f"API and engine: 5 facets, histogram, highlighting; plain: multi_match + 5 terms aggregations")
    print(f"{'':<8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for name, side in (("plain", plain_s), ("engine", engine_s), ("api", api_s)):
        print(f"{name:<8} {side['p50']:>8} {side['p95']:>8} {side['p99']:>8}")
    print(f"api/plain p95 ratio: {api_s['p95'] / plain_s['p95']:.2f}, api/engine {api_s['p95'] / engine_s['p95']:.2f}; "
          f"target api p95 <= 1.25 x plain + 10 = {limit:.1f} ms ({'met' if api_s['p95'] <= limit else 'missed'}); "
          f"api p95 <= 80 ms ({'met' if api_s['p95'] <= 80 else 'missed'})")
    print(json.dumps({"plain": plain_s, "engine": engine_s, "api": api_s,
                      "ratio_p95": round(api_s["p95"] / plain_s["p95"], 3)}))


if __name__ == "__main__":
    main()
