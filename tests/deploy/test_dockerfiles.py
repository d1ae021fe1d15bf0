"""deploy/docker/Dockerfile, the one image recipe (``ARG SERVICE``), read (no Docker engine here to
build it), image.py and the healthcheck.

The images are not built on the development machines or in CI; these tests hold the Dockerfile to
what can be checked without building: a non-root user, a HEALTHCHECK, the process and ports the
service's manifest and settings agree on, sources that exist for every service and that
.dockerignore lets into the context. tests/deploy/test_image_contents.py resolves what it installs.
"""

from __future__ import annotations

import fnmatch
import importlib.util
import shutil
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
from ztc_tools.manifest import manifest, manifests

DOCKERFILE = REPO / "deploy" / "docker" / "Dockerfile"


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


def with_service(word: str, service: str) -> str:
    return word.replace("${SERVICE}", service)


SERVICES = tuple(m.name for m in manifests())


@pytest.fixture(params=SERVICES)
def service(request: pytest.FixtureRequest) -> str:
    value: str = request.param
    return value


def test_one_dockerfile_serves_every_service() -> None:
    assert sorted(p.parent.name for p in (REPO / "services").glob("*/Dockerfile")) == []
    assert sorted(p.parent.name for p in (REPO / "services").glob("*/service.toml")) == sorted(
        SERVICES
    )
    for stage in parse(DOCKERFILE):
        # Each stage declares the argument it uses, without a default: a build must name it.
        assert [c.value for c in instructions(stage, "ARG")] == [("SERVICE",)]
    build = parse(DOCKERFILE)[0]
    refuses = instructions(build, "RUN")[0].value[0]
    assert refuses.startswith('test -n "${SERVICE}"') and "exit 1" in refuses


def test_the_image_runs_as_a_user() -> None:
    stages = parse(DOCKERFILE)
    final = stages[-1]
    users = [c.value[0] for c in instructions(final, "USER")]
    assert users, "no USER in the final stage"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0")
    assert user.isdigit() and int(user) >= 10000  # numeric, so runAsNonRoot can check it
    assert len(stages) >= 2, "a build stage keeps pip and the sources out of the image"
    assert final[0].value[0] == "${PYTHON_IMAGE}"


def test_the_image_has_a_healthcheck_and_starts_the_api_of_its_manifest() -> None:
    final = parse(DOCKERFILE)[-1]
    healthchecks = instructions(final, "HEALTHCHECK")
    assert len(healthchecks) == 1
    assert healthchecks[0].value == ("CMD", "python", "/opt/ztc/healthcheck.py")
    assert any(flag.startswith("--interval=") for flag in healthchecks[0].flags)
    (cmd,) = instructions(final, "CMD")
    assert cmd.json and list(cmd.value) == ["python", "/opt/ztc/image.py", "start"]
    env = env_of(final)
    assert env["ZTC_SERVICE"] == "${SERVICE}" and env["ZTC_PROCESS"] == "api"
    assert env["HOST"] == "0.0.0.0"
    # the manifest the start command and the healthcheck read is in the image
    build_runs = " ".join(c.value[0] for c in instructions(parse(DOCKERFILE)[0], "RUN"))
    assert 'cp "services/${SERVICE}/service.toml" /opt/ztc/service.toml' in build_runs
    copied = [c.value for c in instructions(final, "COPY") if not c.flags]
    assert ("deploy/docker/healthcheck.py", "deploy/docker/image.py", "/opt/ztc/") in copied


def image_py() -> ModuleType:
    return _load("ztc_image", REPO / "deploy" / "docker" / "image.py")


def test_the_image_starts_each_process_its_manifest_names(service: str) -> None:
    image = image_py()
    m = manifest(service)
    raw = image.load(REPO / "services" / service / "service.toml")
    python = [sys.executable, "-m"]
    assert image.command(raw, "api", []) == [*python, m.api.module]
    assert importlib.util.find_spec(m.api.module) is not None
    if m.relay is not None:
        assert image.command(raw, "relay", []) == [*python, m.relay.module]
    else:
        with pytest.raises(SystemExit, match="no 'relay'"):
            image.command(raw, "relay", [])
    assert m.worker is not None
    for run in m.runs:
        expected = [*python, m.worker.module, *m.worker_args(run)]
        assert image.command(raw, "worker", [run.name]) == expected
    first = m.runs[0]
    assert image.command(raw, "worker", []) == [*python, m.worker.module, *m.worker_args(first)]
    with pytest.raises(SystemExit, match="no worker run"):
        image.command(raw, "worker", ["nonsense"])


