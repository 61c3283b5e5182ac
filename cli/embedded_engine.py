"""Start, find and stop the embedded Elasticsearch cluster (engine/), for machines without Docker.

Each node runs as a background JVM of its own (so one can fail, or be restarted, alone); their pids, ports and
logs live under AKHBAR_ENGINE_HOME so that `status` and `stop` find them again from another shell, and `stop`
only ever signals the processes it started.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, replace
from pathlib import Path

from core.settings import PROJECT_ROOT, Settings

ENGINE_DIR = PROJECT_ROOT / "engine"
MAIN_CLASS = "org.akhbar.engine.EngineMain"
CLUSTER_NAME = "akhbar-local"


class EngineError(RuntimeError):
    """A problem the user can act on; the message says what to do."""


@dataclass(frozen=True)
class NodeState:
    name: str
    pid: int
    http_port: int


@dataclass(frozen=True)
class EngineState:
    port: int  # HTTP port of node-1; node i answers on port + i - 1
    size: int  # nodes the cluster was started with
    data: str
    nodes: tuple[NodeState, ...]  # the living ones

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def urls(self) -> str:
        """Every node's URL, comma-separated: what ELASTICSEARCH_URL takes for a multi-node cluster."""
        return ",".join(f"http://127.0.0.1:{self.port + i}" for i in range(self.size))

    @property
    def pid(self) -> int:
        return self.nodes[0].pid

    def as_json(self) -> dict:
        return {"port": self.port, "size": self.size, "data": self.data,
                "nodes": [node.__dict__ for node in self.nodes]}

    @classmethod
    def from_json(cls, raw: dict) -> "EngineState":
        if isinstance(raw.get("nodes"), int):  # written before nodes had processes of their own: one JVM
            size = raw["nodes"]
            nodes = [NodeState(f"node-{i + 1}", raw["pid"], raw["port"] + i) for i in range(size)]
            return cls(raw["port"], size, raw["data"], tuple(nodes))
        return cls(raw["port"], raw["size"], raw["data"], tuple(NodeState(**node) for node in raw["nodes"]))


