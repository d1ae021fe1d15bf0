"""Install the dashboard's pinned front-end library (ECharts) into its static files.

    python -m dashboard.vendor        # make dashboard-assets

``npm pack`` fetches the pinned version's tarball; its SHA-512 must equal the integrity the registry
published for that version, recorded here, before ``dist/echarts.min.js`` is extracted into
``static/vendor/``. The application serves that file itself: nothing is fetched at run time.
"""

from __future__ import annotations

import base64
import hashlib
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ECHARTS_VERSION = "6.1.0"
ECHARTS_INTEGRITY = (
    "sha512-"
    "q0yaFPggC9FUdsWH4blavRWFmxdrIodbkoKNAjJudAI6CA9gNPxHtV2RcZNEepZVlk4yvBYkOkbk6HIVpIyHZA=="
)
VENDOR = Path(__file__).parent / "static" / "vendor"
TARGET = VENDOR / "echarts.min.js"
STAMP = VENDOR / "echarts.version"


def integrity_of(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def installed() -> bool:
    return TARGET.exists() and STAMP.exists() and STAMP.read_text().strip() == ECHARTS_VERSION


def install() -> Path:
    if installed():
        return TARGET
    VENDOR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        subprocess.run(
            ["npm", "pack", f"echarts@{ECHARTS_VERSION}", "--silent"],
            cwd=work,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        tarball = Path(work) / f"echarts-{ECHARTS_VERSION}.tgz"
        data = tarball.read_bytes()
        if integrity_of(data) != ECHARTS_INTEGRITY:
            raise SystemExit(f"echarts {ECHARTS_VERSION}: the tarball's integrity does not match")
        with tarfile.open(tarball) as archive:
            member = archive.extractfile("package/dist/echarts.min.js")
            if member is None:
                raise SystemExit("echarts: dist/echarts.min.js missing from the package")
            TARGET.write_bytes(member.read())
    STAMP.write_text(ECHARTS_VERSION + "\n")
    return TARGET


if __name__ == "__main__":
    path = install()
    sys.stdout.write(f"echarts {ECHARTS_VERSION}: {path}\n")
