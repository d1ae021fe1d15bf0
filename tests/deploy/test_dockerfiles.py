"""services/<service>/Dockerfile, read (no Docker engine here to build them), and the healthcheck.

The images are not built on the development machines or in CI; these tests hold the Dockerfiles to
what can be checked without building: a non-root user, a HEALTHCHECK, the process and ports the
service's settings expect, sources that exist and that .dockerignore lets into the context.
"""

from __future__ import annotations

import fnmatch
import importlib.util
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from types import ModuleType

import dockerfile
import pytest

from tests.deploy.manifests import REPO
from tests.deploy.test_k8s_manifests import settings_class
from ztc_tools.testing.processes import APIS


def parse(path: Path) -> list[list[dockerfile.Command]]:
    """The Dockerfile's instructions per stage, as BuildKit's own parser reads them."""
    stages: list[list[dockerfile.Command]] = []
    for command in dockerfile.parse_file(str(path)):
        if command.cmd == "FROM":
            stages.append([])
        if not stages:
            # Only ARGs (global build arguments, such as the base image) may precede FROM.
            assert command.cmd == "ARG", f"{path}: {command.cmd} before FROM"
            continue
        stages[-1].append(command)
    return stages


def env_of(stage: list[dockerfile.Command]) -> dict[str, str]:
    env: dict[str, str] = {}
    for c in stage:
        if c.cmd == "ENV":
            pairs = c.value
            env.update(zip(pairs[0::2], pairs[1::2], strict=True))
    return env


def instructions(stage: list[dockerfile.Command], cmd: str) -> list[dockerfile.Command]:
    return [c for c in stage if c.cmd == cmd]


SERVICES = tuple(APIS)


@pytest.fixture(params=SERVICES)
def service(request: pytest.FixtureRequest) -> str:
    value: str = request.param
    return value


def test_each_service_has_a_dockerfile_whose_image_runs_as_a_user(service: str) -> None:
    stages = parse(REPO / "services" / service / "Dockerfile")
    final = stages[-1]
    users = [c.value[0] for c in instructions(final, "USER")]
    assert users, "no USER in the final stage"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0")
    assert user.isdigit() and int(user) >= 10000  # numeric, so runAsNonRoot can check it
    assert len(stages) >= 2, "a build stage keeps pip and the sources out of the image"
    assert final[0].value[0] == "${PYTHON_IMAGE}"


def test_each_image_has_a_healthcheck_and_starts_the_api(service: str) -> None:
    final = parse(REPO / "services" / service / "Dockerfile")[-1]
    healthchecks = instructions(final, "HEALTHCHECK")
    assert len(healthchecks) == 1
    assert healthchecks[0].value == ("CMD", "python", "/opt/ztc/healthcheck.py")
    assert any(flag.startswith("--interval=") for flag in healthchecks[0].flags)
    (cmd,) = instructions(final, "CMD")
    assert cmd.json and list(cmd.value) == ["python", "-m", APIS[service]]
    assert importlib.util.find_spec(APIS[service]) is not None


def test_each_image_sets_the_ports_its_settings_read(service: str) -> None:
    final = parse(REPO / "services" / service / "Dockerfile")[-1]
    env = env_of(final)
    cls = settings_class(service)
    fields = cls.model_fields
    api_alias = fields["port"].validation_alias
    metrics_alias = fields["worker_metrics_port"].validation_alias
    assert api_alias == f"{service.upper()}_PORT"
    assert env[str(api_alias)] == str(fields["port"].default)
    assert env["ZTC_SERVICE"] == service and env["ZTC_PROCESS"] == "api"
    assert env["HOST"] == "0.0.0.0"
    exposed = {p for c in instructions(final, "EXPOSE") for p in c.value}
    assert str(fields["port"].default) in exposed
    if metrics_alias is not None:
        assert env[str(metrics_alias)] in exposed


def dockerignore_admits(path: str) -> bool:
    """Whether the root .dockerignore lets `path` into the build context (last match wins)."""
    admitted = True
    for raw in (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        pattern = line.lstrip("!").rstrip("/")
        if (
            pattern == "**"
            or fnmatch.fnmatch(path, pattern)
            or path.startswith(pattern + "/")
            or fnmatch.fnmatch(path, pattern + "/*")
        ):
            admitted = negate
    return admitted


def hadolint(*paths: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            str(Path(sys.executable).parent / "hadolint"),
            "--failure-threshold",
            "warning",
            "--no-color",
            *map(str, paths),
        ],
        capture_output=True,
        text=True,
    )


def test_hadolint_finds_nothing_to_warn_about() -> None:
    result = hadolint(*(REPO / "services" / s / "Dockerfile" for s in SERVICES))
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_does_warn_about_a_root_image(tmp_path: Path) -> None:
    text = (REPO / "services" / "intake" / "Dockerfile").read_text(encoding="utf-8")
    broken = tmp_path / "Dockerfile"
    broken.write_text(text.replace("USER 10001:10001", "USER root"), encoding="utf-8")
    result = hadolint(broken)
    assert result.returncode != 0
    assert "DL3002" in result.stdout  # the last USER should not be root


def test_what_each_image_copies_exists_and_is_in_the_context(service: str) -> None:
    copies = [
        c.value
        for stage in parse(REPO / "services" / service / "Dockerfile")
        for c in instructions(stage, "COPY")
        if not any(flag.startswith("--from=") for flag in c.flags)
    ]
    assert copies
    for parts in copies:
        for source in parts[:-1]:
            assert (REPO / source).exists(), source
            probe = source.rstrip("/") + ("/pyproject.toml" if source.endswith("/") else "")
            assert dockerignore_admits(probe), source
    assert not dockerignore_admits(f"services/{service}/tests/unit/test_x.py")
    assert not dockerignore_admits(".venv/bin/python")


# --- the healthcheck ---------------------------------------------------------------------------------


def healthcheck() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "ztc_healthcheck", REPO / "deploy" / "docker" / "healthcheck.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200 if self.path in ("/healthz", "/metrics") else 404)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        return None


@pytest.fixture
def server() -> Iterator[int]:
    httpd = HTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd.server_address[1]
    finally:
        httpd.shutdown()
        httpd.server_close()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_the_healthcheck_asks_the_process_the_container_runs(
    server: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    check = healthcheck()
    for key in ("ZTC_PROCESS", "WORKER_METRICS_PORT"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("ZTC_SERVICE", "intake")

    monkeypatch.setenv("INTAKE_PORT", str(server))
    assert check.target({"ZTC_SERVICE": "intake", "INTAKE_PORT": "8001"}) == (
        "http://127.0.0.1:8001/healthz"
    )
    assert check.main() == 0  # ZTC_PROCESS defaults to api
    monkeypatch.setenv("INTAKE_PORT", str(closed_port()))
    assert check.main() == 1

    monkeypatch.setenv("ZTC_PROCESS", "worker")
    monkeypatch.setenv("INTAKE_WORKER_METRICS_PORT", str(server))
    assert check.target(dict(ZTC_SERVICE="intake", ZTC_PROCESS="worker")) == (
        "http://127.0.0.1:9100/metrics"
    )
    assert check.main() == 0
    monkeypatch.setenv("INTAKE_WORKER_METRICS_PORT", str(closed_port()))
    assert check.main() == 1

    monkeypatch.setenv("ZTC_PROCESS", "relay")
    assert check.target({"ZTC_PROCESS": "relay"}) is None
    assert check.main() == 0
