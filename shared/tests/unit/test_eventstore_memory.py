import pytest

from ztc_shared.eventstore.memory import InMemoryEventStore
from ztc_shared.testing.eventstore_contract import CommandStoreContract
from ztc_shared.testing.outbox_contract import OutboxContract


@pytest.fixture
def store() -> InMemoryEventStore:
    return InMemoryEventStore()


class TestInMemoryCommandStore(CommandStoreContract):
    pass


class TestInMemoryOutbox(OutboxContract):
    pass
