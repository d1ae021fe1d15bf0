"""Keys in a MongoDB database of their own, apart from the service's events and read models.

One document per subject: ``{_id: subject, key, created_at}`` while the key lives, and
``{_id: subject, erased_at}`` (no key) once erased, so that an erased person is never sealed again
under a fresh key by a late or retried command. Creation is an insert that loses gracefully to a
concurrent one (the unique ``_id``), so two writers sealing for the same person get the same key.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from ztc_shared.personal.vault import new_key

KEYS = "personal_keys"


class MongoKeyStore:
    def __init__(self, database: AsyncDatabase[dict[str, Any]]) -> None:
        self._keys = database[KEYS]

    async def key_of(self, subject: str) -> bytes | None:
        document = await self._keys.find_one({"_id": subject})
        if document is None or "key" not in document:
            return None
        return base64.b64decode(document["key"])

    async def key_for(self, subject: str) -> bytes | None:
        document = await self._keys.find_one({"_id": subject})
        if document is None:
            try:
                await self._keys.insert_one(
                    {
                        "_id": subject,
                        "key": base64.b64encode(new_key()).decode("ascii"),
                        "created_at": datetime.now(UTC),
                    }
                )
            except DuplicateKeyError:
                pass  # a concurrent writer made it first: use theirs
            document = await self._keys.find_one({"_id": subject})
        if document is None or "key" not in document:
            return None
        return base64.b64decode(document["key"])

    async def erase(self, subject: str) -> bool:
        had_key = await self.key_of(subject) is not None
        if had_key or await self._keys.find_one({"_id": subject}) is None:
            # A replace by _id: the key is gone in one write, and the tombstone keeps it gone.
            await self._keys.replace_one(
                {"_id": subject}, {"_id": subject, "erased_at": datetime.now(UTC)}, upsert=True
            )
        return had_key
