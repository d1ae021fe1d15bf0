"""``python -m ztc_tools.compat check|release``: compare the event models with the released
schemas (exit 1 on a breaking change), or record the current versions as released."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ztc_tools.compat.released import RELEASED_DIR, check, load_released, release


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ztc_tools.compat", description=__doc__)
    parser.add_argument("command", choices=("check", "release"))
    parser.add_argument("--released", type=Path, default=RELEASED_DIR)
    args = parser.parse_args(argv)
    if args.command == "release":
        try:
            written = release(args.released)
        except ValueError as error:
            sys.stderr.write(f"{error}\nnot released\n")
            return 1
        sys.stdout.write(f"released {len(written)} schema file(s) under {args.released}\n")
        return 0
    released = load_released(args.released)
    problems = check(released)
    for problem in problems:
        sys.stderr.write(f"breaking: {problem}\n")
    if problems:
        sys.stderr.write(
            "a change that breaks a consumer must come as a new schema_version with an upcaster "
            "(see docs/adr/0014-event-catalogue-and-as-of.md)\n"
        )
        return 1
    types = len({r["event_type"] for r in released})
    sys.stdout.write(f"compatible with {len(released)} released schema(s) of {types} event types\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
