"""Screening's worker process: projections of other services' events, and its reactions (faust)."""

from __future__ import annotations

from screening.bootstrap import projection_definitions, reaction_definitions
from screening.config import ScreeningSettings
from ztc_shared.workers.cli import worker_main


def main(argv: list[str] | None = None) -> int:
    settings = ScreeningSettings()
    return worker_main(
        settings, projection_definitions(settings), argv, reactions=reaction_definitions(settings)
    )


if __name__ == "__main__":
    raise SystemExit(main())
