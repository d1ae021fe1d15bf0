"""Command handling shared by every service: idempotency, load, decide, append."""

from ztc_shared.application.actor import OPERATORS, Actor
from ztc_shared.application.commands import CommandContext, CommandResult, execute

__all__ = ["OPERATORS", "Actor", "CommandContext", "CommandResult", "execute"]
