"""Shared pieces of the search benchmarks: the corpus path, a benchmark index, percentiles."""
from __future__ import annotations

import os
import statistics
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CORPUS = ROOT.parent / "shared" / "data" / "saudinewsnet" / "articles.jsonl.gz"
BENCH_ALIAS = os.environ.get("AKHBAR_BENCH_ALIAS", "bench-articles")


def bench_settings():
    from core import settings as settings_module

    return replace(settings_module.load(), index_alias=BENCH_ALIAS)


def ensure_corpus_indexed(es, settings, corpus: Path) -> int:
    """Index the corpus behind the benchmark alias once (a full reindex with enrichment); reuse it after."""
    from indexer import aliases
    from indexer.jobs import reindex

    if aliases.current_indices(es, settings.index_alias):
        return es.count(index=settings.index_alias)["count"]
    print(f"indexing {corpus} behind {settings.index_alias} (once) …", file=sys.stderr)
    reindex(es, settings, [corpus], rejects_path=Path(f"/tmp/{settings.index_alias}-rejects.jsonl"))
    return es.count(index=settings.index_alias)["count"]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary(values_ms: list[float]) -> dict:
    return {"p50": round(percentile(values_ms, 50), 2), "p95": round(percentile(values_ms, 95), 2),
            "p99": round(percentile(values_ms, 99), 2), "mean": round(statistics.fmean(values_ms), 2),
            "n": len(values_ms)}


def wait_until_healthy(url: str, timeout: float = 60) -> None:
    """Until `url`/health answers 200 (a server just started); SystemExit after `timeout` seconds."""
    import time

    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{url}/health", timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url}/health did not answer 200 within {timeout:.0f} s")
