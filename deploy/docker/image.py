"""What the one Dockerfile (deploy/docker/Dockerfile, ``ARG SERVICE``) reads from the service's
manifest, ``services/<service>/service.toml``. Standard library only, so it costs the image nothing.

- ``packages services/<service>``: the Debian packages the build stage needs to fetch an asset the
  manifest names and the build context lacks (``[[image.assets]]``: the dashboard's ECharts via npm);
  prints nothing when every asset is there.
- ``fetch services/<service>``: runs each missing asset's fetch script.
- ``start [run]``: the container's command. Runs the process ``ZTC_PROCESS`` names (``api`` by
  default, ``relay``, or ``worker`` with the given run, else the manifest's first) from the
  manifest the image keeps at ``/opt/ztc/service.toml`` (``ZTC_MANIFEST``). The Kubernetes
  manifests name each container's command themselves; this serves plain Docker.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

MANIFEST = Path("/opt/ztc/service.toml")


def load(path: Path) -> dict[str, Any]:
    with path.open("rb") as handle:
        return tomllib.load(handle)


def missing_assets(service_dir: Path) -> list[dict[str, Any]]:
    """The manifest's image assets that are not (or only emptily) in the build context."""
    assets: list[dict[str, Any]] = (
        load(service_dir / "service.toml").get("image", {}).get("assets", [])
    )
    return [a for a in assets if not _present(service_dir / a["file"])]


def _present(path: Path) -> bool:
    return path.is_file() and path.stat().st_size > 0


def command(manifest: dict[str, Any], process: str, args: list[str]) -> list[str]:
    """The command line of one of the service's processes."""
    python = [sys.executable, "-m"]
    if process == "api":
        return [*python, manifest["api"]["module"]]
    if process == "relay" and "relay" in manifest:
        return [*python, manifest["relay"]["module"]]
    if process == "worker" and "worker" in manifest:
        runs = {run["name"]: run for run in manifest["worker"]["runs"]}
        name = args[0] if args else manifest["worker"]["runs"][0]["name"]
        if name not in runs:
            raise SystemExit(f"{manifest['name']} has no worker run {name!r}: {sorted(runs)}")
        run = ["run"] if runs[name].get("default", False) else ["run", name]
        return [*python, manifest["worker"]["module"], *run]
    raise SystemExit(f"{manifest['name']} runs no {process!r} process")


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[0] == "packages":
        packages = {p for a in missing_assets(Path(argv[1])) for p in a.get("packages", [])}
        sys.stdout.write(" ".join(sorted(packages)))
        return 0
    if len(argv) >= 2 and argv[0] == "fetch":
        service_dir = Path(argv[1])
        for asset in missing_assets(service_dir):
            subprocess.run([sys.executable, str(service_dir / asset["fetch"])], check=True)
            if not _present(service_dir / asset["file"]):
                raise SystemExit(f"{asset['fetch']} did not write {asset['file']}")
        return 0
    if argv and argv[0] == "start":
        manifest = load(Path(os.environ.get("ZTC_MANIFEST", str(MANIFEST))))
        line = command(manifest, os.environ.get("ZTC_PROCESS", "api"), argv[1:])
        os.execv(line[0], line)  # noqa: S606 - the service's own module, from its manifest
    sys.stderr.write(__doc__ or "")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
