"""Screening's outbox relay process: its commits to ``ztc.screening.events``."""

from __future__ import annotations

from screening.config import ScreeningSettings
from ztc_shared.relay.service import main as serve


def main() -> None:
    serve(ScreeningSettings())


if __name__ == "__main__":
    main()
