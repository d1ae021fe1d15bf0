"""``make run`` (``python -m ztc_tools.devserver``) as a developer sees it: the banner, the demo
data every service registers, and Ctrl-C stopping every process it started. Runs on the session's
stack with ports and data of its own."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx
import pytest

from intake.demo import DEMO_ACHIEVEMENTS, catalogue
from ztc_shared.auth import Role, mint_token
from ztc_shared.settings import ServiceSettings
from ztc_tools.devserver import BANNER_END, port_variables
from ztc_tools.manifest import manifests
from ztc_tools.stack import StackEndpoints

pytestmark = pytest.mark.integration

CATALOGUE_SIZE = 24  # a slice of make run's 300 (12 admitted or published: a roadshow's longlist)

BANNER_TIMEOUT_S = 150.0
# every process make run starts: each service's API, relay, one worker per projection, reaction or
# timer, and the mail sink a manifest asks for (notify's)
PROCESSES = sum(
    1 + (m.relay is not None) + len(m.runs) + (m.mail_sink is not None) for m in manifests()
)
EXIT_TIMEOUT_S = 30.0


@dataclass
class Output:
    """Collects a process's stdout on a thread, so the pipe never fills up."""

    lines: list[str] = field(default_factory=list)
    banner: threading.Event = field(default_factory=threading.Event)
    closed: threading.Event = field(default_factory=threading.Event)

    def follow(self, stream: IO[str]) -> None:
        for line in stream:
            self.lines.append(line.rstrip("\n"))
            if BANNER_END in line:
                self.banner.set()
        self.closed.set()

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def _children(pid: int) -> list[int]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return children


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def _start(env: dict[str, str], stderr: Path) -> tuple[subprocess.Popen[str], Output]:
    with stderr.open("w") as errors:
        process = subprocess.Popen(
            [sys.executable, "-m", "ztc_tools.devserver"],
            env={**os.environ, **env},
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
            encoding="utf-8",
        )
    assert process.stdout is not None
    output = Output()
    threading.Thread(target=output.follow, args=(process.stdout,), daemon=True).start()
    return process, output


PORT_VARIABLES = list(port_variables())


def _distinct_ports(count: int) -> list[str]:
    """Free ports, all different: each stays bound until all are chosen."""
    probes = []
    try:
        for _ in range(count):
            probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            probe.bind(("127.0.0.1", 0))
            probes.append(probe)
        return [str(probe.getsockname()[1]) for probe in probes]
    finally:
        for probe in probes:
            probe.close()


@pytest.fixture
def devserver_env(stack: StackEndpoints, tmp_path: Path) -> dict[str, str]:
    unique = f"dev{uuid.uuid4().hex[:10]}"
    return {
        "KAFKA_BOOTSTRAP_SERVERS": stack.kafka_bootstrap_servers,
        "MONGODB_URI": stack.mongodb_uri,
        "ZTC_TOPIC_PREFIX": f"{unique}.",
        "ZTC_DATABASE_PREFIX": f"{unique}_",
        "ZTC_STACK_DIR": str(tmp_path / "stack"),  # only its logs/ is used: the stack is given
        "KAFKA_PARTITIONS": "3",
        # a port of its own for every API and worker make run starts
        **dict(zip(PORT_VARIABLES, _distinct_ports(len(PORT_VARIABLES)), strict=True)),
        "ZTC_DEVSERVER_DEMO_CATALOGUE": str(CATALOGUE_SIZE),
    }


@pytest.fixture
def devserver(
    devserver_env: dict[str, str], tmp_path: Path
) -> Iterator[tuple[subprocess.Popen[str], Output, list[int]]]:
    process, output = _start(devserver_env, tmp_path / "devserver.stderr")
    children: list[int] = []
    try:
        yield process, output, children
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
        for pid in children:
            if _alive(pid):
                os.killpg(pid, signal.SIGKILL)


