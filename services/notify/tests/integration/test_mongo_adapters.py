"""Notify's MongoDB adapters keep the same contracts as the in-memory fakes, on the real server."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from notify.adapters.mongo.directory import CONTACTS, MongoDirectory
from notify.adapters.mongo.inbox import MongoInbox
from notify.adapters.mongo.ledger import DELIVERIES, MongoLedger
from notify.application.publishing import DeliveryEvents
from notify.domain.deliveries import Status
from notify.domain.recipients import Channel, Contact
from notify.testing.contracts import (
    T0,
    delivery,
    directory_contract,
    inbox_contract,
    ledger_as_of_contract,
    ledger_contract,
)
from ztc_shared.contracts.notify import notification_stream_id
from ztc_shared.eventstore.mongo import COMMITS, MongoEventStore

pytestmark = pytest.mark.integration


def _database(client: AsyncMongoClient[dict[str, Any]], run_id: str) -> Any:
    return client[f"{run_id}_notify_{uuid.uuid4().hex[:6]}"]


async def test_the_mongo_ledger_keeps_the_ledger_contract(
    mongo_client: AsyncMongoClient[dict[str, Any]], run_id: str
) -> None:
    async def make() -> MongoLedger:
        ledger = MongoLedger(_database(mongo_client, run_id))
        await ledger.ensure_indexes()
        return ledger

    await ledger_contract(make)


async def test_the_mongo_directory_keeps_the_directory_contract(
    mongo_client: AsyncMongoClient[dict[str, Any]], run_id: str
) -> None:
    async def make(contacts: list[Contact], secrets: dict[str, str]) -> MongoDirectory:
        directory = MongoDirectory(_database(mongo_client, run_id))
        await directory.ensure_indexes()
        for contact in contacts:
            fields: dict[str, Any] = {
                "name": contact.name,
                "role": contact.role,
                "region": contact.region,
                "email": contact.email,
                "locale": contact.locale.value,
                "channels": sorted(c.value for c in contact.channels),
            }
            if contact.recipient_id in secrets:
                fields["webhook_secret"] = secrets[contact.recipient_id]
            await directory.upsert(contact.recipient_id, fields, T0)
        return directory

    await directory_contract(make)


async def test_the_mongo_ledger_keeps_the_as_of_contract(
    mongo_client: AsyncMongoClient[dict[str, Any]], run_id: str
) -> None:
    async def make() -> MongoLedger:
        ledger = MongoLedger(_database(mongo_client, run_id))
        await ledger.ensure_indexes()
        return ledger

    await ledger_as_of_contract(make)


async def test_the_mongo_inbox_keeps_the_inbox_contract(
    mongo_client: AsyncMongoClient[dict[str, Any]], run_id: str
) -> None:
    async def make() -> MongoInbox:
        inbox = MongoInbox(_database(mongo_client, run_id))
        await inbox.ensure_indexes()
        return inbox

    await inbox_contract(make)


async def test_an_item_marked_read_by_many_at_once_keeps_one_read_time(
    mongo_client: AsyncMongoClient[dict[str, Any]], run_id: str
) -> None:
    inbox = MongoInbox(_database(mongo_client, run_id))
    message = delivery(notice_id="n-2")
    await inbox.put(message, T0)
    marks = await asyncio.gather(
        *(inbox.mark_read(message.reference, T0 + timedelta(seconds=n)) for n in range(1, 11))
    )
    assert len(set(marks)) == 1
    item = await inbox.item(message.reference)
    assert item is not None and item["read_at"] == marks[0]


async def test_records_written_before_the_logs_were_kept_answer_as_they_are(
    mongo_client: AsyncMongoClient[dict[str, Any]], run_id: str
) -> None:
    """A contact and a delivery stored as they were before every write logged itself: their past
    is not invented. The contact answers as it is (its state kept as the log's first entry when
    it is written again); the delivery as it is from its planning on."""
    database = _database(mongo_client, run_id)
    await database[CONTACTS].insert_one(
        {"_id": "old-1", "role": "host", "email": "old@example.cn", "webhook_secret": "s" * 20}
    )
    directory = MongoDirectory(database)
    then = await directory.document("old-1", T0 - timedelta(days=30))
    assert then is not None and then["email"] == "old@example.cn"
    await directory.upsert("old-1", {"email": "new@example.cn"}, T0)
    before = await directory.document("old-1", T0 - timedelta(days=30))
    assert before is not None
    assert (before["email"], before["role"], before["webhook_secret"]) == (
        "old@example.cn",
        "host",
        True,
    )
    after = await directory.document("old-1", T0)
    assert after is not None and after["email"] == "new@example.cn"

    ledger = MongoLedger(database)
    old = delivery("e-old")
    document = {
        "_id": old.key,
        "event_id": old.event_id,
        "event_type": old.event_type,
        "recipient": old.recipient,
        "channel": old.channel.value,
        "address": old.address,
        "template": old.template,
        "topic": old.topic,
        "essential": old.essential,
        "locale": old.locale.value,
        "subject": old.subject,
        "body": old.body,
        "created_at": T0,
        "status": "dead",
        "attempts": 6,
        "next_attempt_at": T0,
        "last_error": "HTTP 503",
    }
    await database[DELIVERIES].insert_one(document)
    assert await ledger.list(as_of=T0 - timedelta(seconds=1)) == []
    [dead] = await ledger.list(status=Status.DEAD, as_of=T0)
    assert dead.attempts == 6
    assert await ledger.retry(old.key, T0 + timedelta(minutes=5))
    [still] = await ledger.list(as_of=T0 + timedelta(minutes=1))
    assert (still.status, still.attempts) == (Status.DEAD, 6)
    [retried] = await ledger.list(as_of=T0 + timedelta(minutes=5))
    assert (retried.status, retried.attempts) == (Status.PENDING, 0)


async def test_an_inbox_files_a_message_once_and_counts_it_read_once(
    mongo_client: AsyncMongoClient[dict[str, Any]], run_id: str
) -> None:
    inbox = MongoInbox(_database(mongo_client, run_id))
    await inbox.ensure_indexes()
    message = delivery(notice_id="n-1")
    await inbox.put(message, T0)
    await inbox.put(message, T0)  # a resend after a crash
    assert await inbox.unread_count("holder-1") == 1
    [item] = await inbox.items("holder-1", unread=True, limit=10)
    await inbox.mark_read(item["_id"], T0)
    await inbox.mark_read(item["_id"], T0.replace(hour=10))
    [receipt] = await inbox.receipts("n-1")
    assert receipt["read_at"] is not None and receipt["read_at"].hour == 9
    assert await inbox.unread_count("holder-1") == 0


async def test_of_many_dispatchers_claiming_at_once_exactly_one_gets_each_delivery(
    mongo_client: AsyncMongoClient[dict[str, Any]], run_id: str
) -> None:
    ledger = MongoLedger(_database(mongo_client, run_id))
    await ledger.ensure_indexes()
    await ledger.add([delivery(f"e{i}") for i in range(3)])
    lease = T0 + timedelta(seconds=30)
    claims = await asyncio.gather(
        *(ledger.claim(f"dispatcher-{n}", [Channel.EMAIL], T0, lease) for n in range(12))
    )
    won = [c for c in claims if c is not None]
    assert sorted(c.event_id for c in won) == ["e0", "e1", "e2"]
    assert all(c.attempts == 1 for c in won)


async def test_delivery_events_are_stored_once_in_the_mongo_event_store(
    mongo_client: AsyncMongoClient[dict[str, Any]], run_id: str
) -> None:
    database = _database(mongo_client, run_id)
    store = MongoEventStore(database)
    await store.ensure_indexes()
    events = DeliveryEvents(store)
    items = [delivery(f"e{i}", region="440300", correlation_id="c") for i in range(5)]
    # Two workers plan the same batch at once; then both record the first one delivered.
    first, second = await asyncio.gather(events.queued(items, T0), events.queued(items, T0))
    assert all(d.events for d in first + second)
    delivered = await asyncio.gather(
        *(events.delivered(first[0], T0 + timedelta(seconds=i)) for i in range(3))
    )
    assert len({e.event_id for e in delivered}) == 1
    # A fresh store (another process) finds the same transition taken.
    again = await DeliveryEvents(MongoEventStore(database)).delivered(first[0], T0)
    assert again.event_id == delivered[0].event_id
    assert await database[COMMITS].count_documents({}) == 6
    assert await store.count_unpublished() == 6
    stream = await MongoEventStore(database).load(notification_stream_id(first[0].key))
    assert [e.event_type for e in stream.events] == ["NotificationQueued", "NotificationDelivered"]


async def test_a_kept_scan_passes_over_what_another_dispatcher_sent_and_looks_again(
    mongo_client: AsyncMongoClient[dict[str, Any]], run_id: str
) -> None:
    database = _database(mongo_client, run_id)
    mine, theirs = MongoLedger(database), MongoLedger(database)
    await mine.ensure_indexes()
    await mine.add([delivery(f"e{n}", next_attempt_at=T0 + timedelta(seconds=n)) for n in range(3)])
    now = T0 + timedelta(minutes=1)
    lease = now + timedelta(seconds=30)

    first = await mine.claim("mine", [Channel.EMAIL], now, lease)  # keeps e1 and e2 for later
    assert first is not None and first.event_id == "e0" and mine.scans == 1
    taken = await theirs.claim("theirs", [Channel.EMAIL], now, lease)
    assert taken is not None and taken.event_id == "e1"
    assert await theirs.delivered(taken.key, "theirs", now)

    second = await mine.claim("mine", [Channel.EMAIL], now, lease)
    assert second is not None and second.event_id == "e2"  # e1 passed over, sent by the other
    assert mine.scans == 1  # from the kept scan, no second one
    await mine.add([delivery("late", next_attempt_at=T0)])
    late = await mine.claim("mine", [Channel.EMAIL], now, lease)
    assert late is not None and late.event_id == "late"  # nothing kept left: it looked again
    assert await mine.claim("mine", [Channel.EMAIL], now, lease) is None
    assert {(await mine.get(d.key)).status for d in (first, second, late)} == {Status.SENDING}  # type: ignore[union-attr]
