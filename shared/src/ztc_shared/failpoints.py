"""Named crash points for failure tests: a process told to die at one does so with SIGKILL.

The entrypoint configures them from its Settings (``ZTC_FAILPOINTS=relay.after_produce``); in
production none is set and ``hit`` costs a set lookup.
"""

from __future__ import annotations

import os
import signal

import structlog

_active: frozenset[str] = frozenset()
log = structlog.get_logger()


def configure(names: str | list[str] | None) -> None:
    global _active
    if isinstance(names, str):
        names = [n.strip() for n in names.split(",") if n.strip()]
    _active = frozenset(names or [])


def hit(name: str) -> None:
    if name in _active:
        log.warning("failpoint.kill", failpoint=name)
        os.kill(os.getpid(), signal.SIGKILL)
