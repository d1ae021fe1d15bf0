"""Pure building blocks for aggregates: standard library and pydantic only."""

from ztc_shared.domain.aggregate import Aggregate
from ztc_shared.domain.errors import DomainError, Forbidden, NotFound, StateConflict

__all__ = ["Aggregate", "DomainError", "Forbidden", "NotFound", "StateConflict"]
