"""Running a service's relay process: wiring, topics, signals.

The service names its outbox (``outbox``, from its composition root); the process opens the
database, the lease and the producer around it.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import structlog
from pymongo.asynchronous.database import AsyncDatabase

from ztc_shared import failpoints
from ztc_shared.clock import SystemClock
from ztc_shared.eventstore.mongo import LEASES, prepare_event_store
from ztc_shared.eventstore.ports import Outbox
from ztc_shared.kafka import KafkaEventPublisher, dlq_topic, ensure_topics, service_topic
from ztc_shared.mongo import make_client
from ztc_shared.observability.logging import configure_logging
from ztc_shared.relay.lease import MongoLease
from ztc_shared.relay.relay import OutboxRelay
from ztc_shared.relay.wake import Doorbell
from ztc_shared.settings import ServiceSettings

log = structlog.get_logger()


OutboxOf = Callable[[AsyncDatabase[dict[str, Any]]], Outbox]


async def serve_relay(settings: ServiceSettings, outbox: OutboxOf) -> None:
    """Publish the commits of ``outbox`` (on the service's database) until SIGTERM or SIGINT."""
    failpoints.configure(settings.failpoints)
    client = make_client(settings.mongodb_uri)
    database = client[settings.database]
    await prepare_event_store(database)
    store = outbox(database)
    topic = service_topic(settings.service, settings.topic_prefix)
    await ensure_topics(
        settings.kafka_bootstrap_servers,
        [topic, dlq_topic(topic)],
        partitions=settings.kafka_partitions,
        replication_factor=settings.kafka_replication_factor,
    )
    publisher = KafkaEventPublisher(
        settings.kafka_bootstrap_servers, client_id=f"ztc-{settings.service}-relay"
    )
    await publisher.start()
    owner = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    doorbell = Doorbell()
    wake = await doorbell.open(settings.relay_wake_host, settings.relay_wake_advertised or None)
    lease = MongoLease(
        database[LEASES],
        "relay",
        owner,
        ttl=timedelta(seconds=settings.relay_lease_seconds),
        clock=SystemClock(),
        details={"wake": wake},
    )
    relay = OutboxRelay(
        store,
        publisher,
        lease,
        topic=topic,
        service=settings.service,
        batch_size=settings.relay_batch_size,
        poll_interval=timedelta(milliseconds=settings.relay_poll_ms),
        idle_poll=timedelta(milliseconds=settings.relay_idle_poll_ms),
        doorbell=doorbell,
    )
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, relay.stop)
    try:
        await relay.run()
    finally:
        doorbell.close()
        await publisher.stop()
        await client.close()


def main(settings: ServiceSettings, outbox: OutboxOf) -> None:
    """The relay process of a service: its settings, and its outbox on a database."""
    configure_logging(settings.service, settings.region, settings.log_level, json=settings.log_json)
    asyncio.run(serve_relay(settings, outbox))
