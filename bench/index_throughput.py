"""Indexing throughput: a full `reindex` with enrichment vs a plain bulk load of the same articles, same mapping.

    python bench/index_throughput.py [PATH]     (default ../shared/data/saudinewsnet/articles.jsonl.gz)

Each side runs in its own process against the running engine (AKHBAR_* / ELASTICSEARCH_URL settings) under a
throw-away alias, so peak memory (max RSS of the process and its enrichment workers) is measured per side.
Prints docs/s of both (medians of --repeat alternating runs), their ratio and peak memory, and peak memory on a
quarter of the corpus to show it does not grow with the input. Targets: enriched <= 120 s, >= 50% of baseline docs/s,
peak <= 500 MB.
"""
from __future__ import annotations

import argparse
import gzip
import json
import tempfile
import resource
import subprocess
import sys
import uuid
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT = ROOT.parent / "shared" / "data" / "saudinewsnet" / "articles.jsonl.gz"


def _peak_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def enriched(path: Path, alias: str) -> dict:
    from core import settings as settings_module
    from core.engine import client
    from indexer.jobs import reindex

    settings = replace(settings_module.load(), index_alias=alias)
    es = client(settings, timeout=120)
    summary = reindex(es, settings, [path], rejects_path=Path(f"/tmp/{alias}-rejects.jsonl"), progress=False)
    return {**summary.as_dict(), "peak_mb": round(_peak_mb(), 1), "workers": settings.index_workers}


def baseline(path: Path, alias: str) -> dict:
    """The same articles and mapping through the plain bulk helper: no validation, cleanup or enrichment."""
    import time

    from elasticsearch import helpers

    from core import settings as settings_module
    from core.engine import client
    from indexer import aliases
    from indexer.readers import read_all

    settings = replace(settings_module.load(), index_alias=alias)
    es = client(settings, timeout=120)
    started = time.perf_counter()
    index, final = aliases.create_build_index(es, alias)
    actions = ({"_index": index, "_source": {"title": r.data["title"], "body": r.data["body"] or "",
                                             "url": r.data["url"], "source": r.data["source"],
                                             "published_at": r.data["published_at"].replace(" ", "T")}}
               for r in read_all([path]) if r.error is None)
    ok, _ = helpers.bulk(es, actions, max_chunk_bytes=settings.bulk_chunk_bytes, chunk_size=2000)
    aliases.publish(es, alias, index, final)
    seconds = time.perf_counter() - started
    return {"indexed": ok, "seconds": round(seconds, 2), "docs_per_s": round(ok / seconds, 1),
            "peak_mb": round(_peak_mb(), 1)}


def run_side(side: str, path: Path) -> dict:
    alias = f"bench-{side}-{uuid.uuid4().hex[:6]}"
    out = subprocess.run([sys.executable, __file__, "--side", side, str(path), "--alias", alias],
                         capture_output=True, text=True)
    if out.returncode != 0:
        tail = "\n".join(out.stderr.strip().splitlines()[-5:])
        raise SystemExit(f"the {side} run failed (is the engine running? `akhbar engine start`):\n{tail}")
    return json.loads(out.stdout.strip().splitlines()[-1]) | {"alias": alias}


def median_run(runs: list[dict]) -> dict:
    """The run with the median throughput (its own time and memory), so figures stay consistent."""
    return sorted(runs, key=lambda r: r["docs_per_s"])[len(runs) // 2]


def cleanup(alias: str) -> None:
    from core import settings as settings_module
    from core.engine import client

    es = client(settings_module.load())
    names = list(es.indices.get(index=f"{alias}-v*"))
    if names:
        es.indices.delete(index=",".join(names))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--side", choices=["enriched", "baseline"])
    parser.add_argument("--alias")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each side; medians are reported")
    args = parser.parse_args()
    if args.side:
        print(json.dumps((enriched if args.side == "enriched" else baseline)(args.path, args.alias)))
        return
    # The machine is noisy: alternate the two sides and report medians.
    bases, riches = [], []
    for _ in range(args.repeat):
        bases.append(run_side("baseline", args.path))
        cleanup(bases[-1]["alias"])
        riches.append(run_side("enriched", args.path))
        cleanup(riches[-1]["alias"])
    base = median_run(bases)
    rich = median_run(riches)
    ratios = sorted(r["docs_per_s"] / b["docs_per_s"] for b, r in zip(bases, riches))
    # Memory must not grow with the input: the same job on a quarter of the corpus, for comparison.
    quarter = Path(tempfile.mkdtemp()) / "quarter.jsonl.gz"
    with gzip.open(args.path, "rt", encoding="utf-8") as source, gzip.open(quarter, "wt", encoding="utf-8") as out:
        lines = source.readlines()
        out.writelines(lines[: len(lines) // 4])
    small = run_side("enriched", quarter)
    cleanup(small["alias"])
    ratio = ratios[len(ratios) // 2]
    print(f"corpus: {args.path}")
    print(f"medians of {args.repeat} alternating runs; per-run enriched/baseline ratios: "
          f"{', '.join(f'{r:.2f}' for r in ratios)}")
    print(f"{'':<10} {'docs':>7} {'seconds':>8} {'docs/s':>8} {'peak MB':>8}")
    print(f"{'baseline':<10} {base['indexed']:>7} {base['seconds']:>8} {base['docs_per_s']:>8} {base['peak_mb']:>8}")
    print(f"{'enriched':<10} {rich['indexed']:>7} {rich['seconds']:>8} {rich['docs_per_s']:>8} {rich['peak_mb']:>8}")
    print(f"{'enriched¼':<10} {small['indexed']:>7} {small['seconds']:>8} {small['docs_per_s']:>8} {small['peak_mb']:>8}")
    print(f"enriched/baseline throughput: {ratio:.2f}  (rejected: {rich['rejected']}, workers: {rich['workers']}); "
          f"peak memory full/quarter corpus: {rich['peak_mb'] / small['peak_mb']:.2f}")
    print("targets: enriched <= 120 s, ratio >= 0.50, peak <= 500 MB and flat")
    print(json.dumps({"baseline": base, "enriched": rich, "enriched_quarter": small, "ratio": round(ratio, 3)}))


if __name__ == "__main__":
    main()
