"""The kernel (shared/) names no service: it imports none, keeps no list of their modules, ports or
names. The contracts (``ztc_shared.contracts``) are the published event language of every service
and name their producers (``ztc.intake.events``); that is all the kernel knows of them.

import-linter (``make lint``) holds the imports between packages; this holds what it cannot see:
imports by name (``importlib.import_module("intake.demo")``), module paths and service names in
strings, the services' ports and display names. The services are the manifests'.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import ztc_shared
from ztc_tools.manifest import ServiceManifest, manifests

KERNEL = Path(ztc_shared.__file__).resolve().parent
CONTRACTS = KERNEL / "contracts"


def forbidden_ports(found: tuple[ServiceManifest, ...]) -> set[int]:
    ports = set()
    for m in found:
        ports.add(m.api.port)
        for run in m.runs:
            ports.add(m.local_metrics(run)[0])
        if m.mail_sink is not None:
            ports.add(m.mail_sink.port)
    return ports


def violations(source: str, *, in_contracts: bool, found: tuple[ServiceManifest, ...]) -> list[str]:
    """What in one kernel module names a service (its line and what)."""
    names = {m.name for m in found} | {"ztc_tools"}
    service = "|".join(sorted(names))
    module_path = re.compile(rf"^({service})(\.[a-z_][a-z0-9_]*)*(:[a-z_]+)?$")
    in_text = re.compile(
        rf"\b({service})\.(entrypoints|adapters|application|domain|config|bootstrap|demo)\b"
    )
    display = [m.names.zh for m in found] + [m.names.en for m in found if " " in m.names.en]
    ports = forbidden_ports(found)
    problems: list[str] = []
    for node in ast.walk(ast.parse(source)):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Import):
            problems += [
                f"{line}: import {a.name}" for a in node.names if a.name.split(".")[0] in names
            ]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] in names:
                problems.append(f"{line}: from {node.module} import")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
            if in_text.search(text) or (not in_contracts and module_path.match(text)):
                problems.append(f"{line}: names a service: {text[:60]!r}")
            if not in_contracts and any(name in text for name in display):
                problems.append(f"{line}: a service's display name: {text[:60]!r}")
        elif (
            isinstance(node, ast.Constant)
            and type(node.value) is int
            and not in_contracts
            and node.value in ports
        ):
            problems.append(f"{line}: a service's port: {node.value}")
    return problems


MODULES = sorted(KERNEL.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(KERNEL)) for p in MODULES])
def test_a_kernel_module_names_no_service(path: Path) -> None:
    in_contracts = CONTRACTS in path.parents
    source = path.read_text(encoding="utf-8")
    assert violations(source, in_contracts=in_contracts, found=manifests()) == []


def test_the_check_sees_what_a_kernel_module_must_not_hold() -> None:
    found = manifests()
    planted = """
import intake.config
from screening.domain import round
from ztc_tools.stack import ensure_stack
import importlib

APIS = {"intake": "intake.entrypoints.api.main"}
PORTS = (8004, 9111)
NAMES = {"tracking": "跟踪服务"}
module = importlib.import_module("roadshow.demo")
"""
    problems = violations(planted, in_contracts=False, found=found)
    assert [p.split(":")[0] for p in problems] == [
        "2",
        "3",
        "4",
        "7",
        "7",
        "8",
        "8",
        "9",
        "9",
        "10",
    ]
    # a contract may name its producer, never import it
    contract = 'TOPIC = "ztc.intake.events"\nPRODUCER = "intake"\nimport intake\n'
    assert violations(contract, in_contracts=True, found=found) == ["3: import intake"]
    # the domain's words are not the services' names
    words = '"""A shortlist for a roadshow, a screening round, tracking cases."""\n'
    assert violations(words, in_contracts=False, found=found) == []


TESTS = sorted((KERNEL.parents[1] / "tests").rglob("*.py"))


@pytest.mark.parametrize("path", TESTS, ids=[p.name for p in TESTS])
def test_the_kernels_own_tests_import_no_service(path: Path) -> None:
    """They may use the tools (the stack fixture), never a service: the kernel is tested alone."""
    services = {m.name for m in manifests()}
    imported = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            imported |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            imported.add(node.module.split(".")[0])
    assert not imported & services
