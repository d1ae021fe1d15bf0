"""``python -m ztc_tools.asyncapi build|check``: write the event catalogue, or fail when it is stale.

``build`` regenerates ``docs/asyncapi/asyncapi.json`` and ``docs/asyncapi/index.html`` from the
shared event models (and the released snapshots for older versions) after validating the document.
``check`` regenerates them in memory and exits 1 when the document is invalid or differs from what is
committed, naming the command that fixes it.
"""

from __future__ import annotations

import argparse
import sys
from functools import cache
from pathlib import Path

from ztc_tools.asyncapi.document import build_document, render_json
from ztc_tools.asyncapi.html import render_html
from ztc_tools.asyncapi.validation import validate_document
from ztc_tools.compat.released import RELEASED_DIR, load_released

DOCS_DIR = Path("docs/asyncapi")
FILES = ("asyncapi.json", "index.html")


def rendered(released: Path) -> dict[str, str]:
    """The catalogue's files and their contents; ``SystemExit`` when the document is invalid."""
    stamp = tuple(
        (str(path), path.stat().st_mtime_ns) for path in sorted(released.glob("*/v*.json"))
    )
    return _rendered(str(released.resolve()), stamp)


@cache
def _rendered(released: str, stamp: tuple[tuple[str, int], ...]) -> dict[str, str]:
    # One rendering per released snapshot state and process (the models do not change in a run).
    document = build_document(load_released(Path(released)))
    for name, message in document["components"]["messages"].items():
        if "x-example-missing" in message:
            sys.stderr.write(f"warning: no example for {name}: {message['x-example-missing']}\n")
    problems = validate_document(document)
    if problems:
        for problem in problems[:50]:
            sys.stderr.write(f"invalid: {problem[:400]}\n")
        raise SystemExit(f"the AsyncAPI document is invalid ({len(problems)} problems)")
    return {"asyncapi.json": render_json(document), "index.html": render_html(document)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ztc_tools.asyncapi", description=__doc__)
    parser.add_argument("command", choices=("build", "check"))
    parser.add_argument("--out", type=Path, default=DOCS_DIR)
    parser.add_argument("--released", type=Path, default=RELEASED_DIR)
    args = parser.parse_args(argv)
    files = rendered(args.released)
    if args.command == "build":
        args.out.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            (args.out / name).write_text(text, encoding="utf-8")
        sys.stdout.write(f"wrote {', '.join(str(args.out / n) for n in files)}\n")
        return 0
    stale = [
        name
        for name, text in files.items()
        if not (args.out / name).exists() or (args.out / name).read_text(encoding="utf-8") != text
    ]
    if stale:
        sys.stderr.write(
            f"stale event catalogue: {', '.join(str(args.out / n) for n in stale)} "
            "differ from the event models; run `make docs` and commit the result\n"
        )
        return 1
    sys.stdout.write(f"event catalogue is up to date ({args.out})\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
