"""``python -m ztc_tools.stack up|down|status``: manage the local Kafka + MongoDB stack.

``up`` prints ``KAFKA_BOOTSTRAP_SERVERS=...`` and ``MONGODB_URI=...`` on stdout once both are
healthy (so ``eval "$(python -m ztc_tools.stack up)"`` works); progress goes to stderr and the
processes keep running in the background. ``status`` exits 0 only when everything is healthy.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ztc_shared.observability.logging import configure_logging
from ztc_tools.stack.errors import StackError
from ztc_tools.stack.launcher import ensure_stack, stack_status, stop_stack
from ztc_tools.stack.settings import StackSettings


def _out(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def _progress(message: str) -> None:
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def _configure_logging(verbose: bool) -> None:
    configure_logging("stack", "local", "DEBUG" if verbose else "WARNING", json=False)
    if not verbose:
        # aiokafka logs every refused connection while the broker is still starting
        logging.getLogger("aiokafka").setLevel(logging.CRITICAL)


def _table(status: dict[str, Any]) -> str:
    header = ("component", "engine", "pid", "port", "running", "healthy", "endpoint")
    rows = [header]
    for name, row in status["components"].items():
        rows.append(
            (
                name,
                str(row["engine"] or "-"),
                str(row["pid"] or "-"),
                str(row["port"] or "-"),
                "-" if row["running"] is None else ("yes" if row["running"] else "no"),
                "yes" if row["healthy"] else "no",
                str(row["endpoint"]),
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return (
        "stack dir: " + str(status["stack_dir"]) + "\n" + "\n".join(line.rstrip() for line in lines)
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ztc_tools.stack",
        description="Local Kafka + MongoDB stack (all data under ZTC_STACK_DIR).",
    )
    parser.add_argument("--stack-dir", type=Path, help="overrides ZTC_STACK_DIR")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging to stderr")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("up", help="start (or reuse) the stack and print its endpoints")
    sub.add_parser("down", help="stop the stack's processes (data is kept)")
    status_parser = sub.add_parser("status", help="show components, pids, ports and health")
    status_parser.add_argument("--json", action="store_true", help="machine-readable output")
    args = parser.parse_args(argv)

    _configure_logging(args.verbose)
    settings = StackSettings(stack_dir=args.stack_dir) if args.stack_dir else StackSettings()
    try:
        if args.command == "up":
            endpoints = ensure_stack(settings, progress=_progress)
            _out(f"KAFKA_BOOTSTRAP_SERVERS={endpoints.kafka_bootstrap_servers}")
            _out(f"MONGODB_URI={endpoints.mongodb_uri}")
            return 0
        if args.command == "down":
            stop_stack(settings)
            _progress(f"stack in {settings.stack_dir} stopped")
            return 0
        status = stack_status(settings)
        _out(json.dumps(status, indent=2) if args.json else _table(status))
        return 0 if status["healthy"] else 1
    except StackError as exc:
        _progress(f"error: {exc}")
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
