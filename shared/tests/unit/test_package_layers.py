"""The kernel's packages import in one direction: projections and reactions never each other."""

import ast
from pathlib import Path

import pytest

import ztc_shared

KERNEL = Path(ztc_shared.__file__).parent


def imports_of(package: str) -> set[str]:
    found: set[str] = set()
    for path in (KERNEL / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
    return found


@pytest.mark.parametrize(
    ("package", "other"),
    [
        ("projections", "ztc_shared.reactions"),
        ("reactions", "ztc_shared.projections"),
        ("domain", "ztc_shared.application"),
        ("domain", "ztc_shared.auth"),
        ("workers/messages.py", "ztc_shared.projections"),
    ],
)
def test_a_package_does_not_import_the_other(package: str, other: str) -> None:
    if package.endswith(".py"):
        tree = ast.parse((KERNEL / package).read_text(encoding="utf-8"))
        modules = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    else:
        modules = imports_of(package)
    assert not [m for m in modules if m == other or m.startswith(f"{other}.")]
