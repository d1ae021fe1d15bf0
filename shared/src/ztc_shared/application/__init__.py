"""Command handling shared by every service: idempotency, load, decide, append."""

from ztc_shared.application.commands import CommandContext, CommandResult, execute

__all__ = ["CommandContext", "CommandResult", "execute"]
