"""The images' HEALTHCHECK: asks the process the container runs whether it is alive.

ZTC_PROCESS (set by the image to ``api``; the Kubernetes manifests set it per container) says which:

- ``api``: ``GET /healthz`` on ``<SERVICE>_PORT``, else the API port of the service's manifest
  (``/opt/ztc/service.toml``, ``ZTC_MANIFEST``: the service's default);
- ``worker``: ``GET /metrics`` on ``<SERVICE>_WORKER_METRICS_PORT`` (or ``WORKER_METRICS_PORT``),
  else the manifest's worker metrics port; served by a thread of the worker process;
- ``relay``: no endpoint; the container lives as long as the process does.

Kubernetes ignores HEALTHCHECK and uses the manifests' probes (deploy/k8s); this serves plain
Docker and Compose. Standard library only, so it costs the image nothing.
"""

from __future__ import annotations

import os
import sys
import tomllib
import urllib.request
from pathlib import Path
from typing import Any

MANIFEST = Path("/opt/ztc/service.toml")


def manifest_ports(environ: dict[str, str]) -> tuple[str, str]:
    """The API and worker metrics ports the image's manifest names (8000, 9100 without one)."""
    path = Path(environ.get("ZTC_MANIFEST", str(MANIFEST)))
    try:
        with path.open("rb") as handle:
            manifest: dict[str, Any] = tomllib.load(handle)
    except OSError:
        return "8000", "9100"
    worker = manifest.get("worker", {})
    return str(manifest["api"]["port"]), str(worker.get("metrics_port", "9100"))


def target(environ: dict[str, str]) -> str | None:
    """The URL to ask, or None when the process serves nothing to ask."""
    service = environ.get("ZTC_SERVICE", "").upper()
    process = environ.get("ZTC_PROCESS", "api")
    if process not in ("api", "worker"):
        return None
    api_port, metrics_port = manifest_ports(environ)
    if process == "api":
        return f"http://127.0.0.1:{environ.get(f'{service}_PORT', api_port)}/healthz"
    port = environ.get(f"{service}_WORKER_METRICS_PORT") or environ.get(
        "WORKER_METRICS_PORT", metrics_port
    )
    return f"http://127.0.0.1:{port}/metrics"
    return None


def main() -> int:
    url = target(dict(os.environ))
    if url is None:
        return 0
    try:
        with urllib.request.urlopen(url, timeout=3) as response:  # noqa: S310 - a loopback http URL
            return 0 if response.status == 200 else 1
    except OSError:
        return 1


if __name__ == "__main__":
    sys.exit(main())
