"""A delivery's transitions as events: queued, delivered, finally failed, queued again.

Each delivery has a stream of its own (``delivery-<ledger key>``) in notify's event store, relayed
to ``ztc.notify.events`` from the outbox like notices. Every transition has a fixed place in that
stream — round ``r`` (the number of operator retries) holds ``NotificationQueued`` at version
``2r + 1`` and its outcome at ``2r + 2`` — so appending a transition twice (a redelivered batch, a
resend after a crash) stores it once: the second append collides on the commit's ``_id`` and the
event stored first is the answer. The event is written before the ledger records the transition,
so a crash between the two finds the event there next time and the ledger follows it (ADR 10).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

import structlog

from notify.domain.deliveries import Delivery, public_reason
from ztc_shared.contracts.notify import (
    NotificationChannel,
    NotificationDelivered,
    NotificationFailed,
    NotificationQueued,
    notification_stream_id,
    outcome_version,
    queued_version,
)
from ztc_shared.events import DomainEvent, EventEnvelope, new_envelope
from ztc_shared.eventstore import CommandStore, ConcurrencyConflict

log = structlog.get_logger()

# The actor of what notify's worker records on its own.
ACTOR = "notify-dispatch"
FALLBACK_REGION = "100000"


class StreamOutOfStep(RuntimeError):
    """A transition's place is not next in its stream (an earlier one is missing)."""


class DeliveryEvents:
    def __init__(self, store: CommandStore, actor: str = ACTOR) -> None:
        self._store = store
        self._actor = actor

    async def queued(self, deliveries: Sequence[Delivery], now: datetime) -> list[Delivery]:
        """Append ``NotificationQueued`` for newly planned deliveries, all at once (the store
        writes concurrent appends together); the deliveries marked as published, to be stored."""
        marked = [_published(d) for d in deliveries]
        await asyncio.gather(
            *(
                self._append(
                    delivery,
                    queued_version(0),
                    _queued(delivery, 0, None),
                    now,
                    self._actor,
                )
                for delivery in marked
            )
        )
        return marked

    async def requeued(self, delivery: Delivery, now: datetime, actor: str) -> EventEnvelope | None:
        """An operator sends a dead delivery again: ``NotificationQueued`` of the next round,
        following the round's ``NotificationFailed``. Before the ledger is changed, so a crash in
        between leaves the delivery dead with the event there; sending it again stores nothing new.
        ``None`` for a delivery whose transitions are not published."""
        if not delivery.events:
            return None
        retry = delivery.operator_retries + 1
        stream = await self._store.load(notification_stream_id(delivery.key), fresh=True)
        if stream.version >= queued_version(retry):
            return stream.events[queued_version(retry) - 1]  # queued already (before a crash)
        if stream.version != outcome_version(delivery.operator_retries):
            # Never leave a gap: a dead delivery's round ends with its NotificationFailed.
            raise StreamOutOfStep(
                f"{stream.stream_id} is at version {stream.version}, "
                f"not at the outcome of round {delivery.operator_retries}"
            )
        failed = stream.events[-1]
        event = _queued(delivery, retry, str(failed.event_id))
        return await self._append(delivery, queued_version(retry), event, now, actor)

    async def outcome(self, delivery: Delivery) -> EventEnvelope | None:
        """The outcome of the delivery's current round, if one is recorded (read afresh)."""
        if not delivery.events:
            return None
        stream = await self._store.load(notification_stream_id(delivery.key), fresh=True)
        place = outcome_version(delivery.operator_retries)
        return stream.events[place - 1] if stream.version >= place else None

    async def delivered(self, delivery: Delivery, now: datetime) -> EventEnvelope:
        """Record the round delivered; the outcome stored (another's, if one came first)."""
        event = NotificationDelivered(
            delivery_key=delivery.key,
            channel=NotificationChannel(delivery.channel.value),
            attempts=max(1, delivery.attempts),
            delivered_at=now,
            retry=delivery.operator_retries,
        )
        return await self._append(
            delivery, outcome_version(delivery.operator_retries), event, now, self._actor
        )

    async def failed(self, delivery: Delivery, reason: str, now: datetime) -> EventEnvelope:
        """Record the round failed for good; the outcome stored (another's, if one came first)."""
        code, message = public_reason(reason)
        event = NotificationFailed(
            delivery_key=delivery.key,
            channel=NotificationChannel(delivery.channel.value),
            attempts=max(1, delivery.attempts),
            reason_code=code[:48],
            reason=message,
            final=True,
            retry=delivery.operator_retries,
        )
        return await self._append(
            delivery, outcome_version(delivery.operator_retries), event, now, self._actor
        )

    async def _append(
        self, delivery: Delivery, version: int, event: DomainEvent, now: datetime, actor: str
    ) -> EventEnvelope:
        stream_id = notification_stream_id(delivery.key)
        envelope = new_envelope(
            event,
            stream_id=stream_id,
            stream_version=version,
            occurred_at=now,
            region=delivery.region or FALLBACK_REGION,
            actor=actor,
            correlation_id=delivery.correlation_id or delivery.event_id,
            causation_id=delivery.event_id,
            event_id=uuid.uuid4(),
        )
        try:
            await self._store.append(
                stream_id=stream_id,
                stream_type=event.stream_type,
                expected_version=version - 1,
                events=[envelope],
                committed_at=now,
            )
            return envelope
        except ConcurrencyConflict:
            # Its place is taken: the same transition stored before (a repeat), or the other
            # outcome of the round, which then stands.
            stream = await self._store.load(stream_id, fresh=True)
            if stream.version < version:
                raise StreamOutOfStep(
                    f"{stream_id} is at version {stream.version}, {version} is not next"
                ) from None
            stored = stream.events[version - 1]
            if stored.event_type != envelope.event_type:
                log.warning(
                    "notify.outcome_recorded_otherwise",
                    key=delivery.key,
                    wanted=envelope.event_type,
                    recorded=stored.event_type,
                )
            return stored


def _published(delivery: Delivery) -> Delivery:
    return delivery if delivery.events else replace(delivery, events=True)


def _queued(delivery: Delivery, retry: int, retry_of: str | None) -> NotificationQueued:
    return NotificationQueued(
        delivery_key=delivery.key,
        recipient=delivery.recipient,
        channel=NotificationChannel(delivery.channel.value),
        template=delivery.template,
        topic=delivery.topic,
        cause_event_id=delivery.event_id,
        cause_event_type=delivery.event_type,
        essential=delivery.essential,
        notice_id=delivery.notice_id,
        retry=retry,
        retry_of=retry_of,
    )
