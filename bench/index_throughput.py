"""Indexing throughput: a full `reindex` with enrichment — rules alone, the shipped CRF alone
(AKHBAR_ENTITY_MODEL=crf) and the default entity model (that CRF with a network) — vs a plain bulk load of the same
articles, same mapping.

    python bench/index_throughput.py [PATH]     (default ../shared/data/saudinewsnet/articles.jsonl.gz)

Each side runs in its own process against the running engine (AKHBAR_* / ELASTICSEARCH_URL settings) under a
throw-away alias. Peak memory is that of all the side's processes together (the process and its enrichment
workers): the sum of their proportional set sizes (PSS: a page shared by the forked workers counts once), sampled
every 0.2 s. Prints seconds and docs/s of each side (medians of --repeat alternating runs), the enriched/baseline
ratios and peak memory, and peak memory on a quarter of the corpus to show it does not grow with the input.
Targets: the default model <= 90 s on the whole corpus, peak <= 500 MB all processes together.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT = ROOT.parent / "shared" / "data" / "saudinewsnet" / "articles.jsonl.gz"


def _tree(pid: int) -> list[int]:
    """pid and all its descendants."""
    found, frontier = [pid], [pid]
    while frontier:
        parent = frontier.pop()
        try:
            with open(f"/proc/{parent}/task/{parent}/children") as handle:
                children = [int(c) for c in handle.read().split()]
        except OSError:
            continue
        found += children
        frontier += children
    return found


def _pss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as handle:
                for line in handle:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            continue  # it ended between listing and reading
    return total / 1024


def enriched(path: Path, alias: str) -> dict:
    from core import settings as settings_module
    from core.engine import client
    from indexer.jobs import reindex

    settings = replace(settings_module.load(), index_alias=alias)
    es = client(settings, timeout=120)
    summary = reindex(es, settings, [path], rejects_path=Path(f"/tmp/{alias}-rejects.jsonl"), progress=False)
    return {**summary.as_dict(), "workers": settings.index_workers,
            "model": str(settings.entity_model) if settings.entity_model else "none"}


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
    return {"indexed": ok, "seconds": round(seconds, 2), "docs_per_s": round(ok / seconds, 1)}


# model: the default one (the CRF with a network); crf: the shipped CRF alone (AKHBAR_ENTITY_MODEL=crf), faster
SIDES = {"baseline": {}, "rules": {"AKHBAR_ENTITY_MODEL": "none"}, "crf": {"AKHBAR_ENTITY_MODEL": "crf"},
         "model": {}}


def run_side(side: str, path: Path) -> dict:
    alias = f"bench-{side}-{uuid.uuid4().hex[:6]}"
    env = {k: v for k, v in os.environ.items() if side != "model" or k != "AKHBAR_ENTITY_MODEL"} | SIDES[side]
    process = subprocess.Popen([sys.executable, __file__, "--side", "baseline" if side == "baseline" else "enriched",
                                str(path), "--alias", alias], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env=env)
    peak = [0.0]

    def sample() -> None:
        while process.poll() is None:
            peak[0] = max(peak[0], _pss_mb(_tree(process.pid)))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = process.communicate()
    sampler.join()
    if process.returncode != 0:
        tail = "\n".join(err.strip().splitlines()[-5:])
        raise SystemExit(f"the {side} run failed (is the engine running? `akhbar engine start`):\n{tail}")
    return json.loads(out.strip().splitlines()[-1]) | {"alias": alias, "peak_mb": round(peak[0], 1)}


def median_run(runs: list[dict]) -> dict:
    """The run with the median throughput (its own time and memory), so figures stay consistent."""
    return sorted(runs, key=lambda r: r["docs_per_s"])[len(runs) // 2]


def cleanup(alias: str) -> None:
    from core import settings as settings_module
    from core.engine import client

    es = client(settings_module.load())
    names = list(es.indices.get(index=f"{alias}-*"))  # versioned indices and the entity registry
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
    # The machine is noisy: alternate the sides and report medians.
    runs: dict[str, list[dict]] = {side: [] for side in SIDES}
    for _ in range(args.repeat):
        for side in SIDES:
            runs[side].append(run_side(side, args.path))
            cleanup(runs[side][-1]["alias"])
    medians = {side: median_run(done) for side, done in runs.items()}
    ratios = {side: sorted(r["docs_per_s"] / b["docs_per_s"] for b, r in zip(runs["baseline"], runs[side]))
              for side in ("rules", "crf", "model")}
    # Memory must not grow with the input: the default model on a quarter of the corpus, for comparison.
    quarter = Path(tempfile.mkdtemp()) / "quarter.jsonl.gz"
    with gzip.open(args.path, "rt", encoding="utf-8") as source, gzip.open(quarter, "wt", encoding="utf-8") as out:
        lines = source.readlines()
        out.writelines(lines[: len(lines) // 4])
    small = run_side("model", quarter)
    cleanup(small["alias"])
    print(f"corpus: {args.path}; workers: {medians['model']['workers']}; model: {medians['model']['model']}")
    print(f"medians of {args.repeat} alternating runs; per-run enriched/baseline throughput ratios: "
          + "; ".join(f"{side} {', '.join(f'{r:.2f}' for r in ratios[side])}" for side in ratios))
    print(f"{'':<10} {'docs':>7} {'seconds':>8} {'docs/s':>8} {'peak MB':>8}   (peak: PSS of all processes)")
    for side, row in (*medians.items(), ("model¼", small)):
        print(f"{side:<10} {row['indexed']:>7} {row['seconds']:>8} {row['docs_per_s']:>8} {row['peak_mb']:>8}")
    model_seconds = sorted(r["seconds"] for r in runs["model"])
    print(f"default model: {', '.join(map(str, model_seconds))} s per run; model/rules time: "
          f"{medians['model']['seconds'] / medians['rules']['seconds']:.2f}; model/crf time: "
          f"{medians['model']['seconds'] / medians['crf']['seconds']:.2f}; "
          f"peak memory full/quarter corpus: {medians['model']['peak_mb'] / small['peak_mb']:.2f}")
    print("targets: default model <= 90 s, peak <= 500 MB (all processes) and flat")
    print(json.dumps({"runs": runs, "medians": medians, "model_quarter": small,
                      "ratios": {side: ratios[side][len(ratios[side]) // 2] for side in ratios}}))


if __name__ == "__main__":
    main()
