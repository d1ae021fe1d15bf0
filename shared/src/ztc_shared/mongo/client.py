"""One way to open a MongoDB client, so every adapter reads datetimes back as UTC."""

from __future__ import annotations

from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from ztc_shared.observability.hangs import IN_FLIGHT
from ztc_shared.settings import ServiceSettings


def make_client(uri: str, **options: Any) -> AsyncMongoClient[dict[str, Any]]:
    options.setdefault("tz_aware", True)
    options.setdefault("serverSelectionTimeoutMS", 10_000)
    options.setdefault("uuidRepresentation", "standard")
    # What a slow request waits on is logged by name (ztc_shared.observability.hangs).
    options.setdefault("event_listeners", [IN_FLIGHT])
    return AsyncMongoClient(uri, **options)


def database_of(settings: ServiceSettings) -> AsyncDatabase[dict[str, Any]]:
    """The service's own database, on a client of its own (for a process that opens no other)."""
    return make_client(settings.mongodb_uri)[settings.database]
