"""Topic names and creation: one topic per producing service, keyed by stream id, kept forever."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

import structlog
from aiokafka import TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.client import AIOKafkaClient
from aiokafka.errors import TopicAlreadyExistsError

log = structlog.get_logger()


def service_topic(service: str, prefix: str = "") -> str:
    """``ztc.<service>.events``, after an optional prefix that isolates test runs or tenants."""
    return f"{prefix}ztc.{service}.events"


def dlq_topic(topic: str) -> str:
    return f"{topic}.dlq"


async def ensure_topics(
    bootstrap_servers: str,
    topics: Iterable[str],
    *,
    partitions: int,
    replication_factor: int = 1,
) -> None:
    """Create missing topics with infinite retention; existing ones are left as they are. Returns
    once every partition of every topic has a leader: a consumer subscribing right after sees
    them (faust ignores a topic missing from its first metadata, for good)."""
    wanted = list(topics)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in wanted if t not in existing]
        if not missing:
            await _until_led(bootstrap_servers, wanted)
            return
        new = [
            NewTopic(
                name=topic,
                num_partitions=partitions,
                replication_factor=replication_factor,
                topic_configs={"retention.ms": "-1", "retention.bytes": "-1"},
            )
            for topic in missing
        ]
        try:
            await admin.create_topics(new)
        except TopicAlreadyExistsError:
            pass  # another process created it between the listing and now
        log.info("kafka.topics_created", topics=missing, partitions=partitions)
    finally:
        await admin.close()
    await _until_led(bootstrap_servers, wanted)


LEADERS_TIMEOUT_S = 60.0


async def _until_led(bootstrap_servers: str, topics: list[str]) -> None:
    """Wait until the cluster's metadata shows every partition of ``topics`` with a leader."""
    client = AIOKafkaClient(bootstrap_servers=bootstrap_servers)
    await client.bootstrap()
    waiting = list(topics)
    try:
        async with asyncio.timeout(LEADERS_TIMEOUT_S):
            while True:
                metadata = await client.fetch_all_metadata()
                waiting = [t for t in topics if not _led(metadata, t)]
                if not waiting:
                    return
                await asyncio.sleep(0.2)
    except TimeoutError:
        raise TimeoutError(
            f"topics without leaders after {LEADERS_TIMEOUT_S:g}s: {waiting}"
        ) from None
    finally:
        await client.close()


def _led(metadata: Any, topic: str) -> bool:
    partitions = metadata.partitions_for_topic(topic)
    return bool(partitions) and all(
        metadata.leader_for_partition(TopicPartition(topic, p)) is not None for p in partitions
    )