class EmbeddedEngine:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.home = settings.engine_home
        self.state_file = self.home / "engine.pid"
        self.log_file = self.home / "engine.log"

    # -- build ---------------------------------------------------------------------------------------------
    def classpath(self) -> str:
        """Resolve the engine's jars through Maven once (cached in ~/.m2) and compile its few classes."""
        for tool in ("java", "mvn"):
            if shutil.which(tool) is None:
                raise EngineError(
                    f"`{tool}` is not on PATH. The embedded engine needs Java 17+ and Maven "
                    "(Debian: apt-get install openjdk-17-jdk-headless maven), or set ELASTICSEARCH_URL "
                    "to use an existing cluster."
                )
        target = ENGINE_DIR / "target"
        jar = target / "akhbar-engine-1.0.0.jar"
        cp_file = target / "classpath.txt"
        sources = [ENGINE_DIR / "pom.xml", *sorted((ENGINE_DIR / "src").rglob("*.java"))]
        newest_source = max(p.stat().st_mtime for p in sources)
        if not (jar.exists() and cp_file.exists()) or jar.stat().st_mtime < newest_source:
            result = subprocess.run(
                ["mvn", "-q", "-B", "-f", str(ENGINE_DIR / "pom.xml"), "package", "-DskipTests",
                 "dependency:build-classpath", f"-Dmdep.outputFile={cp_file}"],
                capture_output=True, text=True,
            )
            if result.returncode != 0:
                tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-20:])
                raise EngineError(f"Maven could not build the engine (engine/pom.xml):\n{tail}")
        return f"{jar}{os.pathsep}{cp_file.read_text().strip()}"

    # -- state ---------------------------------------------------------------------------------------------
    def state(self) -> EngineState | None:
        """The engine this project started, with its nodes whose processes are still alive (None if none is)."""
        try:
            state = EngineState.from_json(json.loads(self.state_file.read_text()))
        except (OSError, ValueError, TypeError, KeyError):
            return None
        living = tuple(node for node in state.nodes if _is_our_process(node.pid))
        if not living:
            self.state_file.unlink(missing_ok=True)  # stale: the processes are gone or the pids were reused
            return None
        return replace(state, nodes=living)

    def node_log(self, index: int) -> Path:
        return self.log_file if index == 1 else self.home / f"engine-node-{index}.log"

    def health(self, url: str) -> dict | None:
        try:
            with urllib.request.urlopen(f"{url}/_cluster/health", timeout=2) as response:
                return json.loads(response.read())
        except (OSError, ValueError, urllib.error.URLError):
            return None

    def _voting_settled(self, url: str, size: int) -> bool:
        """Whether the cluster's committed voting configuration holds all the master-eligible nodes it will use
        (an odd number: Elasticsearch leaves one out of an even count). Until it does, a cluster bootstrapped on
        its first two nodes loses its master with either of them, though all nodes have joined."""
        if size == 1:
            return True
        path = "/_cluster/state/metadata?filter_path=metadata.cluster_coordination.last_committed_config"
        try:
            with urllib.request.urlopen(url + path, timeout=2) as response:
                voters = json.loads(response.read())["metadata"]["cluster_coordination"]["last_committed_config"]
        except (OSError, ValueError, KeyError, urllib.error.URLError):
            return False
        return len(voters) >= (size if size % 2 else size - 1)

    # -- commands ------------------------------------------------------------------------------------------
    def start(self, *, port: int, data: Path | None = None, nodes: int = 1) -> tuple[EngineState, bool]:
        """Start the cluster, each node its own JVM, and wait for it to be at least yellow with all its nodes.
        A cluster of ours already running is returned as it is, after restarting any of its nodes that died.
        Returns (state, started_now)."""
        running = self.state()
        if running is not None:
            if len(running.nodes) >= running.size:
                return running, False
            return self._launch(running, [i for i in range(1, running.size + 1)
                                          if f"node-{i}" not in {n.name for n in running.nodes}]), True
        taken = [p for i in range(nodes) for p in (port + i, port + 100 + i) if _port_in_use(p)]
        if taken:
            raise EngineError(
                f"port {taken[0]} is already in use by another program. Stop it, choose another port "
                f"(--port or AKHBAR_ENGINE_PORT), or point ELASTICSEARCH_URL at it if it is an Elasticsearch."
            )
        data_dir = (data or self.home / "data").resolve()
        fresh = EngineState(port=port, size=nodes, data=str(data_dir), nodes=())
        return self._launch(fresh, list(range(1, nodes + 1))), True

    def _launch(self, state: EngineState, indices: list[int]) -> EngineState:
        classpath = self.classpath()
        Path(state.data).mkdir(parents=True, exist_ok=True)
        self.home.mkdir(parents=True, exist_ok=True)
        heap = self.settings.engine_heap
        processes = {}
        for index in indices:
            command = [
                "java", f"-Xms{heap}", f"-Xmx{heap}", "-XX:+UseG1GC", "-Djava.awt.headless=true",
                "-Dfile.encoding=UTF-8", "-Dlog4j2.disable.jmx=true", "-cp", classpath, MAIN_CLASS,
                "-basePath", state.data, "-numOfNode", str(state.size), "-baseHttpPort", str(state.port),
                "-clusterName", CLUSTER_NAME, "-node", str(index),
            ]
            with open(self.node_log(index), "ab") as log:
                processes[index] = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                                    stdin=subprocess.DEVNULL, start_new_session=True)
        started = tuple(NodeState(f"node-{i}", processes[i].pid, state.port + i - 1) for i in indices)
        state = replace(state, nodes=tuple(sorted(state.nodes + started, key=lambda n: n.http_port)))
        self.state_file.write_text(json.dumps(state.as_json()))
        deadline = time.monotonic() + self.settings.engine_start_timeout
        while time.monotonic() < deadline:
            for index, process in processes.items():
                if process.poll() is not None:
                    self.stop()
                    raise EngineError(f"node-{index} exited with code {process.returncode}.\n"
                                      f"{self.log_tail(index=index)}")
            url = f"http://127.0.0.1:{started[0].http_port}"
            health = self.health(url)
            if health and health.get("status") in ("yellow", "green") and \
                    health.get("number_of_nodes") == state.size and self._voting_settled(url, state.size):
                return state
            time.sleep(0.5)
        self.stop()
        raise EngineError(
            f"the engine did not reach yellow with {state.size} node(s) within "
            f"{self.settings.engine_start_timeout:.0f}s (AKHBAR_ENGINE_START_TIMEOUT).\n{self.log_tail()}"
        )

    def stop(self, timeout: float = 30.0) -> EngineState | None:
        """Stop every living node of ours: SIGTERM (the JVM's shutdown hook closes the node), then SIGKILL."""
        state = self.state()
        if state is None:
            return None
        pids = sorted({node.pid for node in state.nodes})
        for pid in pids:
            os.killpg(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and any(_is_our_process(pid) for pid in pids):
            time.sleep(0.2)
        for pid in pids:
            if _is_our_process(pid):
                os.killpg(pid, signal.SIGKILL)
                while _is_our_process(pid):
                    time.sleep(0.1)
        self.state_file.unlink(missing_ok=True)
        return state

    def log_tail(self, lines: int = 25, *, index: int = 1) -> str:
        log = self.node_log(index)
        try:
            text = log.read_text(errors="replace").splitlines()
        except OSError:
            return "(no engine log)"
        return f"last lines of {log}:\n" + "\n".join(text[-lines:])


def _is_our_process(pid: int) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    # A zombie has exited; a reused pid runs something else.
    return MAIN_CLASS.encode() in cmdline and stat.split(") ")[-1][:1] != "Z"


def _port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0
