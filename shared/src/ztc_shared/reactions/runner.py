"""Deciding what to do with each event of a batch, and what a failure means.

- An event the registry cannot decode is a dead letter (it will never decode).
- A refusal by the domain (``DomainError``, ``StateConflict``, ``Forbidden``, ``NotFound``) is final:
  the same command on the same state is refused again, so it is logged and dead-lettered with its
  reason for an operator, and the partition moves on.
- Anything else (the database or broker away) is transient: the batch is retried with backoff and
  its offsets stay unacknowledged until it succeeds.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import structlog

from ztc_shared.application import CommandContext
from ztc_shared.domain import DomainError, Forbidden, NotFound
from ztc_shared.events import EVENTS, EventEnvelope, EventRegistry
from ztc_shared.events.codec import decode_event
from ztc_shared.workers.messages import DeadLetter, Message

log = structlog.get_logger()

REFUSALS = (DomainError, Forbidden, NotFound)


class Reactor(Protocol):
    """What a service does with one event; events it does not care about are ignored."""

    async def react(self, event: EventEnvelope) -> None: ...


@dataclass(frozen=True)
class ReactionDefinition:
    """A reaction: its name (part of its consumer group), the topics it follows, and how to build
    its reactor from a MongoDB database of the service (called once in the worker)."""

    name: str
    topics: tuple[str, ...]
    build: Callable[[Any], Awaitable[Reactor]]


@dataclass
class ReactionOutcome:
    reacted: int = 0
    refused: int = 0
    dead_letters: list[DeadLetter] = field(default_factory=list)


def reaction_context(
    event: EventEnvelope,
    reaction: str,
    *,
    actor: str,
    role: str | None,
    organisation: str | None = None,
) -> CommandContext:
    """The context of the command a reaction sends for ``event``: caused by it, in its correlation,
    and recognised as a retry by its idempotency key however often the event is delivered."""
    return CommandContext(
        actor=actor,
        region=event.region,
        correlation_id=event.correlation_id,
        causation_id=str(event.event_id),
        role=role,
        organisation=organisation,
        actor_region=event.region,
        idempotency_key=f"reaction:{reaction}:{event.event_id}",
    )


class ReactionRunner:
    """Runs a reactor over batches of messages, in order; transient failures are raised to the
    driver (which retries the batch), refusals and undecodable events become dead letters."""

    def __init__(self, name: str, reactor: Reactor, *, registry: EventRegistry = EVENTS) -> None:
        self.name = name
        self._reactor = reactor
        self._registry = registry

    async def handle(self, messages: Sequence[Message]) -> ReactionOutcome:
        outcome = ReactionOutcome()
        for message in messages:
            try:
                event = decode_event(message.value, self._registry)
            except Exception as error:  # noqa: BLE001 - any undecodable input is a dead letter
                outcome.dead_letters.append(DeadLetter(message, f"undecodable: {error}"))
                continue
            try:
                await self._reactor.react(event)
            except REFUSALS as refusal:
                outcome.refused += 1
                reason = getattr(refusal, "message_en", None) or str(refusal)
                code = getattr(refusal, "code", type(refusal).__name__)
                log.warning(
                    "reaction.refused",
                    reaction=self.name,
                    event_type=event.event_type,
                    event_id=str(event.event_id),
                    code=code,
                    reason=reason,
                )
                outcome.dead_letters.append(DeadLetter(message, f"refused ({code}): {reason}"))
                continue
            outcome.reacted += 1
        return outcome


async def handle_until_done(
    runner: ReactionRunner,
    messages: Sequence[Message],
    *,
    first_delay: float = 0.2,
    max_delay: float = 10.0,
) -> ReactionOutcome:
    """Retry a batch with backoff until it is handled (transient failures only ever delay it).

    Commands already applied by an earlier attempt are answered from their idempotency records.
    """
    delay = first_delay
    while True:
        try:
            return await runner.handle(messages)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # noqa: BLE001 - transient: try again
            log.warning("reaction.retrying", reaction=runner.name, error=repr(error), delay_s=delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, max_delay)
