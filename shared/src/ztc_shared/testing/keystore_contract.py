"""The contract every key store passes (the in-memory fake and the MongoDB adapter alike)."""

from __future__ import annotations

import asyncio

import pytest

from ztc_shared.personal import PersonalDataVault
from ztc_shared.personal.vault import KeyStore

CONTACT = {"name": "李四", "phone": "13800000000", "email": "lisi@example.cn"}


class KeyStoreContract:
    """Subclass with a ``keys`` fixture returning a fresh store."""

    async def test_a_key_is_made_once_and_then_the_same(self, keys: KeyStore) -> None:
        first = await keys.key_for("company-1")
        assert first is not None and len(first) == 32
        assert await keys.key_for("company-1") == first
        assert await keys.key_of("company-1") == first
        assert await keys.key_of("company-2") is None

    async def test_concurrent_writers_get_the_same_key(self, keys: KeyStore) -> None:
        made = await asyncio.gather(*(keys.key_for("racer") for _ in range(8)))
        assert len(set(made)) == 1

    async def test_sealed_data_opens_with_its_key_and_not_under_another_subject(
        self, keys: KeyStore
    ) -> None:
        vault = PersonalDataVault(keys)
        sealed = await vault.seal("reg-1", CONTACT)
        assert sealed is not None
        assert sealed.fields == ["email", "name", "phone"]
        assert "13800000000" not in sealed.model_dump_json() and "李四" not in sealed.ciphertext
        assert await vault.open(sealed) == CONTACT
        await keys.key_for("reg-2")
        moved = sealed.model_copy(update={"subject": "reg-2"})
        with pytest.raises(Exception):  # noqa: B017 - the tag check refuses it
            await vault.open(moved)

    async def test_an_erased_subject_is_unreadable_and_never_sealed_again(
        self, keys: KeyStore
    ) -> None:
        vault = PersonalDataVault(keys)
        sealed = await vault.seal("reg-erase", CONTACT)
        assert sealed is not None
        assert await vault.erase("reg-erase") is True
        assert await vault.open(sealed) is None
        assert await keys.key_of("reg-erase") is None
        assert await keys.key_for("reg-erase") is None
        assert await vault.seal("reg-erase", CONTACT) is None
        assert await vault.erase("reg-erase") is False  # idempotent: nothing left to erase
        assert await vault.erase("never-seen") is False
        assert await keys.key_for("never-seen") is None  # erased before any data: stays so
