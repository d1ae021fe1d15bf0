"""The Kubernetes manifests as kustomize renders them, for the deployment tests.

kustomize and kubectl-validate are the pinned ones `make k8s-tools` installs into .stack/bin (CI
has them from `make k8s-validate`, which runs before the tests); they are installed here when
missing, so the tests never stand in for the real tools.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "deploy" / "k8s"
BIN = REPO / ".stack" / "bin"
KUSTOMIZE = BIN / "kustomize"
KUBECTL_VALIDATE = BIN / "kubectl-validate"

PROVINCES = {"440000": "gd", "110000": "bj"}
OVERLAYS = (*PROVINCES, "national")


@dataclass(frozen=True)
class Rendered:
    """One overlay's resources, as kustomize builds them."""

    overlay: str
    docs: tuple[dict[str, Any], ...]

    def of_kind(self, kind: str) -> list[dict[str, Any]]:
        return [d for d in self.docs if d["kind"] == kind]

    def named(self, kind: str, name: str) -> dict[str, Any]:
        found = [d for d in self.of_kind(kind) if d["metadata"]["name"] == name]
        assert len(found) == 1, f"{self.overlay}: {len(found)} {kind} named {name}"
        return found[0]

    def config_map(self, prefix: str) -> dict[str, str]:
        """A generated ConfigMap's data, found by the name before kustomize's hash suffix."""
        found = [
            d
            for d in self.of_kind("ConfigMap")
            if d["metadata"]["name"].rsplit("-", 1)[0] == prefix
        ]
        assert len(found) == 1, f"{self.overlay}: {len(found)} ConfigMaps {prefix}-<hash>"
        data: dict[str, str] = found[0]["data"]
        return data


def ensure_tools() -> None:
    if not (KUSTOMIZE.exists() and KUBECTL_VALIDATE.exists()):
        subprocess.run(["make", "-s", "k8s-tools"], cwd=REPO, check=True)


def render(overlay_dir: Path) -> tuple[dict[str, Any], ...]:
    built = subprocess.run(
        [str(KUSTOMIZE), "build", str(overlay_dir)], capture_output=True, text=True, check=True
    )
    return tuple(d for d in yaml.safe_load_all(built.stdout) if d)
