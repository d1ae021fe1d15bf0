"""The dev server restarts an API that hangs, as Kubernetes' liveness probe does, not only one
that exits."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from ztc_tools import devserver
from ztc_tools.devserver import DevServer, Supervised
from ztc_tools.testing.processes import ServiceProcess, free_port


def _api(tmp_path: Path, module: str, *args: str) -> Supervised:
    port = free_port()
    process = ServiceProcess(
        "probe-api", module, env={}, log_dir=tmp_path, args=[*args, str(port)], port=port
    )
    supervised = Supervised(label="probe api", service="probe", kind="api", process=process)
    supervised.start()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            import httpx

            httpx.get(process.url, timeout=1.0)
            break
        except httpx.HTTPError:
            time.sleep(0.1)
    return supervised


def test_an_api_whose_health_check_fails_three_times_is_stopped_and_then_restarted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(devserver, "LIVENESS_PERIOD_S", 0.0)
    # a server with no /healthz (404) stands for an API that says it hangs
    supervised = _api(tmp_path, "http.server", "--bind", "127.0.0.1")
    server = DevServer.__new__(DevServer)
    try:
        for _ in range(devserver.LIVENESS_FAILURES - 1):
            server._look_after(supervised)
            assert supervised.process.running
        server._look_after(supervised)  # the third failure in a row
        assert not supervised.process.running
        server._look_after(supervised)  # noticed as exited: a restart is scheduled
        assert supervised.restart_at is not None
    finally:
        supervised.process.kill()


HEALTHY = """
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Healthy(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b'{"status": "ok"}')

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", int(sys.argv[-1])), Healthy).serve_forever()
"""


def test_a_healthy_api_is_left_alone_and_a_worker_is_never_probed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(devserver, "LIVENESS_PERIOD_S", 0.0)
    (tmp_path / "healthy_api.py").write_text(HEALTHY)
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    supervised = _api(tmp_path, "healthy_api")
    server = DevServer.__new__(DevServer)
    try:
        for _ in range(devserver.LIVENESS_FAILURES + 2):
            server._look_after(supervised)
        assert supervised.process.running and supervised.liveness_failures == 0
    finally:
        supervised.process.kill()
    worker = Supervised(
        label="w",
        service="probe",
        kind="worker",
        process=ServiceProcess("w", "x", env={}, log_dir=tmp_path),
    )
    assert worker.hung(time.monotonic()) is False  # no /healthz: only its exit counts
