"""The platform as of any date, and the audit trail: stream history read from the event store's
commits (with the time each was recorded), answers as of a moment, and the audit read API."""

from ztc_shared.history.api import AsOf, StreamHistoryDep, stream_history_router
from ztc_shared.history.as_of import (
    FoldCache,
    as_of_parameter,
    fold,
    load_as_of,
    stream_from,
)
from ztc_shared.history.memory import InMemoryStreamHistory
from ztc_shared.history.mongo import MongoStreamHistory
from ztc_shared.history.ports import RecordedCommit, StreamHistory
from ztc_shared.history.snapshots import AggregateSnapshots, StateAsOf
from ztc_shared.history.topics import replay_until

__all__ = [
    "AggregateSnapshots",
    "AsOf",
    "FoldCache",
    "InMemoryStreamHistory",
    "MongoStreamHistory",
    "RecordedCommit",
    "StateAsOf",
    "StreamHistory",
    "StreamHistoryDep",
    "as_of_parameter",
    "fold",
    "load_as_of",
    "replay_until",
    "stream_from",
    "stream_history_router",
]
