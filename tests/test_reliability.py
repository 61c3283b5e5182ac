"""Engine outages and unreadable inputs: the indexer rides out a kill -9 of its engine, stops with one line and
exit code 2 when the engine stays away, and lands every readable record while naming what it could not read."""
import gzip
import json
import os
import time
import uuid

import pytest
import requests

from tests.conftest import SAMPLES, drop_indices
from tests.private_engine import PrivateEngine, akhbar, akhbar_background, free_port

pytestmark = pytest.mark.engine


def _corpus(path, copies):
    """The sample articles `copies` times over under distinct ids: enough bulk requests to kill an engine in."""
    rows = [json.loads(line) for line in SAMPLES.read_text(encoding="utf-8").splitlines() if line.strip()]
    with open(path, "w", encoding="utf-8") as out:
        for k in range(copies):
            for row in rows:
                out.write(json.dumps({**row, "id": f"{row['id']}-{k}", "url": None}, ensure_ascii=False) + "\n")
    return path, len(rows) * copies


def _count(url, index):
    try:
        requests.post(f"{url}/{index}/_refresh", timeout=5)
        return requests.get(f"{url}/{index}/_count", timeout=5).json().get("count", 0)
    except (requests.RequestException, ValueError):
        return -1


def _wait_for_count(url, index, at_least, process, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "the indexer ended before the engine could be killed"
        if _count(url, index) >= at_least:
            return
        time.sleep(0.2)
    raise AssertionError(f"{index} never reached {at_least} documents")


def test_the_client_talks_to_the_session_engine(engine_url, es):
    assert [node.base_url for node in es.transport.node_pool.all()] == [engine_url]


def test_unreadable_inputs_are_rejects_and_everything_else_lands(tmp_path, engine_url, es):
    folder = tmp_path / "in"
    folder.mkdir()
    good, _ = _corpus(folder / "a-good.jsonl", 1)
    # A gzip cut short: its first lines are whole and must land, the rest is the reject.
    whole = gzip.compress(b"".join(
        json.dumps({"id": f"cut-{i}", "title": f"خبر رقم {i} عن الرياض", "body": "نص " * 200},
                   ensure_ascii=False).encode() + b"\n" for i in range(400)))
    (folder / "b-cut.jsonl.gz").write_bytes(whole[: len(whole) // 2])
    (folder / "c-binary.jsonl").write_bytes(bytes(range(256)) * 40)
    (folder / "d-not-gzip.jsonl.gz").write_bytes(b"this is no gzip stream\n")
    alias = f"test-unread-{uuid.uuid4().hex[:8]}"
    rejects = tmp_path / "rejects.jsonl"
    env = {**os.environ, "AKHBAR_INDEX_ALIAS": alias, "ELASTICSEARCH_URL": engine_url, "AKHBAR_INDEX_WORKERS": "0"}
    try:
        result = akhbar(["index", str(folder), str(tmp_path / "missing.jsonl"), "--rejects", str(rejects)], env)
        assert result.returncode == 1, result.stderr
        assert "Traceback" not in result.stderr
        assert "4 input file(s) could not be read" in result.stderr
        summary = json.loads(result.stdout.strip().splitlines()[-1])
        reasons = {(json.loads(line)["file"].rsplit("/", 1)[-1]): json.loads(line) for line in
                   rejects.read_text().splitlines()}
        assert "binary content" in reasons["c-binary.jsonl"]["reason"]
        assert "file not found" in reasons["missing.jsonl"]["reason"]
        assert "corrupt or truncated" in reasons["b-cut.jsonl.gz"]["reason"]
        assert "corrupt or truncated" in reasons["d-not-gzip.jsonl.gz"]["reason"]
        es.indices.refresh(index=alias)
        cut_landed = es.count(index=alias)["count"] - 44
        assert 0 < cut_landed < 400  # the records before the damage
        assert reasons["b-cut.jsonl.gz"]["position"] == f"line {cut_landed + 1}"
        assert summary["indexed"] == 44 + cut_landed and summary["unreadable"] == 4
    finally:
        drop_indices(es, alias)


def test_a_full_disk_is_one_line(tmp_path, engine_url, es):
    alias = f"test-full-{uuid.uuid4().hex[:8]}"
    data = tmp_path / "in.jsonl"
    data.write_text('{"title": "خبر عن الرياض", "body": "نص الخبر"}\n{"title": ""}\n', encoding="utf-8")
    env = {**os.environ, "AKHBAR_INDEX_ALIAS": alias, "ELASTICSEARCH_URL": engine_url, "AKHBAR_INDEX_WORKERS": "0"}
    try:
        result = akhbar(["index", str(data), "--rejects", "/dev/full"], env)
        assert result.returncode == 1
        assert result.stderr.strip().splitlines()[-1].startswith("akhbar: No space left on device")
        assert "Traceback" not in result.stderr
    finally:
        drop_indices(es, alias)


def test_an_engine_that_stays_away_is_one_line_and_exit_2(tmp_path):
    env = {**os.environ, "ELASTICSEARCH_URL": f"http://127.0.0.1:{free_port()}", "AKHBAR_ENGINE_WAIT": "2"}
    started = time.monotonic()
    result = akhbar(["index", str(SAMPLES), "--rejects", str(tmp_path / "r.jsonl")], env)
    assert result.returncode == 2
    # It retried, then gave up within the given seconds: it stops before a backoff (0.5 s, then ~1 s, with
    # jitter) would overrun them, so the wait may end well before 2 s; no fixed lower bound beyond the first one.
    assert "retrying for up to 2 s (AKHBAR_ENGINE_WAIT)" in result.stderr
    assert 0.5 <= time.monotonic() - started < 60
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("akhbar: stopped while reaching the engine") and "unreachable" in last
    assert "nothing was indexed" in last and "rerunning the same command is safe" in last
    assert "Traceback" not in result.stderr
    debug = akhbar(["--debug", "index", str(SAMPLES), "--rejects", str(tmp_path / "r.jsonl")], env)
    assert debug.returncode != 0 and "Traceback" in debug.stderr


def test_indexing_rides_out_a_kill_9_and_acknowledged_writes_survive(tmp_path):
    """One private engine, killed three times: (1) indexing waits for it and completes; (2) an engine that stays
    away stops the indexer with exit 2 and the articles it acknowledged are all there after a restart; (3) a
    reindex that fails leaves the alias on the old index."""
    engine = PrivateEngine(tmp_path / "engine")
    corpus, total = _corpus(tmp_path / "corpus.jsonl", 100)
    env = {**engine.env, "ELASTICSEARCH_URL": engine.url, "AKHBAR_INDEX_WORKERS": "0",
           "AKHBAR_BULK_CHUNK_BYTES": "150000", "AKHBAR_ENGINE_WAIT": "120"}
    engine.start()
    try:
        # (1) killed mid-run, back a few seconds later: the run completes, every article once.
        indexer = akhbar_background(["index", str(corpus), "--rejects", str(tmp_path / "r1.jsonl")],
                                    {**env, "AKHBAR_INDEX_ALIAS": "ride"})
        _wait_for_count(engine.url, "ride", 300, indexer)
        engine.kill()
        time.sleep(2)
        engine.start()
        out, err = indexer.communicate(timeout=300)
        assert indexer.returncode == 0, err
        assert "retrying for up to 120 s" in err and "the engine is back" in err
        assert json.loads(out.strip().splitlines()[-1])["indexed"] == total
        assert _count(engine.url, "ride") == total

        # (2) killed for good: exit 2, one line with the count; after a restart every acknowledged write is there.
        indexer = akhbar_background(["index", str(corpus), "--rejects", str(tmp_path / "r2.jsonl")],
                                    {**env, "AKHBAR_INDEX_ALIAS": "away", "AKHBAR_ENGINE_WAIT": "3"})
        _wait_for_count(engine.url, "away", 300, indexer)
        engine.kill()
        out, err = indexer.communicate(timeout=120)
        assert indexer.returncode == 2 and "Traceback" not in err
        last = err.strip().splitlines()[-1]
        assert last.startswith("akhbar: stopped while writing articles") and "rerunning" in last
        acknowledged = int(last.split(" article(s) were indexed")[0].rsplit(" ", 1)[-1])
        assert acknowledged >= 300
        engine.start()
        assert _count(engine.url, "away") >= acknowledged

        # (3) a reindex the engine walks out on: the alias stays on the old index, the partial one is named.
        old = list(requests.get(f"{engine.url}/_alias/ride", timeout=5).json())
        indexer = akhbar_background(["reindex", str(corpus), "--rejects", str(tmp_path / "r3.jsonl")],
                                    {**env, "AKHBAR_INDEX_ALIAS": "ride", "AKHBAR_ENGINE_WAIT": "3"})
        time.sleep(1)
        deadline = time.monotonic() + 120
        while not [n for n in requests.get(f"{engine.url}/_cat/indices/ride-v*?h=index", timeout=5).text.split()
                   if n not in old] and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1.5)
        engine.kill()
        out, err = indexer.communicate(timeout=120)
        assert indexer.returncode == 2 and "Traceback" not in err
        last = err.strip().splitlines()[-1]
        assert f"`ride` still points at {old[0]}" in last and "is left behind" in last
        engine.start()
        assert list(requests.get(f"{engine.url}/_alias/ride", timeout=5).json()) == old
        assert _count(engine.url, "ride") == total
    finally:
        engine.stop()


def test_a_timestamp_beyond_any_date_is_a_reject_not_the_end_of_the_run(es, test_settings, tmp_path):
    """Found by fuzzing the ingest API: a numeric published_at past what a date holds raised OverflowError."""
    from indexer.jobs import index_paths

    path = tmp_path / "dates.jsonl"
    path.write_text("\n".join(json.dumps(row, ensure_ascii=False) for row in [
        {"id": "far", "title": "خبر عن الرياض", "published_at": 1.9e32},
        {"id": "near", "title": "خبر عن جدة", "published_at": 1_700_000_000},
    ]) + "\n", encoding="utf-8")
    rejects = tmp_path / "rejects.jsonl"
    summary = index_paths(es, test_settings, [path], rejects_path=rejects, progress=False)
    assert summary.indexed == 1 and summary.rejected == 1
    assert "timestamp out of range" in json.loads(rejects.read_text())["reason"]
