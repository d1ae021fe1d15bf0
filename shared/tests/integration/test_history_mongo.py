"""The MongoDB stream history passes the same contract as the fake, on the real server."""

from typing import Any

import pytest
from pymongo import AsyncMongoClient

from ztc_shared.eventstore.mongo import MongoEventStore
from ztc_shared.history import MongoStreamHistory
from ztc_shared.testing.history_contract import StreamHistoryContract

pytestmark = pytest.mark.integration


@pytest.fixture
async def history_pair(
    mongo_client: AsyncMongoClient[dict[str, Any]], run_id: str
) -> tuple[MongoEventStore, MongoStreamHistory]:
    database = mongo_client[f"{run_id}_history_contract"]
    store = MongoEventStore(database)
    await store.ensure_indexes()
    return store, MongoStreamHistory(database)


class TestMongoStreamHistory(StreamHistoryContract):
    pass
