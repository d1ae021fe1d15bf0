"""The MongoDB projection store passes the same contract as the fake, on the real server."""

import uuid
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from ztc_shared.mongo import make_client
from ztc_shared.projections import MongoProjectionStore
from ztc_shared.projections.store import CachedProjectionStore
from ztc_shared.testing.projection_store_contract import ProjectionStoreContract
from ztc_tools.stack import StackEndpoints

pytestmark = pytest.mark.integration


class TestMongoProjectionStore(ProjectionStoreContract):
    @pytest.fixture
    async def projection_store(self, stack: StackEndpoints, run_id: str) -> Any:
        # A short socket timeout: a server wedged by too large an update fails the test, not hangs it.
        client: AsyncMongoClient[dict[str, Any]] = make_client(
            stack.mongodb_uri, socketTimeoutMS=20_000
        )
        yield MongoProjectionStore(client[f"{run_id}_projection_store"][f"c{uuid.uuid4().hex[:8]}"])
        await client.close()


class TestCachedMongoProjectionStore(ProjectionStoreContract):
    @pytest.fixture
    async def projection_store(self, stack: StackEndpoints, run_id: str) -> Any:
        client: AsyncMongoClient[dict[str, Any]] = make_client(
            stack.mongodb_uri, socketTimeoutMS=20_000
        )
        collection = client[f"{run_id}_projection_store"][f"c{uuid.uuid4().hex[:8]}"]
        yield CachedProjectionStore(MongoProjectionStore(collection), size=100)
        await client.close()
