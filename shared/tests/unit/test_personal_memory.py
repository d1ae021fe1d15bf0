"""The in-memory key store passes the key store contract."""

import pytest

from ztc_shared.personal.memory import InMemoryKeyStore
from ztc_shared.testing.keystore_contract import KeyStoreContract


@pytest.fixture
def keys() -> InMemoryKeyStore:
    return InMemoryKeyStore()


class TestInMemoryKeyStore(KeyStoreContract):
    pass
