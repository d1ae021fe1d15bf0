"""``<stack_dir>/stack.json``: which processes of the local stack are running, and a lock file.

The file lets ``status`` and ``down`` work from a different process than the one that ran ``up``.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

STATE_FILE = "stack.json"
LOCK_FILE = ".lock"
STATE_VERSION = 1


@dataclass(frozen=True)
class ComponentRecord:
    """One running component as written to ``stack.json``."""

    name: str  # "kafka" | "mongodb"
    engine: str  # "kafka" | "ferretdb" | "mongod"
    pid: int
    port: int
    endpoint: str
    log_file: str
    started_at: float
    controller_port: int | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ComponentRecord:
        controller_port = data.get("controller_port")
        return cls(
            name=str(data["name"]),
            engine=str(data["engine"]),
            pid=int(data["pid"]),
            port=int(data["port"]),
            endpoint=str(data["endpoint"]),
            log_file=str(data["log_file"]),
            started_at=float(data["started_at"]),
            controller_port=int(controller_port) if controller_port is not None else None,
        )


def load_records(stack_dir: Path) -> dict[str, ComponentRecord]:
    """Components recorded in ``stack.json`` (empty when the file is missing or unreadable)."""
    path = stack_dir / STATE_FILE
    try:
        raw = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    components = raw.get("components", {}) if isinstance(raw, dict) else {}
    records: dict[str, ComponentRecord] = {}
    for name, data in components.items():
        try:
            records[name] = ComponentRecord.from_json(data)
        except (KeyError, TypeError, ValueError):
            continue
    return records


def save_records(stack_dir: Path, records: dict[str, ComponentRecord]) -> None:
    """Write ``stack.json`` atomically; remove it when nothing is recorded."""
    path = stack_dir / STATE_FILE
    if not records:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        return
    stack_dir.mkdir(parents=True, exist_ok=True)
    payload = {
        "version": STATE_VERSION,
        "components": {name: asdict(record) for name, record in sorted(records.items())},
    }
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(payload, indent=2) + "\n")
    os.replace(tmp, path)


@contextlib.contextmanager
def stack_lock(stack_dir: Path) -> Iterator[None]:
    """Serialise launchers working on the same ``stack_dir`` (blocks until the lock is free)."""
    stack_dir.mkdir(parents=True, exist_ok=True)
    with (stack_dir / LOCK_FILE).open("a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
