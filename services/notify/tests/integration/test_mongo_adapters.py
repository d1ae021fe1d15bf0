"""Notify's MongoDB adapters keep the same contracts as the in-memory fakes, on the real server."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from notify.adapters.mongo import MongoDirectory, MongoInbox, MongoLedger
from notify.domain.recipients import Channel, Contact
from notify.testing.contracts import T0, delivery, directory_contract, ledger_contract

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
