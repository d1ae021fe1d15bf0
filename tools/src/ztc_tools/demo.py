"""The demo steps the services register, and what ``make run`` hands each of them.

A service registers demo data in its manifest (``[[demo]]`` in ``services/<name>/service.toml``:
a name, an order and ``module:function``). The function is a coroutine that takes a
:class:`DemoContext` and returns the lines the banner shows about it; it loads its service's data
through the APIs, idempotently, and raises when a request is refused. The steps run one after
another in their stated order, so a later one may use what an earlier one loaded (the roadshow
demo longlists the catalogue intake's step admitted, ``facts["library_items"]``).

The services never import this module: each declares, as a ``Protocol`` of its own, the part of
the context it uses (``tools/tests`` checks that :class:`DemoContext` has all of it).
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from ztc_shared.auth import Role
from ztc_tools.manifest import DemoStep, ServiceManifest, manifests

DemoFunction = Callable[["DemoContext"], Awaitable[list[str]]]


class DemoStepError(Exception):
    """A demo step failed; the message names the step and what went wrong."""


@dataclass
class DemoContext:
    """What a demo step gets: where the services are, tokens, the demo's people, a way to say
    how far it got, whether to stop, and the facts earlier steps left for later ones."""

    region: str
    catalogue_size: int
    holder: tuple[str, str]  # (subject, name) of the demo's people
    agency: tuple[str, str]
    province: tuple[str, str]
    urls: Mapping[str, str]
    mint: Callable[[Role, str, str | None], str]
    say: Callable[[str], None]
    stopping: Callable[[], bool]
    facts: dict[str, int] = field(default_factory=dict)

    def url(self, service: str) -> str:
        """The base URL of a service's API."""
        return self.urls[service]

    def token(self, role: Role, subject: str, name: str | None = None) -> str:
        """A development token of this run's region."""
        return self.mint(role, subject, name)


def steps() -> list[tuple[ServiceManifest, DemoStep]]:
    """Every registered demo step, in the order the manifests state."""
    found = [(m, step) for m in manifests() for step in m.demo]
    orders = [step.order for _, step in found]
    duplicates = sorted({o for o in orders if orders.count(o) > 1})
    if duplicates:
        raise DemoStepError(f"two demo steps share the order {duplicates[0]}: give each its own")
    return sorted(found, key=lambda pair: pair[1].order)


def resolve(step: DemoStep) -> DemoFunction:
    """The step's function, imported from the module its manifest names."""
    module_name, function = step.load.split(":")
    loaded: Any = getattr(importlib.import_module(module_name), function)
    return cast(DemoFunction, loaded)


async def run_step(registered: tuple[ServiceManifest, DemoStep], context: DemoContext) -> list[str]:
    """Run one step; :class:`DemoStepError` (naming it) when it fails."""
    m, step = registered
    load = resolve(step)
    try:
        return await load(context)
    except Exception as error:  # a demo step's own failure, whatever it is, stops make run
        raise DemoStepError(f"demo {m.name}/{step.name}: {error}") from error
