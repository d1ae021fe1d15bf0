"""The dashboard's counters as of a moment (时间回溯): the read model's own rules folded over the
events that occurred by then.

Pure. The live read model applies batches as they come (``adapters.readmodel``); here the same
steps are taken one event at a time, in the order the events occurred: the references an event
states are kept, a stream's event is counted only if its version is newer than the last counted
(a relay's re-sent duplicate is not counted twice), and its facts and list entries are added to the
documents they target with the same ``apply_item``. The documents come out in the shape the live
counter store gives back, so the queries that shape the live answer shape this one unchanged.

Only what the queries read is kept: the scope documents (counters, the cases needing attention)
and the yearly lists (calendar, hosts); a province's fine cells are left out.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from dashboard.application.facts import entries_of, facts_of, reference_updates
from dashboard.domain.funnel import CELLS, Entry, Fact, apply_item, empty_document, targets
from ztc_shared.events import EVENTS, DomainEvent, EventEnvelope

REVISION = "_rev"


def in_occurrence_order(events: Iterable[EventEnvelope]) -> list[EventEnvelope]:
    """Events of several topic partitions in the order they occurred. A reference is stated
    before the event that needs it (an achievement is drafted before it is longlisted), so this is
    the order in which the live worker, keeping up, read them. The sort is stable: the events of
    one partition that occurred together keep their order."""
    return sorted(events, key=lambda event: event.occurred_at)


def fold_counters(events: Iterable[EventEnvelope]) -> dict[str, dict[str, Any]]:
    """The counter documents (by ``_id``) after ``events``, in the order given."""
    references: dict[str, dict[str, Any]] = {}
    counted: dict[str, int] = {}
    documents: dict[str, dict[str, Any]] = {}
    for envelope in events:
        try:
            payload: DomainEvent = EVENTS.payload(envelope)
        except Exception:  # noqa: BLE001, S112 - the live worker dead-letters what it cannot read
            continue
        for key, values in reference_updates(envelope, payload):
            references.setdefault(key, {}).update(values)
        if envelope.stream_version <= counted.get(envelope.stream_id, 0):
            continue  # counted already (a duplicate, or an older version arriving late)
        counted[envelope.stream_id] = envelope.stream_version
        items: list[Fact | Entry] = [*facts_of(envelope, payload, references)]
        items += entries_of(envelope, payload)
        for item in items:
            for target in targets(item):
                if target.endswith(f"|{CELLS}"):
                    continue  # no query reads them
                document = documents.get(target)
                if document is None:
                    document = {**empty_document(target), "_id": target, REVISION: 0}
                    documents[target] = document
                apply_item(document, target, item)
    return documents
