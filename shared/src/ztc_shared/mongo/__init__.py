"""MongoDB helpers shared by the adapters: the client, and the document subset both MongoDB and FerretDB accept."""

from ztc_shared.mongo.client import make_client
from ztc_shared.mongo.portable import NotPortable, ensure_portable, is_duplicate_key

__all__ = ["NotPortable", "ensure_portable", "is_duplicate_key", "make_client"]
