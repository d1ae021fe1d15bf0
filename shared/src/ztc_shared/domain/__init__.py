"""Pure building blocks for aggregates: standard library and pydantic only."""

from ztc_shared.domain.actor import OPERATORS, Actor, Role
from ztc_shared.domain.aggregate import Aggregate
from ztc_shared.domain.errors import DomainError, Forbidden, NotFound, StateConflict

__all__ = [
    "OPERATORS",
    "Actor",
    "Aggregate",
    "DomainError",
    "Forbidden",
    "NotFound",
    "Role",
    "StateConflict",
]