def test_the_manifests_ports_are_the_ones_the_settings_read(service: str) -> None:
    m = manifest(service)
    fields = settings_class(service).model_fields
    assert fields["port"].validation_alias == m.api_port_variable == f"{service.upper()}_PORT"
    assert fields["port"].default == m.api.port
    assert m.worker is not None
    assert fields["worker_metrics_port"].validation_alias == m.metrics_port_variable
    assert fields["worker_metrics_port"].default == m.worker.metrics_port


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
    result = hadolint(DOCKERFILE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_does_warn_about_a_root_image(tmp_path: Path) -> None:
    text = DOCKERFILE.read_text(encoding="utf-8")
    broken = tmp_path / "Dockerfile"
    broken.write_text(text.replace("USER 10001:10001", "USER root"), encoding="utf-8")
    result = hadolint(broken)
    assert result.returncode != 0
    assert "DL3002" in result.stdout  # the last USER should not be root


def test_what_the_image_copies_exists_and_is_in_the_context(service: str) -> None:
    copies = [
        c.value
        for stage in parse(DOCKERFILE)
        for c in instructions(stage, "COPY")
        if not any(flag.startswith("--from=") for flag in c.flags)
    ]
    assert copies
    for parts in copies:
        for source in (with_service(s, service) for s in parts[:-1]):
            assert (REPO / source).exists(), source
            probe = source.rstrip("/") + ("/service.toml" if source.startswith("services/") else "")
            probe = probe + ("/pyproject.toml" if probe == "shared" else "")
            probe = probe + ("/image.py" if probe == "deploy/docker" else "")
            assert dockerignore_admits(probe), source
    assert dockerignore_admits(f"services/{service}/pyproject.toml")
    assert dockerignore_admits(f"services/{service}/src/{service}/config.py")
    assert not dockerignore_admits(f"services/{service}/tests/unit/test_x.py")
    assert not dockerignore_admits("tools/pyproject.toml")  # the development tools stay out
    assert not dockerignore_admits("tools/src/ztc_tools/devserver.py")
    assert not dockerignore_admits(".venv/bin/python")


def test_an_asset_missing_from_the_context_is_fetched_with_the_packages_it_needs(
    tmp_path: Path,
) -> None:
    image = image_py()
    dashboard = REPO / "services" / "dashboard"
    (asset,) = manifest("dashboard").image.assets
    # in a checkout after make install, ECharts is there: nothing to install, nothing to fetch
    assert (dashboard / asset.file).is_file()
    assert image.missing_assets(dashboard) == []
    copy = tmp_path / "dashboard"
    copy.mkdir()
    shutil.copy(dashboard / "service.toml", copy / "service.toml")
    assert [a["file"] for a in image.missing_assets(copy)] == [asset.file]
    assert list(asset.packages) == ["npm"]
    for m in manifests():
        if m.name != "dashboard":
            assert image.missing_assets(REPO / "services" / m.name) == []


# --- the healthcheck ---------------------------------------------------------------------------------


def _load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def healthcheck() -> ModuleType:
    return _load("ztc_healthcheck", REPO / "deploy" / "docker" / "healthcheck.py")


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
    for key in ("ZTC_PROCESS", "WORKER_METRICS_PORT", "ZTC_MANIFEST"):
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


def test_the_healthcheck_defaults_to_the_ports_of_the_images_manifest(tmp_path: Path) -> None:
    check = healthcheck()
    manifest_file = str(REPO / "services" / "intake" / "service.toml")
    env = {"ZTC_SERVICE": "intake", "ZTC_MANIFEST": manifest_file}
    assert check.target(env) == "http://127.0.0.1:8001/healthz"
    assert check.target({**env, "ZTC_PROCESS": "worker"}) == "http://127.0.0.1:9101/metrics"
    assert check.target({**env, "INTAKE_PORT": "8101"}) == "http://127.0.0.1:8101/healthz"
    missing = {"ZTC_SERVICE": "intake", "ZTC_MANIFEST": str(tmp_path / "none.toml")}
    assert check.target(missing) == "http://127.0.0.1:8000/healthz"
