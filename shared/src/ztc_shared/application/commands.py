"""How every command runs: idempotency check, load, decide, append.

The command bus (``ztc_shared.application.bus``) calls ``execute`` with the aggregate class and a
function that calls one method of the aggregate (``decide``; it may be ``async`` when the decision
needs something looked up about the state it is given). Nothing is written unless the aggregate
recorded events; a retried command with the same ``Idempotency-Key`` returns the first result and
appends nothing.

A store may answer ``load`` from its cache (``LoadedStream.from_cache``), and a command that creates a
stream under a fresh id reads nothing at all (``new_stream``). Such a state can be behind; then the
append conflicts or the aggregate refuses, and the command runs once more on a fresh load, whose
outcome stands.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from ztc_shared.clock import Clock
from ztc_shared.domain.aggregate import Aggregate
from ztc_shared.domain.errors import DomainError, NotFound, StateConflict
from ztc_shared.events.envelope import DomainEvent, EventEnvelope, new_envelope
from ztc_shared.events.registry import EVENTS, EventRegistry
from ztc_shared.eventstore.ports import (
    CommandStore,
    Commit,
    ConcurrencyConflict,
    IdempotencyKeyReused,
    LoadedStream,
)

A = TypeVar("A", bound=Aggregate)

# What decides on the loaded aggregate: one call of one of its methods (awaited when async).
Decide = Callable[[A], Awaitable[None] | None]

_ONE_MS = timedelta(milliseconds=1)


@dataclass(frozen=True)
class CommandContext:
    """Who asks, where, and how to recognise a retry."""

    actor: str
    region: str
    correlation_id: str
    causation_id: str | None = None
    # Who the actor is, for rules that need the aggregate (a holder acts only on their own):
    role: str | None = None
    organisation: str | None = None  # the id of the actor's organisation (the token's ``org``)
    actor_region: str | None = None
    idempotency_key: str | None = None
    request_fingerprint: str | None = None


@dataclass(frozen=True)
class CommandResult:
    stream_id: str
    stream_version: int
    events: tuple[EventEnvelope, ...]
    body: dict[str, Any]
    replayed: bool = False


def envelopes_of(
    events: Sequence[DomainEvent],
    stream_id: str,
    after_version: int,
    occurred_at: datetime,
    context: CommandContext,
) -> list[EventEnvelope]:
    """``events`` as the next envelopes of ``stream_id`` (versions after ``after_version``), with
    the context's region, actor and correlation."""
    return [
        new_envelope(
            event,
            stream_id=stream_id,
            stream_version=after_version + index,
            occurred_at=occurred_at,
            region=context.region,
            actor=context.actor,
            correlation_id=context.correlation_id,
            causation_id=context.causation_id,
        )
        for index, event in enumerate(events, start=1)
    ]


def _truncate_ms(moment: datetime) -> datetime:
    # BSON datetimes keep milliseconds; commit times are compared after a round trip.
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def _result(commit: Commit, replayed: bool) -> CommandResult:
    body = commit.result or {"id": commit.stream_id, "stream_version": commit.last_version}
    return CommandResult(
        stream_id=commit.stream_id,
        stream_version=commit.last_version,
        events=commit.events,
        body=body,
        replayed=replayed,
    )


