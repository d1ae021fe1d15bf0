"""Reactions: a service acting on another service's events by sending itself a command.

A projection only writes documents; a reaction decides something — a service opens a round of
its own for another service's planned event, or takes in a list another service finalised. Each
causing event becomes at most one command in effect: the command carries an idempotency key
derived from the reaction and the event (``reaction_context``), so the event store answers a
redelivered event with the first outcome instead of applying it twice. Offsets are acknowledged
only after the command (or its refusal) is stored, so a crash loses nothing.
"""

from ztc_shared.reactions.runner import (
    ReactionDefinition,
    ReactionOutcome,
    ReactionRunner,
    Reactor,
    reaction_context,
)

__all__ = [
    "ReactionDefinition",
    "ReactionOutcome",
    "ReactionRunner",
    "Reactor",
    "reaction_context",
]
