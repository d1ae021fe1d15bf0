"""The health of the event streams: what each service's topic holds, how far each consumer group
is behind, how many messages went to dead-letter topics, and each relay's unpublished backlog."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from dashboard.application.views import SERVICES
from ztc_shared.kafka import dlq_topic, service_topic

BACKLOG = re.compile(r'^ztc_relay_backlog_commits\{service="([^"]+)"\}\s+([0-9.e+]+)$', re.M)


async def _end_offsets(consumer: AIOKafkaConsumer, topics: list[str]) -> dict[TopicPartition, int]:
    await consumer._client.force_metadata_update()
    partitions = [
        TopicPartition(t, p) for t in topics for p in (consumer.partitions_for_topic(t) or set())
    ]
    if not partitions:
        return {}
    ends: dict[TopicPartition, int] = await consumer.end_offsets(partitions)
    return ends


async def relay_backlog(urls: Mapping[str, str]) -> dict[str, int | None]:
    """Each service's relay backlog as its API's /metrics reports it (None: not answering)."""

    async def one(client: httpx.AsyncClient, service: str, url: str) -> int | None:
        try:
            response = await client.get(f"{url.rstrip('/')}/metrics", timeout=1.5)
        except httpx.HTTPError:
            return None
        for name, value in BACKLOG.findall(response.text):
            if name == service:
                return int(float(value))
        return None

    async with httpx.AsyncClient() as client:
        values = await asyncio.gather(*(one(client, s, u) for s, u in urls.items()))
    return dict(zip(urls, values, strict=True))


async def stream_health(
    bootstrap_servers: str, prefix: str, relay_urls: Mapping[str, str]
) -> dict[str, Any]:
    topics = {s: service_topic(s, prefix) for s in SERVICES}
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap_servers, enable_auto_commit=False)
    await admin.start()
    await consumer.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [t for t in [*topics.values(), *map(dlq_topic, topics.values())] if t in existing]
        ends = await _end_offsets(consumer, wanted)
        size: dict[str, int] = {}
        for tp, end in ends.items():
            size[tp.topic] = size.get(tp.topic, 0) + end
        groups: list[dict[str, Any]] = []
        for group in await admin.list_consumer_groups():
            group_id = str(group[0])
            if not group_id.startswith(f"{prefix}ztc-"):
                continue
            committed = await admin.list_consumer_group_offsets(group_id)
            lag_by_topic: dict[str, int] = {}
            for tp, meta in committed.items():
                if tp not in ends or tp.topic.endswith(".dlq"):
                    continue
                position = meta.offset if meta.offset >= 0 else 0
                lag_by_topic[tp.topic] = lag_by_topic.get(tp.topic, 0) + max(0, ends[tp] - position)
            for topic, lag in sorted(lag_by_topic.items()):
                groups.append({"group": group_id, "topic": topic, "lag": lag})
    finally:
        await consumer.stop()
        await admin.close()
    backlog = await relay_backlog(relay_urls)
    return {
        "services": [
            {
                "service": service,
                "topic": topic,
                "events": size.get(topic, 0),
                "dead_letters": size.get(dlq_topic(topic), 0),
                "relay_backlog": backlog.get(service),
                "max_consumer_lag": max(
                    [int(g["lag"]) for g in groups if g["topic"] == topic], default=0
                ),
            }
            for service, topic in topics.items()
        ],
        "consumers": groups,
    }