def test_make_run_loads_the_demo_library_and_ctrl_c_stops_everything(
    devserver: tuple[subprocess.Popen[str], Output, list[int]],
    devserver_env: dict[str, str],
    tmp_path: Path,
) -> None:
    process, output, children = devserver
    stderr = tmp_path / "devserver.stderr"
    if not output.banner.wait(BANNER_TIMEOUT_S):
        pytest.fail(
            f"no banner after {BANNER_TIMEOUT_S:g}s (exit {process.poll()}):\n{output.text}\n"
            f"--- stderr ---\n{stderr.read_text()}"
        )
    children += _children(process.pid)
    assert len(children) == PROCESSES, output.text

    intake = f"http://127.0.0.1:{devserver_env['INTAKE_PORT']}"
    screening = f"http://127.0.0.1:{devserver_env['SCREENING_PORT']}"
    metrics = f"http://127.0.0.1:{devserver_env['SCREENING_WORKER_METRICS_PORT']}/metrics"
    for url in (f"{intake}/docs", f"{screening}/docs", metrics):
        assert url in output.text
    assert "export ZTC_HOLDER_TOKEN=" in output.text
    assert "export ZTC_AGENCY_TOKEN=" in output.text

    token = mint_token(
        ServiceSettings(), subject="devserver-test", role=Role.SUPPORT_ORG, region="440000"
    )
    submitted = {item.title for item in DEMO_ACHIEVEMENTS if item.submit}
    drafts = {item.title for item in DEMO_ACHIEVEMENTS if not item.submit}
    generated = catalogue(CATALOGUE_SIZE)
    in_library = {"submitted", "under_evaluation", "admitted", "published"}
    shown = {i.title for i in generated if i.stage in in_library}
    assert submitted and drafts and shown
    # make run waited for its hand-written items; the catalogue's may still be on their way
    deadline = time.monotonic() + 20
    while True:
        page = httpx.get(
            f"{screening}/library",
            params={"page_size": 200},
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        assert page.status_code == 200, page.text
        titles = {item["title"] for item in page.json()["items"]}
        if titles == submitted | shown or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert titles == submitted | shown
    assert page.json()["total"] == len(submitted | shown)
    assert httpx.get(f"{metrics}", timeout=5).status_code == 200

    # the catalogue's published ones are in public disclosure, without a token
    published = {i.title for i in generated if i.stage == "published"}
    deadline = time.monotonic() + 20
    public: set[str] = set()
    while time.monotonic() < deadline and public != published:
        listing = httpx.get(f"{intake}/public/achievements", params={"page_size": 100}, timeout=10)
        assert listing.status_code == 200, listing.text
        public = {item["title"] for item in listing.json()["items"]}
        time.sleep(0.2)
    assert public == published
    assert "/public/achievements" in output.text

    assert "跟踪演示数据 tracking: 4 个跟踪案例" in output.text

    # the roadshow demo: the year's two roadshows in the calendar, the June one concluded
    roadshow = f"http://127.0.0.1:{devserver_env['ROADSHOW_PORT']}"
    assert f"{roadshow}/roadshows?year=2026" in output.text
    deadline = time.monotonic() + 20
    while True:
        calendar = httpx.get(f"{roadshow}/roadshows", params={"year": 2026}, timeout=10).json()
        statuses = sorted(item["status"] for item in calendar["items"])
        if statuses == ["concluded", "registration_open"] or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert statuses == ["concluded", "registration_open"]
    [concluded] = [i for i in calendar["items"] if i["status"] == "concluded"]
    assert len(concluded["pitches"]) == 10 and concluded["outcome"]["intents"] == 2

    # notify mails what happened to the demo's people; the mail sink prints it decoded
    logs = tmp_path / "stack" / "logs"
    sink = logs / "mail-sink.log"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and "company-1@demo.ztc.example.cn" not in (
        sink.read_text(encoding="utf-8") if sink.exists() else ""
    ):
        time.sleep(0.5)
    mails = sink.read_text(encoding="utf-8")
    assert "company-1@demo.ztc.example.cn" in mails
    assert "主题 Subject:" in mails

    assert {p.name for p in logs.glob("*.log")} >= {
        "intake-api.log",
        "screening-worker-library.log",
        "roadshow-worker-screening.log",
    }

    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=EXIT_TIMEOUT_S) == 0, output.text + stderr.read_text()
    deadline = time.monotonic() + 5
    while any(_alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [pid for pid in children if _alive(pid)] == []
    assert f"stopping {PROCESSES} service processes" in output.text
    assert "the stack keeps running" in output.text  # it was given, so it is not stopped


def test_a_taken_port_is_named_with_the_variable_that_moves_it(
    devserver_env: dict[str, str], tmp_path: Path
) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process, output = _start(
            {**devserver_env, "SCREENING_PORT": str(port)}, tmp_path / "devserver.stderr"
        )
        assert process.wait(timeout=30) == 1
    assert output.closed.wait(5)
    assert f"port {port}" in output.text
    assert "SCREENING_PORT=" in output.text


def test_ctrl_c_while_the_catalogue_loads_stops_at_once_and_cleanly(
    devserver_env: dict[str, str], tmp_path: Path
) -> None:
    stderr = tmp_path / "devserver.stderr"
    process, output = _start({**devserver_env, "ZTC_DEVSERVER_DEMO_CATALOGUE": "300"}, stderr)
    deadline = time.monotonic() + BANNER_TIMEOUT_S
    while "/300" not in output.text and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.1)
    assert "/300" in output.text, output.text + stderr.read_text()
    children = _children(process.pid)
    assert len(children) == PROCESSES

    process.send_signal(signal.SIGINT)
    started = time.monotonic()
    process.wait(timeout=EXIT_TIMEOUT_S)
    assert time.monotonic() - started < 15, output.text
    assert f"stopping {PROCESSES} service processes" in output.text
    assert "failed" not in output.text  # an interruption, not an error of the demo data
    deadline = time.monotonic() + 5
    while any(_alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [pid for pid in children if _alive(pid)] == []
