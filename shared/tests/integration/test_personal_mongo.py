"""The MongoDB key store passes the key store contract on the real server."""

import uuid
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from ztc_shared.personal.mongo import MongoKeyStore
from ztc_shared.testing.keystore_contract import KeyStoreContract

pytestmark = pytest.mark.integration


@pytest.fixture
def keys(mongo_client: AsyncMongoClient[dict[str, Any]], run_id: str) -> MongoKeyStore:
    return MongoKeyStore(mongo_client[f"{run_id}_keys_{uuid.uuid4().hex[:6]}"])


class TestMongoKeyStore(KeyStoreContract):
    pass
