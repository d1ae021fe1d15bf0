"""``python -m ztc_tools.mailsink HOST:PORT``: make run's SMTP server on loopback.

A real SMTP server (aiosmtpd) that accepts every mail and prints it decoded — sender, recipients,
subject and text in Chinese as people read them, with the Message-ID that tells a resend apart — so
the demo's notifications can be read in ``mail-sink.log`` without any mail account.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

RULE = "─" * 72


def render(envelope_from: str, recipients: list[str], content: bytes) -> str:
    """The mail as a person reads it."""
    message = message_from_bytes(content, policy=policy.default)
    assert isinstance(message, EmailMessage)
    body = message.get_body(preferencelist=("plain", "html"))
    text = body.get_content().strip() if body is not None else ""
    return "\n".join(
        [
            RULE,
            f"发件人 From:     {message.get('From', envelope_from)}",
            f"收件人 To:       {', '.join(recipients)}",
            f"主题 Subject:    {message.get('Subject', '')}",
            f"Message-ID:      {message.get('Message-ID', '')}",
            "",
            text,
            RULE,
        ]
    )


class PrintingHandler:
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        print(render(envelope.mail_from, list(envelope.rcpt_tos), envelope.content), flush=True)  # noqa: T201
        return "250 Message accepted for delivery"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    host, _, port = (args[0] if args else "127.0.0.1:1025").rpartition(":")
    controller = Controller(PrintingHandler(), hostname=host or "127.0.0.1", port=int(port))
    controller.start()
    print(f"mail sink listening on {host}:{port}", flush=True)  # noqa: T201

    async def wait() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await stop.wait()

    try:
        asyncio.run(wait())
    finally:
        controller.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
