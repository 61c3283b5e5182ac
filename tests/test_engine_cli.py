"""`akhbar engine start|status|stop` on a second, private node (its own port and home)."""
import os
import socket
import subprocess
import sys

import pytest

pytestmark = pytest.mark.engine


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _akhbar(args, env):
    return subprocess.run([sys.executable, "-m", "cli", *args], env=env, capture_output=True, text=True,
                          timeout=300)


def _engine_processes(home):
    out = subprocess.run(["pgrep", "-f", f"EngineMain -basePath {home}"], capture_output=True, text=True)
    return out.stdout.split()


def test_start_status_stop_a_private_node(tmp_path, engine_url):
    port = _free_port()
    env = {**os.environ, "AKHBAR_ENGINE_HOME": str(tmp_path), "AKHBAR_ENGINE_PORT": str(port),
           "AKHBAR_ENGINE_HEAP": "384m"}
    env.pop("ELASTICSEARCH_URL", None)

    assert _akhbar(["engine", "status"], env).returncode == 1
    started = _akhbar(["engine", "start"], env)
    assert started.returncode == 0, started.stderr
    assert f"started: http://127.0.0.1:{port}" in started.stdout
    try:
        again = _akhbar(["engine", "start"], env)
        assert "already running" in again.stdout
        status = _akhbar(["engine", "status"], env)
        assert status.returncode == 0 and ("green" in status.stdout or "yellow" in status.stdout)
        assert len(_engine_processes(tmp_path / "data")) == 1
    finally:
        stopped = _akhbar(["engine", "stop"], env)
    assert "stopped pid" in stopped.stdout
    assert _engine_processes(tmp_path / "data") == []
    assert _akhbar(["engine", "status"], env).returncode == 1


def test_port_taken_is_a_clear_error(tmp_path, engine_url):
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        env = {**os.environ, "AKHBAR_ENGINE_HOME": str(tmp_path), "AKHBAR_ENGINE_PORT": str(port)}
        env.pop("ELASTICSEARCH_URL", None)
        result = _akhbar(["engine", "start"], env)
    assert result.returncode == 1
    assert f"port {port} is already in use" in result.stderr


def test_external_cluster_starts_nothing(tmp_path):
    env = {**os.environ, "AKHBAR_ENGINE_HOME": str(tmp_path), "ELASTICSEARCH_URL": "http://127.0.0.1:1"}
    result = _akhbar(["engine", "start"], env)
    assert result.returncode == 0
    assert "nothing started" in result.stdout
    assert not (tmp_path / "engine.pid").exists()


def test_missing_java_or_maven_is_explained(tmp_path):
    env = {**os.environ, "AKHBAR_ENGINE_HOME": str(tmp_path), "AKHBAR_ENGINE_PORT": str(_free_port()),
           "PATH": os.path.dirname(sys.executable)}  # python only: no java, no mvn
    env.pop("ELASTICSEARCH_URL", None)
    result = _akhbar(["engine", "start"], env)
    assert result.returncode == 1
    assert "is not on PATH" in result.stderr and "ELASTICSEARCH_URL" in result.stderr


def test_index_command_prints_a_summary_and_writes_rejects(tmp_path, engine_url, es):
    import json
    import uuid

    alias = f"test-cli-{uuid.uuid4().hex[:8]}"
    data = tmp_path / "in.jsonl"
    data.write_text('{"title": "خبر عن الرياض", "body": "نص الخبر"}\n{"title": ""}\n', encoding="utf-8")
    rejects = tmp_path / "rejects.jsonl"
    env = {**os.environ, "AKHBAR_INDEX_ALIAS": alias, "ELASTICSEARCH_URL": engine_url}
    result = _akhbar(["index", str(data), "--rejects", str(rejects)], env)
    try:
        assert result.returncode == 0, result.stderr
        summary = json.loads(result.stdout.strip().splitlines()[-1])
        assert summary["indexed"] == 1 and summary["rejected"] == 1 and summary["docs_per_s"] > 0
        assert json.loads(rejects.read_text())["position"] == "line 2"
        assert "1 record(s) rejected" in result.stderr
    finally:
        from tests.conftest import drop_indices

        drop_indices(es, alias)
