"""The services' manifests and what is made of them: the Kubernetes base, the demo registrations,
the import contracts."""

from __future__ import annotations

import asyncio
import importlib
import inspect
import shutil
import sys
import tomllib
from pathlib import Path
from typing import Protocol

import pytest

from ztc_shared.auth import Role
from ztc_tools import k8s
from ztc_tools.demo import DemoContext, DemoStepError, resolve, run_step, steps
from ztc_tools.manifest import DemoStep, load_manifest, manifest, manifests

REPO = Path(__file__).resolve().parents[3]


def test_every_service_has_one_manifest_and_they_agree_with_each_other() -> None:
    found = manifests()
    directories = sorted(p.parent.name for p in (REPO / "services").glob("*/pyproject.toml"))
    assert sorted(m.name for m in found) == directories
    ports = [m.api.port for m in found] + [m.local_metrics(r)[0] for m in found for r in m.runs]
    ports += [m.mail_sink.port for m in found if m.mail_sink is not None]
    assert len(ports) == len(set(ports)), ports  # make run starts them all on one host
    for m in found:
        for module in [m.api.module, *(x.module for x in (m.relay, m.worker) if x is not None)]:
            assert module.startswith(f"{m.name}.entrypoints."), module
            assert importlib.util.find_spec(module) is not None, module


def test_a_manifest_must_be_named_as_its_directory(tmp_path: Path) -> None:
    service = tmp_path / "other"
    service.mkdir()
    shutil.copy(REPO / "services" / "intake" / "service.toml", service / "service.toml")
    with pytest.raises(ValueError, match="not the directory's"):
        load_manifest(service / "service.toml")


# --- Kubernetes --------------------------------------------------------------------------------


def test_the_committed_kubernetes_base_is_what_the_manifests_give() -> None:
    for path, text in k8s.rendered(REPO).items():
        assert path.read_text(encoding="utf-8") == text, f"{path}: run make k8s-generate"
    assert k8s.main(["check", "--root", str(REPO)]) == 0


def test_a_changed_manifest_changes_the_kubernetes_base(tmp_path: Path) -> None:
    tree = tmp_path / "repo"
    for part in ("services", "deploy/k8s/base", "deploy/local"):
        shutil.copytree(REPO / part, tree / part, ignore=shutil.ignore_patterns("src", "tests"))
    manifests.cache_clear()
    try:
        toml = tree / "services" / "screening" / "service.toml"
        toml.write_text(toml.read_text().replace("port = 8002", "port = 8102"), encoding="utf-8")
        assert k8s.main(["check", "--root", str(tree)]) == 1
        assert k8s.main(["generate", "--root", str(tree)]) == 0
        text = (tree / "deploy/k8s/base/screening/screening.yaml").read_text(encoding="utf-8")
        assert "containerPort: 8102 # = SCREENING_PORT in ztc-config" in text
        assert k8s.main(["check", "--root", str(tree)]) == 0
    finally:
        manifests.cache_clear()


# --- demo registrations ------------------------------------------------------------------------


def context() -> DemoContext:
    return DemoContext(
        region="440000",
        catalogue_size=0,
        holder=("h", "H"),
        agency=("a", "A"),
        province=("p", "P"),
        urls={m.name: f"http://127.0.0.1:{m.api.port}" for m in manifests()},
        mint=lambda role, subject, name: f"{role}:{subject}",
        say=lambda line: None,
        stopping=lambda: False,
    )


def test_the_demo_steps_run_in_their_stated_order_and_resolve() -> None:
    registered = steps()
    assert [(m.name, s.name) for m, s in registered] == [
        ("intake", "achievements"),
        ("intake", "catalogue"),
        ("notify", "contacts"),
        ("roadshow", "roadshows"),
        ("tracking", "cases"),
    ]
    for _, step in registered:
        assert inspect.iscoroutinefunction(resolve(step)), step.load


def test_the_context_has_all_that_any_step_asks_of_it() -> None:
    given = context()
    for _, step in steps():
        function = resolve(step)
        (parameter,) = inspect.signature(function, eval_str=True).parameters.values()
        wanted = parameter.annotation
        assert issubclass(wanted, Protocol), step.load  # type: ignore[arg-type]
        members = [n for n in vars(wanted) if not n.startswith("_")]
        assert members, step.load
        for name in members:
            assert hasattr(given, name), f"{step.load} asks for {name}"
    assert given.token(Role.HOLDER, "h") == f"{Role.HOLDER}:h"
    assert given.url("intake") == "http://127.0.0.1:8001"


def test_a_failing_step_is_named() -> None:
    async def refuse(_context: DemoContext) -> list[str]:
        raise RuntimeError("422 the body")

    step = DemoStep(name="refusing", order=1, load="tests.refusing:refuse")
    module = type(importlib)("tests.refusing")
    module.refuse = refuse  # type: ignore[attr-defined]
    sys.modules["tests.refusing"] = module
    try:
        with pytest.raises(DemoStepError, match="demo intake/refusing: 422 the body"):
            asyncio.run(run_step((manifest("intake"), step), context()))
    finally:
        del sys.modules["tests.refusing"]


def test_an_empty_catalogue_leaves_the_roadshow_demo_out() -> None:
    from intake.demo import load_catalogue_demo
    from roadshow.demo import load_demo

    given = context()
    assert asyncio.run(load_catalogue_demo(given)) == []
    assert "library_items" not in given.facts
    assert asyncio.run(load_demo(given)) == []


def test_notify_knows_the_roadshow_demos_people_as_roadshow_names_them() -> None:
    from notify import demo as notify_demo
    from roadshow import demo as roadshow_demo
    from tracking import demo as tracking_demo

    host_id, host_name, _kind, host_region = roadshow_demo.HOSTS[0]
    assert notify_demo.HOST[:3] == (host_id, host_name, host_region)
    assert host_id == tracking_demo.DEMO_HOST
    assert tuple(name for name, _kind in roadshow_demo.COMPANIES) == notify_demo.COMPANIES
    for n in range(1, len(roadshow_demo.COMPANIES) + 1):
        assert notify_demo.demo_company_id(n) == roadshow_demo.demo_company_id(n)


# --- import contracts ---------------------------------------------------------------------------


def test_the_import_contracts_hold_every_service() -> None:
    with (REPO / "pyproject.toml").open("rb") as handle:
        config = tomllib.load(handle)["tool"]["importlinter"]
    services = [m.name for m in manifests()]
    assert set(config["root_packages"]) == {"ztc_shared", "ztc_tools", *services}
    contracts = {c["name"]: c for c in config["contracts"]}
    kernel = contracts["The kernel imports no service and no tool"]
    assert kernel["source_modules"] == ["ztc_shared"]
    assert set(kernel["forbidden_modules"]) == {"ztc_tools", *services}
    production = contracts["Production code imports no development tool"]
    assert set(production["source_modules"]) == set(services)
    assert "ztc_tools" in production["forbidden_modules"]
    for service in services:
        (domain,) = [c for c in config["contracts"] if c["source_modules"] == [f"{service}.domain"]]
        for layer in ("adapters", "entrypoints", "application"):
            assert f"{service}.{layer}" in domain["forbidden_modules"]
        assert {"fastapi", "pymongo", "faust", "aiokafka", "httpx", "motor"} <= set(
            domain["forbidden_modules"]
        )
