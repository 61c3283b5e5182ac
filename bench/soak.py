"""Soak: searches at concurrency 8 through the API (gunicorn) for 60 s while `akhbar reindex` rebuilds the index and
swaps the alias, one node of a three-node cluster restarts, and (with --outage) the whole cluster goes down and
comes back.

    python bench/soak.py [--seconds 60] [--concurrency 8] [--articles 3000] [--port 9270] [--outage]

Starts its own cluster (AKHBAR_ENGINE_HOME under a temp dir, HTTP ports PORT…PORT+2, heap 512m per node) and its
own alias (`soak`), never the shared engine; stops everything it started. Reports requests, answers by status,
p95 latency in the quiet first seconds (the baseline) and while things happen, and the count of 5xx answers that
are not a JSON 503 (target 0), and of 503s outside a full outage (target 0).
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

import requests

from common import CORPUS, ROOT, percentile, wait_until_healthy

from cli.embedded_engine import _is_our_process  # noqa: E402  (bench/common puts the project on the path)

QUIET_SECONDS = 8  # the baseline: no event before this
ALIAS = "soak"


def write_slice(path: Path, count: int) -> None:
    with gzip.open(CORPUS, "rt", encoding="utf-8") as source, open(path, "w", encoding="utf-8") as out:
        for number, line in enumerate(source):
            if number >= count:
                break
            out.write(line)


def queries(path: Path, count: int, seed: int = 7) -> list[dict]:
    """One or two words from real titles, with or without a sort; every request computes facets."""
    rng = random.Random(seed)
    titles = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            words = [w for w in (json.loads(line).get("title") or "").split() if len(w) >= 4]
            if len(words) >= 2:
                titles.append(words)
    return [{"q": " ".join(rng.sample(words, rng.choice((1, 2)))), "size": 10,
             "sort": rng.choice(("relevance", "relevance", "newest"))} for words in rng.choices(titles, k=count)]


def _error(response) -> tuple[str | None, str | None]:
    """(error code, reason) of an Akhbar JSON error answer."""
    try:
        body = response.json()
        return body.get("error"), (body.get("details") or {}).get("reason")
    except (ValueError, AttributeError):
        return None, None


class Events:
    """What happens to the cluster during the soak, with when each began and ended (seconds from the start)."""

    def __init__(self, manager, env: dict, t0: float, outage: bool):
        self.manager, self.env, self.t0, self.outage = manager, env, t0, outage
        self.log: list[dict] = []
        self.outage_window = (float("inf"), float("inf"))

    def now(self) -> float:
        return time.monotonic() - self.t0

    def _until(self, moment: float) -> None:
        time.sleep(max(0.0, moment - self.now()))

    def reindex(self) -> None:
        self._until(QUIET_SECONDS)
        begun = self.now()
        done = subprocess.run([sys.executable, "-m", "cli", "reindex", "--rejects", os.devnull], env=self.env,
                              capture_output=True, text=True)
        said = done.stdout.strip().splitlines()[-1:] if done.returncode == 0 else done.stderr.strip().splitlines()
        self.log.append({"event": "reindex (alias swap)", "from": begun, "to": self.now(), "exit": done.returncode,
                         "said": " | ".join(said)[-600:]})

    def restart_node(self, at: float) -> None:
        self._until(at)
        state = self.manager.state()
        victim = state.nodes[1]
        begun = self.now()
        os.killpg(victim.pid, signal.SIGTERM)  # a rolling restart: the node shuts down cleanly, then comes back
        while _is_our_process(victim.pid):
            time.sleep(0.1)
        self.manager.start(port=state.port, nodes=state.size)
        self.log.append({"event": f"{victim.name} restart", "from": begun, "to": self.now()})

    def full_outage(self, at: float) -> None:
        self._until(at)
        state = self.manager.state()
        begun = self.now()
        for node in state.nodes:
            os.killpg(node.pid, signal.SIGKILL)
        time.sleep(3)
        self.manager.start(port=state.port, nodes=state.size)
        self.outage_window = (begun, self.now())
        self.log.append({"event": "full outage (kill -9 of every node, then start)", "from": begun,
                         "to": self.now()})

    def run(self, restart_at: float, outage_at: float) -> None:
        """The reindex from QUIET_SECONDS on; a node restart meanwhile; then, with --outage, the full outage
        (once the restarted node is back, whether or not the reindex is done: it must ride that out too)."""
        reindex = threading.Thread(target=self.reindex)
        reindex.start()
        self.restart_node(restart_at)
        if self.outage:
            self.full_outage(max(outage_at, self.now()))
        reindex.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--articles", type=int, default=3000)
    parser.add_argument("--port", type=int, default=9270, help="HTTP port of node-1 (transport PORT+100 …)")
    parser.add_argument("--api-port", type=int, default=8790)
    parser.add_argument("--heap", default="512m")
    parser.add_argument("--outage", action="store_true", help="also take the whole cluster down once")
    args = parser.parse_args()

    from cli.embedded_engine import EmbeddedEngine
    from core import settings as settings_module

    work = Path(tempfile.mkdtemp(prefix="akhbar-soak-"))
    env = {**os.environ, "AKHBAR_ENGINE_HOME": str(work / "engine"), "AKHBAR_ENGINE_PORT": str(args.port),
           "AKHBAR_ENGINE_HEAP": args.heap, "AKHBAR_INDEX_ALIAS": ALIAS, "AKHBAR_INDEX_SHARDS": "3",
           "AKHBAR_INDEX_REPLICAS": "1", "AKHBAR_ENGINE_WAIT": "120",
           "ELASTICSEARCH_URL": ",".join(f"http://127.0.0.1:{args.port + i}" for i in range(3))}
    manager = EmbeddedEngine(replace(settings_module.load(), engine_home=work / "engine", engine_heap=args.heap,
                                     elasticsearch_url=None))
    server = None
    try:
        print(f"starting a 3-node cluster on ports {args.port}-{args.port + 2} …", file=sys.stderr)
        manager.start(port=args.port, nodes=3)
        corpus = work / "slice.jsonl"
        write_slice(corpus, args.articles)
        loaded = subprocess.run([sys.executable, "-m", "cli", "index", str(corpus), "--rejects", os.devnull],
                                env=env, capture_output=True, text=True)
        if loaded.returncode != 0:
            raise SystemExit(f"indexing failed: {loaded.stderr.strip()[-500:]}")
        indexed = json.loads(loaded.stdout.strip().splitlines()[-1])["indexed"]
        count = f"http://127.0.0.1:{args.port}/{ALIAS}/_count"
        before = requests.get(count, timeout=30).json()["count"]
        server = subprocess.Popen([sys.executable, "-m", "cli", "serve", "--port", str(args.api_port), "--workers",
                                   "3"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  start_new_session=True, cwd=ROOT)
        api = f"http://127.0.0.1:{args.api_port}"
        wait_until_healthy(api)
        mix = queries(corpus, 20000)
        warm = requests.Session()
        for params in mix[-200:]:  # not measured: first queries compile and fill caches on every node
            warm.get(f"{api}/search", params=params, timeout=60)

        results: list[tuple[float, int, bool, float]] = []  # (t, status, a JSON 503?, ms)
        reasons: Counter = Counter()
        lock = threading.Lock()
        t0 = time.monotonic()
        stop = t0 + args.seconds

        def load(worker: int) -> None:
            session = requests.Session()
            position = worker
            while time.monotonic() < stop:
                params = mix[position % len(mix)]
                position += args.concurrency
                started = time.monotonic()
                try:
                    response = session.get(f"{api}/search", params=params, timeout=30)
                except requests.RequestException:
                    response = None  # the API itself did not answer: counted as status 0
                status = response.status_code if response is not None else 0
                code, reason = _error(response) if status >= 400 else (None, None)
                json_503 = status == 503 and code == "engine_unavailable"
                ended = time.monotonic()
                with lock:
                    results.append((started - t0, status, json_503, (ended - started) * 1000))
                    if status != 200:
                        reasons[f"{status} {reason or code}"] += 1

        events = Events(manager, env, t0, args.outage)
        happening = threading.Thread(target=events.run, args=(15.0, 40.0))
        workers = [threading.Thread(target=load, args=(i,)) for i in range(args.concurrency)]
        happening.start()
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        happening.join()
        after = requests.get(count, timeout=30).json()["count"]
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        manager.stop()
        shutil.rmtree(work, ignore_errors=True)  # the cluster's data: nothing to keep

    statuses = Counter(status for _, status, _, _ in results)
    bad_5xx = sum(1 for _, status, json_503, _ in results if (status >= 500 or status == 0) and not json_503)
    start_out, end_out = events.outage_window
    # A request in flight when the outage began (or ended) counts as in it.
    stray_503 = sum(1 for t, status, _, ms in results
                    if status == 503 and not (t <= end_out and t + ms / 1000 >= start_out))
    quiet = [ms for t, status, _, ms in results if t < QUIET_SECONDS and status == 200]
    busy = [ms for t, status, _, ms in results if t >= QUIET_SECONDS and status == 200]
    report = {
        "seconds": args.seconds, "concurrency": args.concurrency, "records_indexed": indexed,
        "articles": before, "articles_after_reindex": after, "requests": len(results),
        "by_status": {str(k): v for k, v in sorted(statuses.items())}, "errors": dict(reasons),
        "non_json_5xx": bad_5xx,
        "json_503_outside_full_outage": stray_503,
        "p95_ms_quiet": round(percentile(quiet, 95), 1), "p95_ms_during_events": round(percentile(busy, 95), 1),
        "p95_ms_all": round(percentile([r[3] for r in results], 95), 1),
        "events": [{**e, "from": round(e["from"], 1), "to": round(e["to"], 1)} for e in events.log],
    }
    print(f"{len(results)} searches in {args.seconds:.0f} s at concurrency {args.concurrency} on {before} articles "
          f"(3 nodes, 3 shards x 1 replica); {after} behind the alias after the reindex")
    for event in report["events"]:
        extra = f" exit {event['exit']}: {event['said']}" if "exit" in event else ""
        print(f"  {event['from']:>5.1f}-{event['to']:>5.1f} s  {event['event']}{extra}")
    print(f"answers by status: {report['by_status']}; 5xx other than a JSON 503: {bad_5xx}; "
          f"503 outside a full outage: {stray_503}; errors: {dict(reasons)}")
    print(f"p95: {report['p95_ms_quiet']} ms in the quiet first {QUIET_SECONDS} s (baseline), "
          f"{report['p95_ms_during_events']} ms after; ratio "
          f"{report['p95_ms_during_events'] / report['p95_ms_quiet']:.2f}")
    print(json.dumps(report, ensure_ascii=False))


if __name__ == "__main__":
    main()
