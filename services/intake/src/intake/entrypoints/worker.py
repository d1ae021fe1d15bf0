"""Intake's worker process: its read side (faust), one projection per process.

intake-worker run catalogue      # 成果库: every achievement, for those who may see it
intake-worker run public         # 信息公开: public fields of published achievements
intake-worker rebuild public     # replay the topic into a new generation and switch it in
"""

from __future__ import annotations

from intake.bootstrap import projection_definitions
from intake.config import IntakeSettings
from ztc_shared.workers.cli import worker_main


def main(argv: list[str] | None = None) -> int:
    settings = IntakeSettings()
    return worker_main(settings, projection_definitions(settings), argv)


if __name__ == "__main__":
    raise SystemExit(main())
