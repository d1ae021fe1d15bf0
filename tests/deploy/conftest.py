"""Fixtures of the deployment tests: the pinned tools and every overlay rendered once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.deploy.manifests import K8S, OVERLAYS, Rendered, ensure_tools, render


@pytest.fixture(scope="session")
def k8s_tools() -> None:
    ensure_tools()


@pytest.fixture(scope="session")
def rendered(k8s_tools: None) -> Iterator[dict[str, Rendered]]:
    yield {name: Rendered(name, render(K8S / "overlays" / name)) for name in OVERLAYS}
