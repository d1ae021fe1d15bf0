"""An in-memory key store for unit tests; it passes the same contract as the MongoDB one."""

from __future__ import annotations

from ztc_shared.personal.vault import new_key


class InMemoryKeyStore:
    def __init__(self) -> None:
        self.keys: dict[str, bytes] = {}
        self.erased: set[str] = set()

    async def key_of(self, subject: str) -> bytes | None:
        return self.keys.get(subject)

    async def key_for(self, subject: str) -> bytes | None:
        if subject in self.erased:
            return None
        return self.keys.setdefault(subject, new_key())

    async def erase(self, subject: str) -> bool:
        self.erased.add(subject)
        return self.keys.pop(subject, None) is not None
