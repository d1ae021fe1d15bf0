import pytest

from ztc_shared.eventstore.memory import InMemoryEventStore
from ztc_shared.testing.eventstore_contract import EventStoreContract


class TestInMemoryEventStore(EventStoreContract):
    @pytest.fixture
    def store(self) -> InMemoryEventStore:
        return InMemoryEventStore()
