"""The in-memory stream history passes the contract the MongoDB reader passes."""

import pytest

from ztc_shared.eventstore.memory import InMemoryEventStore
from ztc_shared.history import InMemoryStreamHistory
from ztc_shared.testing.history_contract import StreamHistoryContract


@pytest.fixture
def history_pair() -> tuple[InMemoryEventStore, InMemoryStreamHistory]:
    store = InMemoryEventStore()
    return store, InMemoryStreamHistory(store)


class TestInMemoryStreamHistory(StreamHistoryContract):
    pass
