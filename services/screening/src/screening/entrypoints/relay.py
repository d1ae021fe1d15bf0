"""Screening's outbox relay process: its commits to ``ztc.screening.events``."""

from __future__ import annotations

from screening.bootstrap import outbox
from screening.config import ScreeningSettings
from ztc_shared.relay.service import main as serve


def main() -> None:
    serve(ScreeningSettings(), outbox)


if __name__ == "__main__":
    main()
