"""MongoDB helpers shared by the adapters: the client, and the portable document subset."""

from ztc_shared.mongo.client import database_of, make_client
from ztc_shared.mongo.portable import NotPortable, ensure_portable

__all__ = ["NotPortable", "database_of", "ensure_portable", "make_client"]
