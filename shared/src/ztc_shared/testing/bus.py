"""Checks of a service's command bus that every service's unit tests make."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from pydantic import BaseModel

from ztc_shared.application import CommandBus


def commands_of(module: ModuleType) -> set[type[BaseModel]]:
    """The commands a service's ``domain.commands`` module defines (its public models)."""
    return {
        value
        for name, value in vars(module).items()
        if isinstance(value, type)
        and issubclass(value, BaseModel)
        and value.__module__ == module.__name__
        and not name.startswith("_")
    }


def unrouted(bus: CommandBus[Any], module: ModuleType) -> list[str]:
    """The commands of ``module`` the bus has no route for (none, in a complete service)."""
    return sorted(c.__name__ for c in commands_of(module) - set(bus.routes))
