"""Notify's own collections on MongoDB/FerretDB: the directory, the delivery ledger, the inbox.

These are notify's state, not projections: the directory holds personal contact data that must be
correctable and erasable (it is kept out of the event log, whose retention is forever), and the
ledger and inbox record effects notify itself caused. One module each: :mod:`.directory`,
:mod:`.ledger`, :mod:`.inbox`; what they share is here.
"""

from __future__ import annotations

from pymongo import ASCENDING, DESCENDING

# Newest first. Deliveries planned in one batch (and their inbox items) share ``created_at``: the
# key orders them, live and as of.
NEWEST_FIRST = [("created_at", DESCENDING), ("_id", ASCENDING)]
