"""The services' manifests: ``services/<name>/service.toml``, one per service.

A manifest says what a service runs and how people call it: its display names (zh-CN, en), its
API (module and port), its relay, its worker (module, metrics port, and one process per projection,
reaction or timer it runs), the demo data it registers for ``make run``, the requests the banner
suggests, and what its images and Kubernetes manifests need beyond the common shape. Everything
that used to keep its own list of services reads these instead: the dev server, the test process
helpers (:mod:`ztc_tools.testing.processes`), the Kubernetes generator (:mod:`ztc_tools.k8s`) and
the image build (``deploy/docker/Dockerfile``, by ``ARG SERVICE``).

Services are listed in the order of their API ports (intake 8001 … dashboard 8006): the order of
the programme, in which ``make run`` prints them.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ztc_tools.stack.settings import find_repo_root

MANIFEST = "service.toml"


class _Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Names(_Part):
    zh: str
    en: str


class Api(_Part):
    module: str
    port: int = Field(ge=1, le=65535)


class Relay(_Part):
    module: str


class WorkerRun(_Part):
    """One worker process: ``<worker module> run [name]``."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    what: str
    # The worker's only (default) projection: started as ``run`` without a name.
    default: bool = False
    # make run starts every worker on one host: each run after the first needs a port of its own
    local_metrics_port: int | None = Field(default=None, ge=1, le=65535)


class Worker(_Part):
    module: str
    metrics_port: int = Field(ge=1, le=65535)
    runs: tuple[WorkerRun, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _ports_for_every_run_after_the_first(self) -> Worker:
        defaults = [run.name for run in self.runs if run.default]
        if defaults and len(self.runs) != 1:
            raise ValueError(f"a default run ({defaults[0]}) must be the worker's only run")
        for run in self.runs[1:]:
            if run.local_metrics_port is None:
                raise ValueError(f"worker run {run.name} needs a local_metrics_port")
        return self


class DemoStep(_Part):
    """Demo data the service loads through its API under ``make run`` (see ztc_tools.demo)."""

    name: str
    order: int
    load: str = Field(pattern=r"^[a-z_][a-z0-9_.]*:[a-z_][a-z0-9_]*$")  # module:function


class TryIt(_Part):
    """A request the ``make run`` banner suggests, with the token of one of the demo's people."""

    what: str
    who: Literal["holder", "agency"]
    method: Literal["GET", "POST"] = "GET"
    path: str
    body: dict[str, Any] | None = None


class MailSink(_Part):
    """``make run`` starts a loopback SMTP server that prints the mails the service sends."""

    port: int = Field(ge=1, le=65535)
    host_variable: str
    port_variable: str


class Kubernetes(_Part):
    """What this service's manifests in deploy/k8s/base add to the common shape."""

    config_maps: tuple[str, ...] = ()  # besides ztc-config, for every container
    # keys of ztc-secrets the API and the workers get when the Secret has them (not the relay,
    # which only publishes): notify's SMTP and SMS credentials
    optional_secrets: tuple[str, ...] = ()


class ImageAsset(_Part):
    """A file the image needs that may be missing from the build context, and how to fetch it."""

    file: str  # relative to the service's directory
    fetch: str  # a Python script (relative to the service's directory) that writes it
    packages: tuple[str, ...] = ()  # Debian packages the script needs (build stage only)


class Image(_Part):
    assets: tuple[ImageAsset, ...] = ()


class ServiceManifest(_Part):
    name: str = Field(pattern=r"^[a-z][a-z0-9]*$")
    names: Names
    api: Api
    relay: Relay | None = None
    worker: Worker | None = None
    demo: tuple[DemoStep, ...] = ()
    try_it: tuple[TryIt, ...] = Field(default=(), alias="try")
    mail_sink: MailSink | None = None
    k8s: Kubernetes = Kubernetes()
    image: Image = Image()

    @property
    def variable_prefix(self) -> str:
        """The prefix of the service's settings: ``INTAKE`` in ``INTAKE_PORT``."""
        return self.name.upper()

    @property
    def api_port_variable(self) -> str:
        return f"{self.variable_prefix}_PORT"

    @property
    def metrics_port_variable(self) -> str:
        """The variable the worker reads, whichever projection it runs."""
        return f"{self.variable_prefix}_WORKER_METRICS_PORT"

    @property
    def runs(self) -> tuple[WorkerRun, ...]:
        return self.worker.runs if self.worker is not None else ()

    def worker_args(self, run: WorkerRun) -> tuple[str, ...]:
        """The worker's command line for one run: ``run`` or ``run <name>``."""
        return ("run",) if run.default else ("run", run.name)

    def local_metrics(self, run: WorkerRun) -> tuple[int, str]:
        """The metrics port of one worker process under ``make run``, and the variable that
        moves it: the first run uses the service's own, each other run one of its own."""
        assert self.worker is not None
        if run == self.worker.runs[0]:
            return self.worker.metrics_port, self.metrics_port_variable
        assert run.local_metrics_port is not None
        return (
            run.local_metrics_port,
            f"{self.variable_prefix}_{run.name.upper()}_WORKER_METRICS_PORT",
        )


def services_dir(root: Path | None = None) -> Path:
    return (root or find_repo_root()) / "services"


def load_manifest(path: Path) -> ServiceManifest:
    """One manifest, validated; its ``name`` must be its directory's."""
    with path.open("rb") as handle:
        manifest = ServiceManifest.model_validate(tomllib.load(handle))
    if manifest.name != path.parent.name:
        raise ValueError(f"{path}: name {manifest.name!r} is not the directory's")
    return manifest


@cache
def manifests(root: Path | None = None) -> tuple[ServiceManifest, ...]:
    """Every service's manifest, in the order of their API ports."""
    found = [load_manifest(path) for path in sorted(services_dir(root).glob(f"*/{MANIFEST}"))]
    if not found:
        raise FileNotFoundError(f"no {MANIFEST} under {services_dir(root)}")
    return tuple(sorted(found, key=lambda m: m.api.port))


def manifest(name: str) -> ServiceManifest:
    for candidate in manifests():
        if candidate.name == name:
            return candidate
    raise KeyError(f"no service {name!r} (services/{name}/{MANIFEST})")


def worker_projections(service: str) -> tuple[str | None, ...]:
    """The runs of a service's worker processes (``None``: its default one); () for none."""
    return tuple(None if run.default else run.name for run in manifest(service).runs)
