"""Tracking's outbox relay process: its commits to ``ztc.tracking.events``."""

from __future__ import annotations

from tracking.bootstrap import outbox
from tracking.config import TrackingSettings
from ztc_shared.relay.service import main as serve


def main() -> None:
    serve(TrackingSettings(), outbox)


if __name__ == "__main__":
    main()
