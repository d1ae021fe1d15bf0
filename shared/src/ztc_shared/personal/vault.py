"""Sealing and opening personal data with per-person keys (see the package's docstring)."""

from __future__ import annotations

import base64
import json
import os
from typing import Any, Protocol

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pydantic import BaseModel, ConfigDict, Field

# What a reader shows in place of a value whose key was erased.
ERASED = "（已删除）"


class SealedPersonalData(BaseModel):
    """A person's data as an event carries it: whose, which fields (names only) and the ciphertext.

    ``subject`` identifies the person within the service that sealed it; the key that opens the
    ciphertext is that subject's, and the subject is bound to it as associated data, so a sealed
    value copied under another subject does not open."""

    model_config = ConfigDict(frozen=True)

    subject: str = Field(min_length=1, max_length=200)
    fields: list[str] = Field(description="字段名（不含取值） Names of the sealed fields")
    nonce: str
    ciphertext: str


class KeyStore(Protocol):
    """Per-subject keys, held apart from the events they open."""

    async def key_of(self, subject: str) -> bytes | None:
        """The subject's key, or ``None`` when it never had one or it was erased."""
        ...

    async def key_for(self, subject: str) -> bytes | None:
        """The subject's key, made on first use; ``None`` when the subject was erased (an erased
        person's data is never sealed again under a new key)."""
        ...

    async def erase(self, subject: str) -> bool:
        """Delete the subject's key for good; whether there was one. Idempotent."""
        ...


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


class PersonalDataVault:
    """Seals a person's fields for an event and opens them for the readers allowed to see them."""

    def __init__(self, keys: KeyStore) -> None:
        self._keys = keys

    async def seal(self, subject: str, data: dict[str, Any]) -> SealedPersonalData | None:
        """``data`` sealed under ``subject``'s key; ``None`` when the subject has been erased."""
        key = await self._keys.key_for(subject)
        if key is None:
            return None
        nonce = os.urandom(12)
        plaintext = json.dumps(data, ensure_ascii=False, sort_keys=True).encode()
        ciphertext = AESGCM(key).encrypt(nonce, plaintext, subject.encode())
        return SealedPersonalData(
            subject=subject, fields=sorted(data), nonce=_b64(nonce), ciphertext=_b64(ciphertext)
        )

    async def open(self, sealed: SealedPersonalData) -> dict[str, Any] | None:
        """The fields as sealed, or ``None`` when the subject's key was erased."""
        key = await self._keys.key_of(sealed.subject)
        if key is None:
            return None
        plaintext = AESGCM(key).decrypt(
            base64.b64decode(sealed.nonce),
            base64.b64decode(sealed.ciphertext),
            sealed.subject.encode(),
        )
        opened: dict[str, Any] = json.loads(plaintext)
        return opened

    async def erase(self, subject: str) -> bool:
        """Shred: every sealed value of ``subject``, wherever a copy is, becomes unreadable."""
        return await self._keys.erase(subject)


def new_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)
