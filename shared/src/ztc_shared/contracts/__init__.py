"""The published language between services: every service's event payload models.

Importing this package registers them all in ``ztc_shared.events.EVENTS``.
"""

from ztc_shared.contracts import intake, screening, taxonomy

__all__ = ["intake", "screening", "taxonomy"]
