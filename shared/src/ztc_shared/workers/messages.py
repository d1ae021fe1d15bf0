"""What every consumer of the topics handles: a Kafka record, and one it could not handle.

Projections and reactions both read ``Message``s and turn the ones they cannot handle into
``DeadLetter``s, which a sink sends to ``<topic>.dlq`` with the reason. Both packages import this
module; neither imports the other.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from aiokafka import AIOKafkaProducer

from ztc_shared.kafka.topics import dlq_topic


@dataclass(frozen=True)
class Message:
    """A Kafka record as the runner sees it, whoever consumed it."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    timestamp_ms: int | None = None


@dataclass(frozen=True)
class DeadLetter:
    message: Message
    reason: str


class DeadLetterSink(Protocol):
    async def send(self, letters: Sequence[DeadLetter]) -> None: ...


class KafkaDeadLetterSink:
    """Sends each dead letter to ``<its topic>.dlq`` with the reason and its origin in headers."""

    def __init__(self, bootstrap_servers: str, projection: str) -> None:
        self._bootstrap = bootstrap_servers
        self._projection = projection
        self._producer: AIOKafkaProducer | None = None

    async def send(self, letters: Sequence[DeadLetter]) -> None:
        if self._producer is None:
            producer = AIOKafkaProducer(
                bootstrap_servers=self._bootstrap, enable_idempotence=True, acks="all"
            )
            await producer.start()
            self._producer = producer
        futures = []
        for letter in letters:
            message = letter.message
            headers = [
                ("dlq_reason", letter.reason.encode("utf-8")[:4000]),
                ("dlq_projection", self._projection.encode()),
                ("dlq_source_topic", message.topic.encode()),
                ("dlq_source_partition", str(message.partition).encode()),
                ("dlq_source_offset", str(message.offset).encode()),
            ]
            futures.append(
                await self._producer.send(
                    dlq_topic(message.topic), value=message.value, key=message.key, headers=headers
                )
            )
        await asyncio.gather(*futures)

    async def stop(self) -> None:
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None


class CollectingDeadLetterSink:
    """Keeps dead letters in a list (unit tests; rebuilds, whose letters were sent live already)."""

    def __init__(self) -> None:
        self.letters: list[DeadLetter] = []

    async def send(self, letters: Sequence[DeadLetter]) -> None:
        self.letters.extend(letters)
