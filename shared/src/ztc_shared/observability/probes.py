"""Checks of the real dependencies, for ``/readyz`` and ``/metrics``."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from ztc_shared.observability import metrics


class KafkaProbe:
    """A long-lived admin client and group-less consumer: readiness, end offsets and lag."""

    def __init__(self, bootstrap_servers: str) -> None:
        self._bootstrap = bootstrap_servers
        self._admin: AIOKafkaAdminClient | None = None
        self._consumer: AIOKafkaConsumer | None = None
        self._lock = asyncio.Lock()

    async def _clients(self) -> tuple[AIOKafkaAdminClient, AIOKafkaConsumer]:
        async with self._lock:
            if self._admin is None:
                admin = AIOKafkaAdminClient(bootstrap_servers=self._bootstrap)
                await admin.start()
                self._admin = admin
            if self._consumer is None:
                consumer = AIOKafkaConsumer(
                    bootstrap_servers=self._bootstrap, enable_auto_commit=False
                )
                await consumer.start()
                self._consumer = consumer
            return self._admin, self._consumer

    async def ready(self) -> None:
        admin, _ = await self._clients()
        await admin.describe_cluster()

    async def consumer_lag(
        self, group_id: str, topics: Iterable[str]
    ) -> dict[tuple[str, int], int]:
        """Messages each partition holds beyond the group's committed offset."""
        admin, consumer = await self._clients()
        partitions = []
        for topic in topics:
            for partition in consumer.partitions_for_topic(topic) or await self._fetch(
                consumer, topic
            ):
                partitions.append(TopicPartition(topic, partition))
        if not partitions:
            return {}
        ends = await consumer.end_offsets(partitions)
        committed = await admin.list_consumer_group_offsets(group_id, partitions=partitions)
        lag: dict[tuple[str, int], int] = {}
        for tp in partitions:
            meta = committed.get(tp)
            position = meta.offset if meta is not None and meta.offset >= 0 else 0
            lag[(tp.topic, tp.partition)] = max(0, ends[tp] - position)
            metrics.CONSUMER_LAG.labels(group_id, tp.topic, str(tp.partition)).set(
                lag[(tp.topic, tp.partition)]
            )
        return lag

    async def _fetch(self, consumer: AIOKafkaConsumer, topic: str) -> set[int]:
        await consumer._client.force_metadata_update()
        return consumer.partitions_for_topic(topic) or set()

    async def close(self) -> None:
        if self._consumer is not None:
            await self._consumer.stop()
        if self._admin is not None:
            await self._admin.close()
