"""A service whose store hangs says so: not ready at once, not alive after a while, the waiting
request logged with what it waits on, and a stop that does not wait for the store.

The hang is real: the API talks to the stack's MongoDB-wire server through a TCP relay that the
test freezes, so connections stay open and nothing comes back — what a wedged database looks like
from the client's side.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest

from tests.e2e.conftest import bearer, prefixed_env
from ztc_shared.auth import Role
from ztc_tools.stack import StackEndpoints
from ztc_tools.testing.processes import APIS, ServiceProcess, free_port

pytestmark = pytest.mark.integration


class FreezableRelay:
    """Forwards TCP connections to ``target`` until frozen; frozen, it keeps them open and silent."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self.frozen = threading.Event()
        self._stop = threading.Event()
        self._server = socket.create_server(("127.0.0.1", self.port))
        self._server.settimeout(0.2)
        self._threads: list[threading.Thread] = []
        self._sockets: list[socket.socket] = []

    def __enter__(self) -> FreezableRelay:
        self._spawn(self._accept)
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._server.close()
        for sock in self._sockets:
            with contextlib.suppress(OSError):
                sock.close()

    def _spawn(self, target: object, *args: object) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)  # type: ignore[arg-type]
        thread.start()
        self._threads.append(thread)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self._sockets += [client, upstream]
            self._spawn(self._pump, client, upstream)
            self._spawn(self._pump, upstream, client)

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        source.settimeout(0.2)
        while not self._stop.is_set():
            if self.frozen.is_set():
                time.sleep(0.05)
                continue
            try:
                data = source.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                return
            if not data:
                return
            while self.frozen.is_set() and not self._stop.is_set():
                time.sleep(0.05)  # what arrived as the freeze began is held, not delivered
            try:
                sink.sendall(data)
            except OSError:
                return


def _log_events(path: Path, name: str) -> list[dict[str, object]]:
    events = []
    for line in path.read_text(errors="replace").splitlines():
        with contextlib.suppress(ValueError):
            entry = json.loads(line)
            if isinstance(entry, dict) and entry.get("event") == name:
                events.append(entry)
    return events


async def test_a_hung_store_is_reported_not_waited_for(
    stack: StackEndpoints, service_env: dict[str, str], run_id: str, log_dir: Path
) -> None:
    target = urlparse(stack.mongodb_uri)
    with FreezableRelay((target.hostname or "127.0.0.1", target.port or 27017)) as relay:
        env = prefixed_env(service_env, f"{run_id}-hung")
        port = free_port()
        env.update(
            INTAKE_PORT=str(port),
            MONGODB_URI=f"mongodb://127.0.0.1:{relay.port}/?directConnection=true",
            READINESS_TIMEOUT_S="1",
            LIVENESS_HANG_S="4",
            SLOW_REQUEST_S="2",
            SHUTDOWN_GRACE_S="2",
        )
        api = ServiceProcess("hung-intake-api", APIS["intake"], env=env, log_dir=log_dir, port=port)
        api.start()
        try:
            api.wait_ready(timeout=90)
            headers = bearer(Role.HOLDER, "holder-hung")
            async with httpx.AsyncClient(base_url=api.url, timeout=60.0) as client:
                assert (await client.get("/achievements", headers=headers)).status_code == 200
                relay.frozen.set()
                waiting = asyncio.create_task(
                    client.get(
                        "/achievements",
                        headers={**headers, "X-Correlation-ID": "waits-on-a-hung-store"},
                    )
                )

                asked = time.monotonic()
                ready = await client.get("/readyz")
                assert ready.status_code == 503, ready.text
                assert ready.json()["checks"]["mongodb"] == "failed: TimeoutError"
                assert time.monotonic() - asked < 5, "readiness waited on the hung store"

                # Alive until the hang has lasted LIVENESS_HANG_S, then 503: restart this process.
                deadline = time.monotonic() + 20
                live = await client.get("/healthz")
                while live.status_code == 200 and time.monotonic() < deadline:
                    await asyncio.sleep(0.5)
                    live = await client.get("/healthz")
                assert live.status_code == 503, live.text
                assert live.json()["hung_for_s"]["mongodb"] >= 4

                slow = _log_events(api.log_path, "request.slow")
                assert slow, api.log_tail()
                report = next(e for e in slow if e["correlation_id"] == "waits-on-a-hung-store")
                assert report["path"] == "/achievements"
                waits = report["waiting_on"]
                assert isinstance(waits, list) and waits, report
                assert {"mongodb", "database", "waiting_s"} <= set(waits[0])
                assert waits[0]["database"] == f"{env['ZTC_DATABASE_PREFIX']}ztc_intake"
                assert not waiting.done()

                # A stop does not wait for the store: out well before anyone sends SIGKILL.
                assert api.process is not None
                stopping = time.monotonic()
                os.killpg(api.process.pid, signal.SIGTERM)
                code = await asyncio.to_thread(api.process.wait, 20)
                assert time.monotonic() - stopping < 15, "the stop hung on the store"
                assert code is not None
                with contextlib.suppress(httpx.HTTPError):
                    await asyncio.wait_for(waiting, 5)
        finally:
            relay.frozen.clear()
            api.stop()