async def execute(
    store: CommandStore,
    aggregate_type: type[A],
    stream_id: str,
    context: CommandContext,
    decide: Decide[A],
    *,
    command: str,
    clock: Clock,
    must_exist: bool = True,
    new_stream: bool = False,
    registry: EventRegistry = EVENTS,
    body: Callable[[A, int], dict[str, Any]] | None = None,
) -> CommandResult:
    """Run one command against one aggregate and append what it decided, atomically.

    ``command`` is the idempotency scope (``<service>:<CommandType>``, see ``idempotency_scope``);
    with the actor it scopes the ``Idempotency-Key``. ``body`` builds
    the reply from the aggregate and its new version; it is stored with the commit so that a retry
    returns exactly the first reply. ``new_stream`` says ``stream_id`` was just made up (a fresh
    UUID), so there is nothing to load.
    """
    idempotency = None
    if context.idempotency_key:
        idempotency = f"{command}|{context.actor}|{context.idempotency_key}"
        earlier = await store.find_by_idempotency(idempotency)
        if earlier is not None:
            return _replay(earlier, context)

    if new_stream:
        loaded = LoadedStream(stream_id=stream_id, from_cache=True)
    else:
        loaded = await store.load(stream_id)
    attempt = _Attempt(
        aggregate_type, context, decide, idempotency, clock, must_exist, registry, body
    )
    try:
        try:
            return await attempt.run(store, loaded)
        except (ConcurrencyConflict, DomainError, NotFound):
            if not loaded.from_cache:
                raise
        return await attempt.run(store, await store.load(stream_id, fresh=True))
    except (ConcurrencyConflict, DomainError, NotFound):
        if idempotency is not None:
            # Applied already by a request whose reply and idempotency record a crash lost: the
            # stream's state now refuses it ("already submitted"), so look for its commit the
            # slow way before refusing the retry.
            earlier = await store.find_by_idempotency(idempotency, thorough=True)
            if earlier is not None:
                return _replay(earlier, context)
        raise


@dataclass(frozen=True)
class _Attempt:
    """Decide on a loaded state and append the outcome."""

    aggregate_type: type[Aggregate]
    context: CommandContext
    decide: Decide[Any]
    idempotency: str | None
    clock: Clock
    must_exist: bool
    registry: EventRegistry
    body: Callable[[Any, int], dict[str, Any]] | None

    async def run(self, store: CommandStore, loaded: LoadedStream) -> CommandResult:
        aggregate_type, context, body = self.aggregate_type, self.context, self.body
        stream_id = loaded.stream_id
        if self.must_exist and loaded.version == 0:
            raise NotFound(aggregate_type.stream_type, stream_id)
        aggregate = aggregate_type.rehydrate(
            stream_id, [self.registry.payload(e) for e in loaded.events]
        )
        try:
            decided = self.decide(aggregate)
            if inspect.isawaitable(decided):
                await decided
        except StateConflict as conflict:
            conflict.actual_version = loaded.version
            raise
        pending = aggregate.pending_events()
        if not pending:
            reply = body(aggregate, loaded.version) if body else None
            return CommandResult(
                stream_id=stream_id,
                stream_version=loaded.version,
                events=(),
                body=reply or {"id": stream_id, "stream_version": loaded.version},
            )

        now = self.clock.now()
        committed_at = _truncate_ms(now)
        if loaded.last_committed_at is not None and committed_at <= loaded.last_committed_at:
            # Keep commit times increasing within a stream even across hosts whose clocks differ,
            # so the relay's time order is always the stream's version order.
            committed_at = loaded.last_committed_at + _ONE_MS
        envelopes = envelopes_of(pending, stream_id, loaded.version, now, context)
        last_version = loaded.version + len(envelopes)
        reply = body(aggregate, last_version) if body else None
        commit = await store.append(
            stream_id=stream_id,
            stream_type=aggregate_type.stream_type,
            expected_version=loaded.version,
            events=envelopes,
            committed_at=committed_at,
            idempotency=self.idempotency,
            request_fingerprint=context.request_fingerprint,
            result=reply or {"id": stream_id, "stream_version": last_version},
        )
        if commit.events[0].event_id != envelopes[0].event_id:
            # A concurrent retry with the same key won the race; answer with its result.
            return _replay(commit, context)
        return _result(commit, replayed=False)


def _replay(commit: Commit, context: CommandContext) -> CommandResult:
    if (
        commit.request_fingerprint is not None
        and context.request_fingerprint is not None
        and commit.request_fingerprint != context.request_fingerprint
    ):
        raise IdempotencyKeyReused(context.idempotency_key or "")
    return _result(commit, replayed=True)
