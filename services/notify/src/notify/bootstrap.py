"""Notify's composition root: the command bus, the stores and the channels.

``bootstrap`` builds the command bus (publishing a notice, reading one). Adapters not given are
built on the service's MongoDB database; unit tests give fakes instead.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
from pymongo.asynchronous.database import AsyncDatabase

from notify.adapters.channels import EmailSender, SmsSender, WebhookSender, WeComSender
from notify.adapters.mongo.directory import MongoDirectory
from notify.adapters.mongo.inbox import MongoInbox
from notify.adapters.mongo.ledger import MongoLedger
from notify.application.dispatch import Dispatcher, InboxSender, TokenBucket
from notify.application.handlers import SERVICE, Ports, publish_notice, read_notice
from notify.application.ports import Sender
from notify.application.publishing import DeliveryEvents
from notify.config import NotifySettings
from notify.domain.commands import PublishNotice, ReadNotice
from notify.domain.deliveries import RetryPolicy
from notify.domain.recipients import Channel
from ztc_shared.application import CommandBus
from ztc_shared.clock import Clock, SystemClock
from ztc_shared.contracts import notify as notify_contracts
from ztc_shared.eventstore import CommandStore, Outbox
from ztc_shared.eventstore.mongo import MongoEventStore
from ztc_shared.kafka import service_topic
from ztc_shared.mongo import database_of

# Every service's events reach notify (ARCHITECTURE: notify consumes everything).
SOURCES = ("intake", "screening", "roadshow", "tracking", "notify")


def source_topics(settings: NotifySettings) -> tuple[str, ...]:
    return tuple(service_topic(s, settings.topic_prefix) for s in SOURCES)


# The service as its entrypoints see it: send a command, get its result.
Notify = CommandBus[Ports]


def bootstrap(
    settings: NotifySettings,
    *,
    database: AsyncDatabase[dict[str, Any]] | None = None,
    store: CommandStore | None = None,
    clock: Clock | None = None,
) -> Notify:
    """Notify's commands on its ports: ``store`` defaults to the MongoDB event store on
    ``database`` (the settings' database when none is given)."""
    assert service_topic(SERVICE) == notify_contracts.TOPIC
    if store is None:
        store = MongoEventStore(database if database is not None else database_of(settings))
    clock = clock or SystemClock()
    bus = CommandBus(SERVICE, Ports(store=store, clock=clock), store=store, clock=clock)
    bus.on(PublishNotice, publish_notice)
    bus.on(ReadNotice, read_notice)
    return bus


def outbox(database: AsyncDatabase[dict[str, Any]]) -> Outbox:
    """What the relay publishes from: the commits in notify's database."""
    return MongoEventStore(database)


def delivery_events_on(database: AsyncDatabase[dict[str, Any]]) -> DeliveryEvents:
    """Each delivery's events, appended to notify's event store."""
    return DeliveryEvents(MongoEventStore(database))


def senders(
    settings: NotifySettings,
    database: AsyncDatabase[dict[str, Any]],
    client: httpx.AsyncClient,
    clock: Clock,
) -> dict[Channel, Sender]:
    directory = MongoDirectory(database)
    channels: dict[Channel, Sender] = {
        Channel.INBOX: InboxSender(MongoInbox(database), clock),
        Channel.EMAIL: EmailSender(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.mail_from,
            domain=settings.mail_domain,
            username=settings.smtp_username,
            password=settings.smtp_password,
            start_tls=settings.smtp_start_tls,
            timeout=settings.send_timeout_seconds,
        ),
        Channel.WEBHOOK: WebhookSender(client, directory),
        Channel.WECOM: WeComSender(client),
    }
    if settings.sms_provider_url:
        channels[Channel.SMS] = SmsSender(
            client,
            url=settings.sms_provider_url,
            api_key=settings.sms_api_key,
            signature=settings.sms_signature,
        )
    return channels


def dispatcher(
    settings: NotifySettings,
    database: AsyncDatabase[dict[str, Any]],
    client: httpx.AsyncClient,
    clock: Clock | None = None,
    events: DeliveryEvents | None = None,
) -> Dispatcher:
    clock = clock or SystemClock()
    rates = {
        Channel.EMAIL: settings.email_rate,
        Channel.WEBHOOK: settings.webhook_rate,
        Channel.WECOM: settings.wecom_rate,
        Channel.SMS: settings.sms_rate,
    }
    return Dispatcher(
        MongoLedger(database),
        senders(settings, database, client, clock),
        owner=f"notify-{uuid.uuid4().hex[:12]}",
        clock=clock,
        lease=timedelta(seconds=settings.delivery_lease_seconds),
        policy=RetryPolicy(
            max_attempts=settings.delivery_max_attempts,
            first_delay=timedelta(seconds=settings.delivery_first_retry_seconds),
        ),
        limits={c: TokenBucket(rate, burst=max(1, int(rate))) for c, rate in rates.items()},
        events=events,
    )
