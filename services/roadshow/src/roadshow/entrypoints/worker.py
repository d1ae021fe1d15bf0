"""Roadshow's worker process: the calendar projection, and its reactions to intake's and
screening's events (faust)."""

from __future__ import annotations

from roadshow.bootstrap import projection_definitions, reaction_definitions
from roadshow.config import RoadshowSettings
from ztc_shared.workers.cli import worker_main


def main(argv: list[str] | None = None) -> int:
    settings = RoadshowSettings()
    return worker_main(
        settings, projection_definitions(settings), argv, reactions=reaction_definitions(settings)
    )


if __name__ == "__main__":
    raise SystemExit(main())
