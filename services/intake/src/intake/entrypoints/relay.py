"""Intake's outbox relay process: its commits to ``ztc.intake.events``."""

from __future__ import annotations

from intake.bootstrap import outbox
from intake.config import IntakeSettings
from ztc_shared.relay.service import main as serve


def main() -> None:
    serve(IntakeSettings(), outbox)


if __name__ == "__main__":
    main()
