"""Service processes for end-to-end tests, benchmarks and ``make run``: start, wait, kill.

``APIS``, ``RELAYS`` and ``WORKERS`` map each service to the module of that process, as its manifest
says (:mod:`ztc_tools.manifest`).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx

from ztc_shared.relay import RELAY_READY
from ztc_shared.workers import WORKER_READY
from ztc_tools.manifest import manifest, manifests

# Each service's process modules, from its manifest (services/<name>/service.toml).
APIS: dict[str, str] = {m.name: m.api.module for m in manifests()}
RELAYS: dict[str, str] = {m.name: m.relay.module for m in manifests() if m.relay is not None}
WORKERS: dict[str, str] = {m.name: m.worker.module for m in manifests() if m.worker is not None}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class ServiceProcess:
    """One process of one service (``python -m <module> [args]``) with its own log file."""

    def __init__(
        self,
        name: str,
        module: str,
        *,
        env: Mapping[str, str],
        log_dir: Path,
        args: Sequence[str] = (),
        port: int | None = None,
        ready_marker: str | None = None,
    ) -> None:
        self.name = name
        self.module = module
        self.args = list(args)
        self.env = {**os.environ, **env}
        self.port = port
        self.ready_marker = ready_marker
        self.log_path = log_dir / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None
        self._log_offset = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ServiceProcess:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log_offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", self.module, *self.args],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        return self

    def wait_ready(self, timeout: float = 60.0) -> ServiceProcess:
        """Until ``/readyz`` answers 200 (APIs) or the log shows ``ready_marker`` (workers)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited with {self.process.returncode}:\n{self.log_tail()}"
                )
            if self.port is not None:
                try:
                    if httpx.get(f"{self.url}/readyz", timeout=2.0).status_code == 200:
                        return self
                except httpx.HTTPError:
                    pass
            elif (
                self.ready_marker is not None and self.ready_marker in self.log_since_start()
            ) or (self.port is None and self.ready_marker is None):
                return self
            time.sleep(0.2)
        raise TimeoutError(f"{self.name} not ready after {timeout}s:\n{self.log_tail()}")

    def log_since_start(self) -> str:
        if not self.log_path.exists():
            return ""
        with self.log_path.open("rb") as handle:
            handle.seek(self._log_offset)
            return handle.read().decode("utf-8", errors="replace")

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_since_start().splitlines()[-lines:])

    def kill(self) -> None:
        """``kill -9``: no cleanup, no commit, nothing flushed."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self, timeout: float = 20.0) -> int | None:
        """SIGTERM, then SIGKILL if it does not stop in time; the exit code."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.process.returncode

    def wait_exit(self, timeout: float) -> int:
        assert self.process is not None
        return self.process.wait(timeout=timeout)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


def api_process(
    service: str,
    *,
    env: Mapping[str, str],
    log_dir: Path,
    name: str | None = None,
    port: int | None = None,
) -> ServiceProcess:
    """A service's API on a port of its own (a free one unless given), set through the variable
    its manifest names (``INTAKE_PORT``)."""
    m = manifest(service)
    port = port or free_port()
    return ServiceProcess(
        name or f"{service}-api",
        m.api.module,
        env={**env, m.api_port_variable: str(port)},
        log_dir=log_dir,
        port=port,
    )


def relay_process(
    service: str, *, env: Mapping[str, str], log_dir: Path, name: str | None = None
) -> ServiceProcess:
    """A service's outbox relay, ready when it logs that it started."""
    m = manifest(service)
    assert m.relay is not None, f"{service} has no relay"
    return ServiceProcess(
        name or f"{service}-relay",
        m.relay.module,
        env=env,
        log_dir=log_dir,
        ready_marker=RELAY_READY,
    )


def worker_process(
    service: str,
    *args: str,
    env: Mapping[str, str],
    log_dir: Path,
    name: str | None = None,
) -> ServiceProcess:
    """A service's worker (``args``: its command line, by default the manifest's first run) with
    its metrics on a free port, ready when it logs that it started."""
    m = manifest(service)
    assert m.worker is not None, f"{service} has no worker"
    return ServiceProcess(
        name or f"{service}-worker",
        m.worker.module,
        env={**env, m.metrics_port_variable: str(free_port())},
        log_dir=log_dir,
        args=args or m.worker_args(m.runs[0]),
        ready_marker=WORKER_READY,
    )


@contextmanager
def all_running(
    processes: Sequence[ServiceProcess], *, timeout: float = 90.0
) -> Iterator[Sequence[ServiceProcess]]:
    """Start every process (all at once, so they warm up together), wait until each is ready, and
    stop them all on the way out — also when one of them never became ready."""
    try:
        for process in processes:
            process.start()
        for process in processes:
            process.wait_ready(timeout=timeout)
        yield processes
    finally:
        for process in processes:
            process.stop()
