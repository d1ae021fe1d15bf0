"""Scenario tests of a write side: given events (or prior commands), when a command, then the events
it appended or its refusal.

One harness for every service's unit tests. It drives the service's real command handlers (any
``handle(command, context, stream_id)`` coroutine, such as a bootstrapped service's ``handle``) on an
event store, normally the in-memory one, and reads the streams back:

    s = Scenario(intake.handle, store, context=HOLDER)
    assert await s.when(a_draft()) == ["AchievementDrafted"]          # the first command's stream
    assert await s.when(SubmitAchievement()) == ["AchievementSubmitted"]  # becomes the scenario's
    refusal = await s.refused(SubmitAchievement(), code="not_a_draft")
    assert "草稿" in refusal.message_zh

A service's tests subclass it to build their service (bootstrap, fakes, clock) and to add readers of
their own (an aggregate's status); the stories themselves stay in the tests.

Streams: with ``follow`` (the default) the scenario tells one aggregate's story — the first command's
stream becomes :attr:`Scenario.id`, and later commands and reads go to it unless told another. With
``follow=False`` every call names its stream (``None``: a command that creates one).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import pytest

from ztc_shared.application import CommandContext, CommandResult
from ztc_shared.application.commands import envelopes_of
from ztc_shared.domain import Aggregate, DomainError, Forbidden, NotFound
from ztc_shared.events import DomainEvent, EventEnvelope
from ztc_shared.events.registry import EVENTS, EventRegistry
from ztc_shared.eventstore.ports import EventStore

__all__ = ["REFUSALS", "Handle", "Refusal", "Scenario"]

Handle = Callable[[Any, CommandContext, str | None], Awaitable[CommandResult]]
"""A service's command entry: ``handle(command, context, stream_id)``."""

Refusal = DomainError | Forbidden | NotFound
REFUSALS = (DomainError, Forbidden, NotFound)

A = TypeVar("A", bound=Aggregate)


class Scenario:
    """Given, when, then against a service's handlers; see the module docstring."""

    def __init__(
        self,
        handle: Handle,
        store: EventStore,
        *,
        context: CommandContext | None = None,
        stream_id: str = "",
        follow: bool = True,
        now: datetime | None = None,
        registry: EventRegistry = EVENTS,
    ) -> None:
        """``context`` is who acts when a call names nobody; ``now`` dates :meth:`given` events."""
        self.handle = handle
        self.store = store
        self.context = context
        self.id = stream_id
        self.follow = follow
        self.now = now
        self.registry = registry

    # --- given ----------------------------------------------------------------------------------

    async def given(
        self,
        *events: DomainEvent,
        stream_id: str | None = None,
        context: CommandContext | None = None,
    ) -> list[EventEnvelope]:
        """The stream's past, written as one commit without running a command.

        For histories no command of this service can make (another deployment's, an old version's).
        Prior commands are given with :meth:`when`, which keeps the aggregate's rules in the story.
        """
        if not events:
            raise ValueError("given needs at least one event")
        stream = self._stream(stream_id)
        if stream is None:
            raise ValueError("given needs a stream: name one, or let a command make it first")
        who = self._context(context)
        at = self.now or datetime.now(UTC)
        loaded = await self.store.load(stream)
        envelopes = envelopes_of(events, stream, loaded.version, at, who)
        await self.store.append(
            stream_id=stream,
            stream_type=events[0].stream_type,
            expected_version=loaded.version,
            events=envelopes,
            committed_at=at,
        )
        self._follow(stream)
        return envelopes

    # --- when -----------------------------------------------------------------------------------

    async def run(
        self, command: Any, context: CommandContext | None = None, stream_id: str | None = None
    ) -> CommandResult:
        """Run the command and return the handler's result (its reply body, version, events)."""
        result = await self.handle(command, self._context(context), self._stream(stream_id))
        self._follow(result.stream_id)
        return result

    async def when(
        self, command: Any, context: CommandContext | None = None, stream_id: str | None = None
    ) -> list[str]:
        """The types of the events the command appended; none for a replayed or idle command.

        On a known stream this is what the stream gained (every commit the command made there); on
        a new one, what the command's commit holds.
        """
        target = self._stream(stream_id)
        before = (await self.store.load(target)).version if target else 0
        result = await self.run(command, context, stream_id)
        if target is None or result.stream_id != target:
            return [] if result.replayed else [e.event_type for e in result.events]
        return [e.event_type for e in (await self.store.load(target)).events[before:]]

    # --- then: a refusal ------------------------------------------------------------------------

    async def refused(
        self,
        command: Any,
        context: CommandContext | None = None,
        stream_id: str | None = None,
        *,
        error: type[Exception] | tuple[type[Exception], ...] = REFUSALS,
        code: str | None = None,
    ) -> Refusal:
        """Expect the command refused (``error``, and ``code`` when given) with nothing written.

        Nothing written: the stream has the events it had, and the store no commit more.
        """
        target = self._stream(stream_id)
        before = await self.types(target) if target else []
        commits = await self.store.count_unpublished()
        with pytest.raises(error) as raised:
            await self.handle(command, self._context(context), target)
        refusal = raised.value
        assert isinstance(refusal, REFUSALS), f"not a refusal: {refusal!r}"
        if code is not None:
            assert getattr(refusal, "code", None) == code, f"refused with {refusal!r}"
        if target:
            assert await self.types(target) == before, "a refused command wrote to its stream"
        assert await self.store.count_unpublished() == commits, "a refused command wrote"
        return refusal

    # --- reading the streams --------------------------------------------------------------------

    async def envelopes(self, stream_id: str | None = None) -> list[EventEnvelope]:
        """The stream's events as stored (the scenario's stream unless told another)."""
        return list((await self.store.load(self._read(stream_id))).events)

    async def types(self, stream_id: str | None = None) -> list[str]:
        """The stream's event types, oldest first."""
        return [e.event_type for e in await self.envelopes(stream_id)]

    async def payloads(self, stream_id: str | None = None) -> list[dict[str, Any]]:
        """The stream's payloads as stored (JSON-shaped dictionaries)."""
        return [e.payload for e in await self.envelopes(stream_id)]

    async def events(self, stream_id: str | None = None) -> list[DomainEvent]:
        """The stream's events as their models (upcast to the current versions)."""
        return [self.registry.payload(e) for e in await self.envelopes(stream_id)]

    async def last(self, stream_id: str | None = None) -> DomainEvent:
        """The stream's newest event as its model."""
        events = await self.events(stream_id)
        assert events, "the stream has no events"
        return events[-1]

    async def aggregate(self, aggregate_type: type[A], stream_id: str | None = None) -> A:
        """The aggregate as its events make it now."""
        stream = self._read(stream_id)
        return aggregate_type.rehydrate(stream, await self.events(stream))

    # --- helpers --------------------------------------------------------------------------------

    def _context(self, context: CommandContext | None) -> CommandContext:
        chosen = context or self.context
        if chosen is None:
            raise ValueError("no context: give one to the call or to the scenario")
        return chosen

    def _stream(self, stream_id: str | None) -> str | None:
        if stream_id is not None:
            return stream_id
        return (self.id or None) if self.follow else None

    def _read(self, stream_id: str | None) -> str:
        stream = stream_id or self.id
        if not stream:
            raise ValueError("which stream? name one, or let a command make the scenario's")
        return stream

    def _follow(self, stream_id: str) -> None:
        if self.follow and not self.id:
            self.id = stream_id
