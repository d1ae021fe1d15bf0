"""The MongoDB roadshow directory passes the directory contract on the real database."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from directory_contract import check_directory
from pymongo import AsyncMongoClient

from tracking.adapters.mongo import MongoRoadshowDirectory

pytestmark = pytest.mark.integration


async def test_the_mongo_directory_passes_the_contract(
    mongo_client: AsyncMongoClient[dict[str, Any]], run_id: str
) -> None:
    database = mongo_client[f"{run_id}_directory_{uuid.uuid4().hex[:6]}"]
    try:
        await check_directory(MongoRoadshowDirectory(database))
    finally:
        await mongo_client.drop_database(database.name)
