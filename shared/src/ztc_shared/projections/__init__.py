"""The read side: projections applied from topics, idempotently, and rebuilt by replay."""

from ztc_shared.projections.catalog import Generation, MongoProjectionCatalog
from ztc_shared.projections.runner import (
    BatchOutcome,
    DeadLetter,
    Message,
    ProjectionDefinition,
    ProjectionRunner,
    Projector,
)
from ztc_shared.projections.store import InMemoryProjectionStore, MongoProjectionStore

__all__ = [
    "BatchOutcome",
    "DeadLetter",
    "Generation",
    "InMemoryProjectionStore",
    "Message",
    "MongoProjectionCatalog",
    "MongoProjectionStore",
    "ProjectionDefinition",
    "ProjectionRunner",
    "Projector",
]
