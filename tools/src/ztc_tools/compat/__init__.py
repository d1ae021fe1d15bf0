"""Event schema compatibility: the released-schema snapshot and the check that guards it."""

from ztc_tools.compat.released import Problem, check, load_released, release, snapshot
from ztc_tools.compat.rules import breaking_changes

__all__ = ["Problem", "breaking_changes", "check", "load_released", "release", "snapshot"]
