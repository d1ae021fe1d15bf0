"""Notify's outbox relay process: its commits (notices, receipts) to ``ztc.notify.events``."""

from __future__ import annotations

from notify.bootstrap import outbox
from notify.config import NotifySettings
from ztc_shared.relay.service import main as serve


def main() -> None:
    serve(NotifySettings(), outbox)


if __name__ == "__main__":
    main()
