"""The document subset that both MongoDB 7 and FerretDB 1.x accept.

FerretDB 1.x refuses nested arrays, keys containing ``.`` or starting with ``$``, and NaN/Infinity.
Checking before a write turns a server error deep in a batch into a clear error at its cause.
"""

from __future__ import annotations

import math
from typing import Any


class NotPortable(ValueError):
    """A document uses something outside the MongoDB/FerretDB common subset."""


def ensure_portable(document: Any, path: str = "") -> None:
    if isinstance(document, dict):
        for key, value in document.items():
            if not isinstance(key, str):
                raise NotPortable(f"{path or '<root>'}: key {key!r} is not a string")
            if "." in key or key.startswith("$"):
                raise NotPortable(
                    f"{path or '<root>'}: key {key!r} contains '.' or starts with '$'"
                )
            ensure_portable(value, f"{path}.{key}" if path else key)
    elif isinstance(document, list | tuple):
        for index, item in enumerate(document):
            if isinstance(item, list | tuple):
                raise NotPortable(f"{path}[{index}]: nested arrays are not portable")
            ensure_portable(item, f"{path}[{index}]")
    elif isinstance(document, float) and not math.isfinite(document):
        raise NotPortable(f"{path}: NaN and Infinity are not portable")
