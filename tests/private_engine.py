"""Engines a test may kill: each on its own ports and home, started and stopped through the `akhbar` CLI, never
the session's shared engine."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_engine_ports(nodes: int = 1) -> int:
    """A base HTTP port P with P … P+nodes-1 and their transport ports P+100 … free."""
    while True:
        base = free_port()
        if base + 100 + nodes < 65535 and all(_free(base + i) and _free(base + 100 + i) for i in range(nodes)):
            return base


def akhbar(args, env, *, timeout=300, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cli", *args], env=env, capture_output=True, text=True,
                          timeout=timeout, **kwargs)


def akhbar_background(args, env) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "cli", *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


class PrivateEngine:
    def __init__(self, home: Path, *, nodes: int = 1, heap: str = "384m"):
        self.home, self.nodes = home, nodes
        self.port = free_engine_ports(nodes)
        self.env = {**os.environ, "AKHBAR_ENGINE_HOME": str(home), "AKHBAR_ENGINE_PORT": str(self.port),
                    "AKHBAR_ENGINE_HEAP": heap}
        self.env.pop("ELASTICSEARCH_URL", None)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def urls(self) -> str:
        return ",".join(f"http://127.0.0.1:{self.port + i}" for i in range(self.nodes))

    def start(self) -> None:
        result = akhbar(["engine", "start", "--nodes", str(self.nodes)], self.env)
        assert result.returncode == 0, result.stderr + result.stdout

    def status(self) -> dict:
        result = akhbar(["engine", "status", "--json"], self.env)
        return json.loads(result.stdout)

    def pids(self) -> list[int]:
        state = json.loads((self.home / "engine.pid").read_text())
        nodes = state.get("nodes")
        return [node["pid"] for node in nodes] if isinstance(nodes, list) else [state["pid"]]

    def kill(self, pid: int | None = None) -> None:
        """kill -9: no shutdown hook, no flush; what was acknowledged must be on disk already."""
        for victim in [pid] if pid else self.pids():
            try:
                os.kill(victim, signal.SIGKILL)
            except ProcessLookupError:
                continue
            while Path(f"/proc/{victim}").exists() and "Z" not in _state(victim):
                time.sleep(0.05)

    def stop(self) -> None:
        akhbar(["engine", "stop"], self.env)


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[-1][:1]
    except OSError:
        return "Z"
