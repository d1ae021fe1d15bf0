"""Command handling shared by every service: the command bus, and how one command runs."""

from ztc_shared.application.bus import Call, CommandBus, idempotency_scope
from ztc_shared.application.commands import CommandContext, CommandResult, execute

__all__ = ["Call", "CommandBus", "CommandContext", "CommandResult", "execute", "idempotency_scope"]
