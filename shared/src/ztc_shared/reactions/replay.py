"""A reaction's dead letters, listed and replayed (``<service>-worker dead-letters <reaction>``).

A reaction dead-letters an event its service refused (ADR 15): a shortlist for a roadshow whose
registration had not opened, say. Once the cause is mended, the operator replays the letters: each
is handed to the reaction again, exactly as the worker would, under the same idempotency key
(``reaction:<name>:<event id>``) — so a letter whose command has since been applied (by an earlier
replay, or by hand under that key) is answered from its record, and replaying twice never applies
twice. What is refused again is reported with its reason; it is not dead-lettered a second time
(the dead-letter topic keeps every letter already, and replaying must not grow it).

Letters are read from ``<topic>.dlq`` of each topic the reaction follows, from the beginning to the
end as it stands when the command starts, keeping those the reaction wrote (header
``dlq_projection: reaction.<name>``), in the order they were written per partition.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ztc_shared.events import EVENTS, EventRegistry
from ztc_shared.events.codec import decode_event
from ztc_shared.kafka import dlq_topic
from ztc_shared.kafka.reading import read_to_end
from ztc_shared.reactions.runner import ReactionDefinition, ReactionRunner
from ztc_shared.workers.messages import Message


@dataclass(frozen=True)
class DeadLetterEntry:
    """One letter: where the event came from, why it was refused, and the event as sent."""

    source_topic: str
    source_partition: int
    source_offset: int
    reason: str
    message: Message
    event_type: str | None
    event_id: str | None
    stream_id: str | None

    def describe(self) -> str:
        what = f"{self.event_type} {self.stream_id} ({self.event_id})" if self.event_type else "?"
        origin = f"{self.source_topic}[{self.source_partition}]@{self.source_offset}"
        return f"{origin} {what}: {self.reason}"


@dataclass
class ReplayReport:
    letters: int = 0
    applied: list[DeadLetterEntry] = field(default_factory=list)
    refused: list[tuple[DeadLetterEntry, str]] = field(default_factory=list)


def _header(headers: Sequence[tuple[str, bytes]] | None, name: str) -> str:
    for key, value in headers or ():
        if key == name:
            return value.decode("utf-8", errors="replace")
    return ""


async def dead_letters(
    bootstrap_servers: str,
    definition: ReactionDefinition,
    *,
    registry: EventRegistry = EVENTS,
) -> list[DeadLetterEntry]:
    """Every letter the reaction wrote, up to the dead-letter topics' ends as they stand now."""
    wanted = f"reaction.{definition.name}"
    found: list[DeadLetterEntry] = []
    dead_letter_topics = [dlq_topic(topic) for topic in definition.topics]
    async for record in read_to_end(bootstrap_servers, dead_letter_topics, batch=500):
        headers = list(record.headers or ())
        if _header(headers, "dlq_projection") == wanted:
            found.append(_entry(record, headers, registry))
    return found


def _entry(
    record: Any, headers: list[tuple[str, bytes]], registry: EventRegistry
) -> DeadLetterEntry:
    source_topic = _header(headers, "dlq_source_topic")
    partition = int(_header(headers, "dlq_source_partition") or -1)
    offset = int(_header(headers, "dlq_source_offset") or -1)
    message = Message(
        topic=source_topic,
        partition=partition,
        offset=offset,
        key=record.key,
        value=record.value or b"",
        timestamp_ms=None,
    )
    event_type: str | None = None
    event_id: str | None = None
    stream_id: str | None = None
    try:
        event = decode_event(message.value, registry)
        event_type, event_id, stream_id = event.event_type, str(event.event_id), event.stream_id
    except Exception:  # noqa: BLE001, S110 - an undecodable letter is listed as it is
        pass
    return DeadLetterEntry(
        source_topic=source_topic,
        source_partition=partition,
        source_offset=offset,
        reason=_header(headers, "dlq_reason"),
        message=message,
        event_type=event_type,
        event_id=event_id,
        stream_id=stream_id,
    )


async def replay_dead_letters(
    runner: ReactionRunner,
    letters: Sequence[DeadLetterEntry],
    *,
    progress: Callable[[str], None] = lambda line: None,
) -> ReplayReport:
    """Hand each letter to the reaction again, in order; a transient failure (the database away)
    is raised — run the command again, what was applied is answered from its records."""
    report = ReplayReport(letters=len(letters))
    for number, letter in enumerate(letters, start=1):
        outcome = await runner.handle([letter.message])
        if outcome.dead_letters:
            reason = outcome.dead_letters[0].reason
            report.refused.append((letter, reason))
            progress(f"[{number}/{len(letters)}] refused again: {letter.describe()} → {reason}")
        else:
            report.applied.append(letter)
            progress(f"[{number}/{len(letters)}] applied: {letter.describe()}")
    return report
