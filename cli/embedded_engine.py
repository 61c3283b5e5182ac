"""Start, find and stop the embedded Elasticsearch node (engine/), for machines without Docker.

The node runs as a background JVM; its pid, port and log live under AKHBAR_ENGINE_HOME so that `status` and
`stop` find it again from another shell, and `stop` only ever signals the process it started.
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
from dataclasses import dataclass
from pathlib import Path

from core.settings import PROJECT_ROOT, Settings

ENGINE_DIR = PROJECT_ROOT / "engine"
MAIN_CLASS = "org.akhbar.engine.EngineMain"
CLUSTER_NAME = "akhbar-local"


class EngineError(RuntimeError):
    """A problem the user can act on; the message says what to do."""


@dataclass(frozen=True)
class EngineState:
    pid: int
    port: int
    nodes: int
    data: str

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


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
        """The engine this project started, if its process is still alive."""
        try:
            state = EngineState(**json.loads(self.state_file.read_text()))
        except (OSError, ValueError, TypeError):
            return None
        if not _is_our_process(state.pid):
            self.state_file.unlink(missing_ok=True)  # stale: the process is gone or the pid was reused
            return None
        return state

    def health(self, url: str) -> dict | None:
        try:
            with urllib.request.urlopen(f"{url}/_cluster/health", timeout=2) as response:
                return json.loads(response.read())
        except (OSError, ValueError, urllib.error.URLError):
            return None

    # -- commands ------------------------------------------------------------------------------------------
    def start(self, *, port: int, data: Path | None = None, nodes: int = 1) -> tuple[EngineState, bool]:
        """Start the node and wait for a yellow cluster. Returns (state, started_now)."""
        running = self.state()
        if running is not None:
            return running, False
        if _port_in_use(port):
            raise EngineError(
                f"port {port} is already in use by another program. Stop it, choose another port "
                f"(--port or AKHBAR_ENGINE_PORT), or point ELASTICSEARCH_URL at it if it is an Elasticsearch."
            )
        classpath = self.classpath()
        data_dir = (data or self.home / "data").resolve()
        data_dir.mkdir(parents=True, exist_ok=True)
        self.home.mkdir(parents=True, exist_ok=True)
        heap = self.settings.engine_heap
        command = [
            "java", f"-Xms{heap}", f"-Xmx{heap}", "-XX:+UseG1GC", "-Djava.awt.headless=true",
            "-Dfile.encoding=UTF-8", "-Dlog4j2.disable.jmx=true", "-cp", classpath, MAIN_CLASS,
            "-basePath", str(data_dir), "-numOfNode", str(nodes), "-baseHttpPort", str(port),
            "-clusterName", CLUSTER_NAME,
        ]
        with open(self.log_file, "ab") as log:
            process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
            )
        state = EngineState(pid=process.pid, port=port, nodes=nodes, data=str(data_dir))
        self.state_file.write_text(json.dumps(state.__dict__))
        deadline = time.monotonic() + self.settings.engine_start_timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                self.state_file.unlink(missing_ok=True)
                raise EngineError(f"the engine exited with code {process.returncode}.\n{self.log_tail()}")
            health = self.health(state.url)
            if health and health.get("status") in ("yellow", "green") and health.get("number_of_nodes") == nodes:
                return state, True
            time.sleep(0.5)
        self.stop()
        raise EngineError(
            f"the engine did not reach yellow within {self.settings.engine_start_timeout:.0f}s "
            f"(AKHBAR_ENGINE_START_TIMEOUT).\n{self.log_tail()}"
        )

    def stop(self, timeout: float = 30.0) -> EngineState | None:
        state = self.state()
        if state is None:
            return None
        os.killpg(state.pid, signal.SIGTERM)  # the JVM's shutdown hook closes the nodes cleanly
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and _is_our_process(state.pid):
            time.sleep(0.2)
        if _is_our_process(state.pid):
            os.killpg(state.pid, signal.SIGKILL)
            while _is_our_process(state.pid):
                time.sleep(0.1)
        self.state_file.unlink(missing_ok=True)
        return state

    def log_tail(self, lines: int = 25) -> str:
        try:
            text = self.log_file.read_text(errors="replace").splitlines()
        except OSError:
            return "(no engine log)"
        return f"last lines of {self.log_file}:\n" + "\n".join(text[-lines:])


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
