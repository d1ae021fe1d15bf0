"""The published language between services: every service's event payload models.

Importing this package registers them all in ``ztc_shared.events.EVENTS``.
"""

from ztc_shared.contracts import (
    identifiers,
    intake,
    notify,
    roadshow,
    screening,
    taxonomy,
    tracking,
)

__all__ = ["identifiers", "intake", "notify", "roadshow", "screening", "taxonomy", "tracking"]
