"""Topic names and creation: one topic per producing service, keyed by stream id, kept forever."""

from __future__ import annotations

from collections.abc import Iterable

import structlog
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
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
    """Create missing topics with infinite retention; existing ones are left as they are."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in topics if t not in existing]
        if not missing:
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
