"""pytest fixtures for tests on the real stack (loaded by the repository's root ``conftest.py``).

One stack per test run: the launcher reuses running servers, or the ones that
``KAFKA_BOOTSTRAP_SERVERS`` / ``MONGODB_URI`` name, and starts what is missing. Every run gets its own
topic and database prefix, so runs never see each other's data.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from ztc_shared.mongo import make_client
from ztc_tools.stack import StackEndpoints, StackSettings, ensure_stack, stop_stack


@pytest.fixture(scope="session")
def stack() -> Iterator[StackEndpoints]:
    settings = StackSettings()
    endpoints = ensure_stack(settings)
    yield endpoints
    if endpoints.started and not settings.keep_stack:
        stop_stack(settings)


@pytest.fixture(scope="session")
def run_id() -> str:
    return f"t{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="session")
def service_env(stack: StackEndpoints, run_id: str) -> dict[str, str]:
    """Environment for service processes started by tests: the stack and this run's prefixes."""
    return {
        "KAFKA_BOOTSTRAP_SERVERS": stack.kafka_bootstrap_servers,
        "MONGODB_URI": stack.mongodb_uri,
        "ZTC_TOPIC_PREFIX": f"{run_id}.",
        "ZTC_DATABASE_PREFIX": f"{run_id}_",
        "KAFKA_PARTITIONS": "3",
        "LOG_JSON": "true",
        "LOG_LEVEL": "INFO",
    }


@pytest.fixture(scope="session")
async def mongo_client(stack: StackEndpoints) -> AsyncIterator[AsyncMongoClient[dict[str, Any]]]:
    client = make_client(stack.mongodb_uri)
    yield client
    await client.close()
