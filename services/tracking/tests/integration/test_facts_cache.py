"""The facts reader answers from memory while the projection's status is unchanged, and refreshes
in the background (serving the previous read meanwhile) when it changed."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from tracking.adapters.mongo import MongoFacts
from ztc_shared.projections import MongoProjectionCatalog
from ztc_shared.projections.processing import STATUS

pytestmark = pytest.mark.integration


async def test_reads_once_per_status_and_refreshes_when_it_changes(
    mongo_client: AsyncMongoClient[dict[str, Any]], run_id: str
) -> None:
    database = mongo_client[f"{run_id}_facts_{uuid.uuid4().hex[:6]}"]
    try:
        catalog = MongoProjectionCatalog(database, "tracking")
        collection = database[(await catalog.active("facts")).collection]
        await collection.insert_one(
            {"_id": "roadshow-1", "kind": "roadshow_event", "host_id": "h", "year": 2026}
        )
        await database[STATUS].insert_one({"_id": "facts", "applied_total": 1, "generation": 1})
        facts = MongoFacts(database, catalog)
        first = await facts.all()
        again = await facts.all()
        assert again is first and facts.reads == 1
        assert len(first.of("roadshow_event")) == 1

        await collection.insert_one(
            {"_id": "roadshow-2", "kind": "roadshow_event", "host_id": "h", "year": 2026}
        )
        await database[STATUS].update_one({"_id": "facts"}, {"$set": {"applied_total": 2}})
        stale = await facts.all()  # the previous read, while one refresh runs
        assert len(stale.of("roadshow_event")) == 1
        for _ in range(100):
            fresh = await facts.all()
            if len(fresh.of("roadshow_event")) == 2:
                break
            await asyncio.sleep(0.1)
        assert len(fresh.of("roadshow_event")) == 2
        assert facts.reads == 2
    finally:
        await mongo_client.drop_database(database.name)
