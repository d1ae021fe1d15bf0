"""The outbox relay: unpublished commits to Kafka, in commit order, by one active instance."""

from ztc_shared.relay.lease import InMemoryLease, Lease, MongoLease
from ztc_shared.relay.relay import RELAY_READY, OutboxRelay

__all__ = ["RELAY_READY", "InMemoryLease", "Lease", "MongoLease", "OutboxRelay"]
