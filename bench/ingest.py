"""Ingest API throughput: articles per second through POST /articles at concurrency 4, beside `akhbar index` on the
same articles, in the same run.

    python bench/ingest.py [PATH] [--articles 2000] [--batch 50] [--single 120] [--concurrency 4] [--repeat 3]
                            [--registry N]

PATH defaults to ../shared/data/saudinewsnet/articles.jsonl.gz; the first --articles readable records are used.
Each side writes under its own throw-away alias (deleted after, tombstones included), against the running engine:
- baseline: `akhbar index` of those articles (index_paths, AKHBAR_INDEX_WORKERS enrichment processes);
- ingest, batched: `akhbar serve-ingest` (gunicorn, a worker per core), --concurrency clients each POSTing NDJSON
  bodies of --batch articles, every answer waiting until its articles are searchable (refresh=wait_for);
- ingest, one article a request: --single articles as JSON, with wait_for, and again with ?wait=false.
Prints articles/s of each (medians of --repeat runs, alternating sides), their ratio to the baseline (the whole
command's time, the registry's sync included), and the median and p95 latency of one-article requests. With
--registry N, N further articles are indexed behind every alias first (untimed), so an entity registry exists and
each ingest request pays for keeping it current.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import CORPUS, ROOT, percentile  # noqa: E402

KEY = uuid.uuid4().hex  # this run's ingest key, never printed


def first_articles(path: Path, n: int) -> list[dict]:
    from indexer.readers import read_all

    articles = []
    for record in read_all([path]):
        if record.data is not None:
            articles.append({k: v for k, v in record.data.items() if v is not None})
            if len(articles) == n:
                break
    return articles


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class IngestServer:
    """`akhbar serve-ingest` on a free port under its own alias; stopped (only it) on exit."""

    def __init__(self, alias: str):
        self.alias, self.port = alias, _free_port()
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        env = {**os.environ, "AKHBAR_INGEST_KEYS": KEY, "AKHBAR_INDEX_ALIAS": self.alias}
        self.log = tempfile.TemporaryFile()  # the server's log: shown if a request fails
        self.process = subprocess.Popen([sys.executable, "-m", "cli", "serve-ingest", "--port", str(self.port)],
                                        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=self.log,
                                        start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.url}/health", timeout=5).status_code == 200:
                    return self
            except requests.RequestException:
                time.sleep(0.3)
        self.__exit__()
        raise SystemExit("the ingest server did not answer /health within 60 s")

    def __exit__(self, *exc):
        stop_server(self.process)
        if exc and exc[0] is not None:  # a request failed: what the server logged says why
            self.log.seek(0)
            sys.stderr.write(self.log.read().decode(errors="replace")[-6000:])
        self.log.close()


def stop_server(process: subprocess.Popen) -> None:
    """gunicorn's quick stop; its master kills a worker that outlives its graceful timeout (30 s), so wait longer
    than that before killing the process group it leads (started with start_new_session)."""
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=45)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def post_all(url: str, bodies: list[tuple[bytes, str]], concurrency: int, query: str = "") -> tuple[float, list[float], int]:
    """Seconds for all bodies at `concurrency`, each request's latency (ms), and how many articles landed."""
    headers = {"Authorization": f"Bearer {KEY}"}
    sessions = {}

    def send(item: tuple[bytes, str]) -> tuple[float, int]:
        session = sessions.setdefault(threading.get_ident(), requests.Session())
        body, content_type = item
        started = time.perf_counter()
        response = session.post(f"{url}/articles{query}", data=body, headers={**headers, "Content-Type": content_type},
                                timeout=300)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code not in (200, 201, 422):
            raise SystemExit(f"POST /articles answered {response.status_code}: {response.text[:300]}")
        return elapsed, response.json().get("indexed", 0)

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(send, bodies))
    seconds = time.perf_counter() - started
    for session in sessions.values():
        session.close()
    return seconds, [ms for ms, _ in results], sum(n for _, n in results)


def drop_alias(es, alias: str) -> None:
    names = list(es.indices.get(index=f"{alias}-*", expand_wildcards="all"))
    if names:
        es.indices.delete(index=",".join(names))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", nargs="?", type=Path, default=CORPUS)
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=50, help="articles per NDJSON request")
    parser.add_argument("--single", type=int, default=120, help="articles sent one a request")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--registry", type=int, default=0, metavar="N",
                        help="first index the N articles after those behind every alias (untimed): the entity "
                             "registry exists, and each request pays for its follow-up")
    args = parser.parse_args()

    from core import settings as settings_module
    from core.engine import client
    from indexer.jobs import index_paths

    loaded = first_articles(args.path, args.articles + args.registry)
    articles, earlier = loaded[:args.articles], loaded[args.articles:]
    base = settings_module.load()
    es = client(base, timeout=120)
    lines = [json.dumps(a, ensure_ascii=False) for a in articles]
    batches = [("\n".join(lines[i:i + args.batch]) + "\n").encode() for i in range(0, len(lines), args.batch)]
    batched = [(body, "application/x-ndjson") for body in batches]
    singles = [(line.encode(), "application/json") for line in lines[:args.single]]
    run_id = uuid.uuid4().hex[:8]
    figures: dict[str, list[float]] = {"index": [], "batched": [], "single": [], "single_nowait": []}
    latencies: dict[str, list[float]] = {"single": [], "single_nowait": []}
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "articles.jsonl"
        source.write_text("\n".join(lines) + "\n", encoding="utf-8")
        archive = Path(tmp) / "earlier.jsonl"
        archive.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in earlier), encoding="utf-8")
        for round_ in range(args.repeat):
            aliases = {side: f"bench-ingest-{run_id}-{round_}-{side}" for side in figures}
            try:
                for alias in aliases.values() if earlier else ():
                    index_paths(es, replace(base, index_alias=alias), [archive], rejects_path=None, progress=False)
                settings = replace(base, index_alias=aliases["index"])
                started = time.perf_counter()  # the whole command: the registry's sync after the run included
                summary = index_paths(es, settings, [source], rejects_path=Path(tmp) / "rejects.jsonl", progress=False)
                figures["index"].append(summary.indexed / (time.perf_counter() - started))
                for side, bodies, query in (("batched", batched, ""), ("single", singles, ""),
                                            ("single_nowait", singles, "?wait=false")):
                    with IngestServer(aliases[side]) as server:
                        seconds, ms, landed = post_all(server.url, bodies, args.concurrency, query)
                    figures[side].append(landed / seconds)
                    latencies.get(side, []).extend(ms)
                print(json.dumps({"round": round_ + 1, **{k: round(v[-1], 1) for k, v in figures.items()}}),
                      file=sys.stderr)
            finally:
                for alias in aliases.values():
                    drop_alias(es, alias)
    median = {side: statistics.median(values) for side, values in figures.items()}
    print(json.dumps({
        "articles": len(articles), "batch": args.batch, "single_articles": len(singles),
        "concurrency": args.concurrency, "repeat": args.repeat, "index_workers": base.index_workers,
        "registry_of": len(earlier),
        "articles_per_s": {side: round(value, 1) for side, value in median.items()},
        "ratio_to_index": {side: round(median[side] / median["index"], 2) for side in median if side != "index"},
        "single_latency_ms": {side: {"p50": round(percentile(ms, 50)), "p95": round(percentile(ms, 95))}
                              for side, ms in latencies.items()},
    }, indent=1))


if __name__ == "__main__":
    main()
