"""How a route answers a command: the handler's stored reply, with the stream version as a header
(``X-Stream-Version``, what a reader elsewhere waits for) and ``Idempotent-Replayed`` on a retry."""

from __future__ import annotations

from typing import Any, Protocol

from fastapi import Response

from ztc_shared.application.commands import CommandContext, CommandResult


class CommandHandling(Protocol):
    """A service's command facade: the object its routes hand commands to."""

    async def handle(
        self, command: Any, context: CommandContext, stream_id: str | None = None
    ) -> CommandResult: ...


def stream_headers(response: Response, version: int, replayed: bool = False) -> None:
    response.headers["X-Stream-Version"] = str(version)
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"


async def reply_to(
    service: CommandHandling,
    command: Any,
    context: CommandContext,
    response: Response,
    stream_id: str | None = None,
) -> dict[str, Any]:
    """Run the command and answer with its reply body and headers."""
    result = await service.handle(command, context, stream_id)
    stream_headers(response, result.stream_version, result.replayed)
    body: dict[str, Any] = result.body
    return body
