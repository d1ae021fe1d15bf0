"""Answers as of a moment: a stream, or a projection's documents, from the events recorded by then.

Two ways to adopt it, both a few lines:

* A query that rehydrates an aggregate from the event store (an achievement, a screening
  round) loads the stream with :func:`load_as_of` instead of ``store.load`` and goes on as before:
  the same code gives the same answer it gave live at that moment.
* A query that reads a projection folds the projection's own pure ``apply`` over the events recorded
  by then (:func:`fold` for one stream, :class:`FoldCache` with snapshots for long streams), and
  shapes the documents exactly as it shapes the live collection's.

``as_of`` must carry a time zone (:func:`as_of_parameter` turns a naive one into a 422 that says so).
"""

from __future__ import annotations

import copy
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any

from fastapi import Query

from ztc_shared.domain.errors import DomainError
from ztc_shared.events.envelope import EventEnvelope
from ztc_shared.eventstore.ports import LoadedStream, StreamReader
from ztc_shared.history.ports import RecordedCommit, StreamHistory
from ztc_shared.projections.runner import VERSIONS, Projector

AS_OF_DESCRIPTION = (
    "时间回溯：按该时刻之前记录的事件作答（ISO 8601，须带时区，如 2026-09-30T23:59:59+08:00）。"
    " As of: answer from the events recorded up to this moment (ISO 8601 with a time zone)."
)


def as_of_parameter(
    as_of: Annotated[
        datetime | None,
        Query(
            description=AS_OF_DESCRIPTION,
            examples=["2026-09-30T23:59:59+08:00"],
            openapi_examples={
                "上季度末 end of last quarter": {"value": "2026-09-30T23:59:59+08:00"}
            },
        ),
    ] = None,
) -> datetime | None:
    """The optional ``as_of`` query parameter of a read, refused (422) without a time zone."""
    if as_of is not None and as_of.tzinfo is None:
        raise DomainError(
            "as_of_without_time_zone",
            "as_of 须带时区（如 +08:00 或 Z）",
            "as_of must carry a time zone (e.g. +08:00 or Z)",
        )
    return as_of


def stream_from(stream_id: str, commits: Sequence[RecordedCommit]) -> LoadedStream:
    """The stream as ``store.load`` would have returned it after the last of ``commits``."""
    if not commits:
        return LoadedStream(stream_id=stream_id)
    return LoadedStream(
        stream_id=stream_id,
        events=[event for commit in commits for event in commit.events],
        version=commits[-1].last_version,
        last_committed_at=commits[-1].recorded_at,
    )


async def load_as_of(
    store: StreamReader, history: StreamHistory, stream_id: str, as_of: datetime | None
) -> LoadedStream:
    """``store.load(stream_id)`` now, or the stream as it stood at ``as_of``."""
    if as_of is None:
        return await store.load(stream_id)
    return stream_from(stream_id, await history.commits(stream_id, until=as_of))


def fold(
    projector: Projector,
    events: Iterable[EventEnvelope],
    documents: dict[str, dict[str, Any]] | None = None,
) -> dict[str, dict[str, Any]]:
    """Apply ``events`` in order with the projector's own rules, as the projection runner does
    (skipping what a document has applied), to copies of ``documents``; the documents after."""
    state = copy.deepcopy(documents) if documents else {}
    for event in events:
        state = _apply_one(projector, state, event)
    return state


@dataclass
class _Snapshots:
    # (version, recorded_at, documents after that version), in version order
    points: list[tuple[int, datetime, dict[str, dict[str, Any]]]] = field(default_factory=list)


class FoldCache:
    """A projection's documents of one stream as of any moment, with snapshots every ``every``
    events so that an answer replays at most that many events after the nearest snapshot.

    Snapshots are kept in memory per stream (``max_streams``, least recently used out first); they
    are derived from immutable history, so they are never invalid, only absent.
    """

    def __init__(self, projector: Projector, *, every: int = 100, max_streams: int = 1_000) -> None:
        self._projector = projector
        self._every = every
        self._max_streams = max_streams
        self._streams: OrderedDict[str, _Snapshots] = OrderedDict()

    def documents(
        self, stream_id: str, commits: Sequence[RecordedCommit], as_of: datetime | None
    ) -> dict[str, dict[str, Any]]:
        """The documents the projection held after the commits recorded by ``as_of``."""
        wanted = [c for c in commits if as_of is None or c.recorded_at <= as_of]
        if not wanted:
            return {}
        target = wanted[-1].last_version
        snapshots = self._streams.setdefault(stream_id, _Snapshots())
        self._streams.move_to_end(stream_id)
        while len(self._streams) > self._max_streams:
            self._streams.popitem(last=False)
        start_version, documents = 0, {}
        for version, _, state in reversed(snapshots.points):
            if version <= target:
                start_version, documents = version, state
                break
        documents = copy.deepcopy(documents)
        last_point = snapshots.points[-1][0] if snapshots.points else 0
        for commit in wanted:
            if commit.last_version <= start_version:
                continue
            for event in commit.events:
                if event.stream_version <= start_version:
                    continue
                documents = _apply_one(self._projector, documents, event)
            if commit.last_version - last_point >= self._every and commit.last_version > last_point:
                snapshots.points.append(
                    (commit.last_version, commit.recorded_at, copy.deepcopy(documents))
                )
                last_point = commit.last_version
        return documents


def _apply_one(
    projector: Projector, documents: dict[str, dict[str, Any]], event: EventEnvelope
) -> dict[str, dict[str, Any]]:
    document_id = projector.document_id(event)
    if document_id is None:
        return documents
    document = documents.get(document_id)
    versions: dict[str, int] = dict((document or {}).get(VERSIONS, {}))
    if versions.get(event.stream_id, 0) >= event.stream_version:
        return documents
    new = projector.apply(copy.deepcopy(document) if document is not None else None, event)
    versions[event.stream_id] = event.stream_version
    new[VERSIONS] = versions
    new["_id"] = document_id
    documents[document_id] = as_stored(new)
    return documents


class StreamsAsOf:
    """The event store's reads as of a moment: ``load`` answers every stream as it stood then
    (its commits recorded at or before ``moment``). Hand it to read code written against the
    store's ``load`` and the same code answers as of the moment (时间回溯)."""

    def __init__(self, history: StreamHistory, moment: datetime) -> None:
        self._history = history
        self._moment = moment

    async def load(self, stream_id: str, *, fresh: bool = False) -> LoadedStream:
        return stream_from(stream_id, await self._history.commits(stream_id, until=self._moment))


def streams_at(
    store: StreamReader, history: StreamHistory | None, as_of: datetime | None
) -> StreamReader:
    """Where a read loads streams from: ``store`` now, or every stream as it stood at ``as_of``."""
    if as_of is None:
        return store
    assert history is not None, "as_of needs the service's stream history"
    return StreamsAsOf(history, as_of)


def apply_event(
    projector: Projector, documents: dict[str, dict[str, Any]], event: EventEnvelope
) -> dict[str, dict[str, Any]]:
    """One event applied to ``documents`` as the projection runner applies it (version guard,
    ``_versions``, ``_id``, stored precision); what the projector raises is raised."""
    return _apply_one(projector, documents, event)


def as_stored(value: Any) -> Any:
    """``value`` as the projection store gives it back: MongoDB keeps datetimes to the
    millisecond, so a document rebuilt in memory is truncated the same way, after every event, as
    the live projection's is between batches."""
    if isinstance(value, datetime):
        return value.replace(microsecond=value.microsecond // 1000 * 1000)
    if isinstance(value, dict):
        return {key: as_stored(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_stored(item) for item in value]
    return value
