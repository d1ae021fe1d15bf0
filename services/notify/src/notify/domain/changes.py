"""Notify's own records as of a moment (时间回溯), from what was recorded by then.

Notify keeps three kinds of records outside its event store, and each is answered as of ``T``
from facts recorded with their time:

* **Inbox items** are written once (under the delivery's reference) and never change, except
  that the read mark is set once. An item existed at ``T`` if its ``created_at`` is at or before
  ``T``, and was read by ``T`` if its ``read_at`` is (:func:`item_as_of`).
* **Contacts** and **deliveries** are documents updated in place. Every update also appends, in
  the same single-document write, a change entry: when it was made (``at``) and exactly what it
  set (``set``). The record as of ``T`` is every entry recorded at or before ``T`` applied in the
  order written (:func:`state_as_of`) — the same ``$set``\\ s in the same order, so the same
  fields. The webhook secret itself is never copied into a contact's log: only whether one was
  set.

Records last written before the logs were kept have no entries: a contact is then answered as it
is now, whatever the moment (its earlier states were not recorded), and a delivery as it is now
from its ``created_at`` on. A contact written again later keeps that state as its first entry,
marked ``at: None`` ("before the log began").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

CONTACT_LOG = "changes"
DELIVERY_LOG = "history"
# The fields of a delivery that change after it was planned (the rest are fixed by planning).
DELIVERY_STATE = (
    "status",
    "attempts",
    "next_attempt_at",
    "lease_owner",
    "last_error",
    "delivered_at",
    "operator_retries",
)


def change(at: datetime | None, fields: Mapping[str, Any]) -> dict[str, Any]:
    """One entry of a record's change log: what was set, and when (``None``: before the log)."""
    return {"at": at, "set": dict(fields)}


def state_as_of(
    entries: Iterable[Mapping[str, Any]], moment: datetime | None
) -> dict[str, Any] | None:
    """The fields set by the entries recorded at or before ``moment`` (all of them when it is
    ``None``), applied in the order they were written; ``None`` when none was recorded by then."""
    state: dict[str, Any] | None = None
    for entry in entries:
        at = entry.get("at")
        if moment is not None and at is not None and at > moment:
            continue
        state = {**(state or {}), **entry["set"]}
    return state


def logged_contact(fields: Mapping[str, Any]) -> dict[str, Any]:
    """What a contact's log keeps of a write: the fields, with the webhook secret reduced to
    whether one is set (the secret is kept in one place only)."""
    logged = dict(fields)
    if "webhook_secret" in logged:
        logged["webhook_secret"] = bool(logged["webhook_secret"])
    return logged


def forgotten(document: Mapping[str, Any], fields: Iterable[str]) -> dict[str, Any]:
    """``document`` with ``fields`` erased: gone from it and from every entry of its change log, so
    that no read, as of any moment, gives them back (an erasure outranks history)."""
    names = set(fields)
    erased = {k: v for k, v in document.items() if k not in names}
    erased[CONTACT_LOG] = [
        {**entry, "set": {k: v for k, v in entry["set"].items() if k not in names}}
        for entry in document.get(CONTACT_LOG, [])
    ]
    return erased


def learned_only(document: Mapping[str, Any]) -> bool:
    """Whether a contact holds only what events told (``learned``), nothing a person gave."""
    return bool(document.get("learned")) and "updated_at" not in document


def baseline(document: Mapping[str, Any]) -> dict[str, Any]:
    """The first entry for a contact written before its log was kept: its state then, from no
    known moment."""
    fields = {k: v for k, v in document.items() if k not in ("_id", CONTACT_LOG)}
    return change(None, logged_contact(fields))


def contact_as_of(
    document: Mapping[str, Any] | None, moment: datetime | None
) -> dict[str, Any] | None:
    """A contact's document as it stood at ``moment`` (``None``: not in the directory yet)."""
    if document is None or moment is None:
        return dict(document) if document is not None else None
    entries = document.get(CONTACT_LOG)
    if entries is None:
        return dict(document)  # written before the log was kept: its past is not known
    state = state_as_of(entries, moment)
    return None if state is None else {"_id": document["_id"], **state}


def delivery_as_of(document: Mapping[str, Any], moment: datetime | None) -> dict[str, Any] | None:
    """A ledger document as it stood at ``moment`` (``None``: not yet in the ledger)."""
    if moment is None:
        return dict(document)
    entries = document.get(DELIVERY_LOG)
    if entries is None:  # planned before the history was kept
        return dict(document) if document["created_at"] <= moment else None
    state = state_as_of(entries, moment)
    return None if state is None else {**document, **state}


def item_as_of(item: Mapping[str, Any], moment: datetime | None) -> dict[str, Any] | None:
    """An inbox item as it stood at ``moment``: absent before it was filed, unread before it
    was read."""
    if moment is None:
        return dict(item)
    if item["created_at"] > moment:
        return None
    read_at = item.get("read_at")
    return {**item, "read_at": read_at if read_at is not None and read_at <= moment else None}
