"""Roadshow's outbox relay process: its commits to ``ztc.roadshow.events``."""

from __future__ import annotations

from roadshow.bootstrap import outbox
from roadshow.config import RoadshowSettings
from ztc_shared.relay.service import main as serve


def main() -> None:
    serve(RoadshowSettings(), outbox)


if __name__ == "__main__":
    main()
