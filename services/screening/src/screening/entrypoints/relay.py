"""Screening's outbox relay process: its commits to ``ztc.screening.events``."""

from __future__ import annotations

from ztc_shared.relay.service import main as serve

from screening.config import ScreeningSettings


def main() -> None:
    serve(ScreeningSettings())


if __name__ == "__main__":
    main()
