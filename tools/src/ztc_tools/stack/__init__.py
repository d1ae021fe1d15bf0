"""Local stack launcher: Kafka and a MongoDB-compatible server for development and tests.

When ``KAFKA_BOOTSTRAP_SERVERS`` / ``MONGODB_URI`` are not given, :func:`ensure_stack` starts

- Apache Kafka 3.9.1 as one KRaft node (broker + controller) from jars that Maven resolves with
  ``deploy/local/pom.xml``, and
- a real ``mongod`` when one is on PATH, otherwise FerretDB 1.24.2 (MongoDB wire protocol over
  SQLite) built once with Go,

all on 127.0.0.1, with every jar, binary, data file, log and ``stack.json`` under one directory
(``ZTC_STACK_DIR``, default ``<repo root>/.stack``) that can simply be deleted. Processes run
detached, so ``python -m ztc_tools.stack up|status|down`` work across processes.

No container engine is used: these jars and binaries run directly on the machine, which is what
works where no Docker engine answers (as on the project's development and CI machines).

The functions are synchronous (health checks run on a private event loop): never call them from
inside a running event loop.
"""

from __future__ import annotations

from ztc_tools.stack.errors import StackError
from ztc_tools.stack.launcher import (
    StackEndpoints,
    ensure_stack,
    stack_status,
    stop_stack,
)
from ztc_tools.stack.settings import StackSettings

__all__ = [
    "StackEndpoints",
    "StackError",
    "StackSettings",
    "ensure_stack",
    "stack_status",
    "stop_stack",
]
