"""Screening's worker process: projections of other services' events (faust)."""

from __future__ import annotations

from screening.bootstrap import projection_definitions
from screening.config import ScreeningSettings
from ztc_shared.projections.cli import worker_main


def main(argv: list[str] | None = None) -> int:
    settings = ScreeningSettings()
    return worker_main(settings, projection_definitions(settings), argv)


if __name__ == "__main__":
    raise SystemExit(main())
