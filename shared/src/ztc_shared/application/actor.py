"""Who asks, as the rules of an aggregate see them.

Routes admit roles (and the deployment's region); an aggregate's rules need more — "a holder acts
only on what they drafted", "a host only on its own event" — so commands carry an ``Actor`` made from
the command's context. Services extend it with the role groups their rules name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

from ztc_shared.application.commands import CommandContext
from ztc_shared.auth.tokens import Role

# The programme's organisers above the hosts: the provincial department and the Torch Center.
OPERATORS = frozenset({Role.PROVINCE.value, Role.TORCH_CENTER.value})


@dataclass(frozen=True)
class Actor:
    id: str
    role: str | None
    organisation: str | None = None
    region: str | None = None  # the region of the caller's token (a province's own)

    @classmethod
    def of(cls, context: CommandContext) -> Self:
        return cls(
            id=context.actor,
            role=context.role,
            organisation=context.organisation,
            region=context.actor_region,
        )

    def has(self, *roles: Role) -> bool:
        return self.role in {r.value for r in roles}

    @property
    def is_operator(self) -> bool:
        return self.role in OPERATORS
