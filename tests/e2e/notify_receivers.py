"""Real receivers on loopback for notify's end-to-end tests: an SMTP server (aiosmtpd) and an HTTP
server that takes signed webhooks. Both keep every message they were handed, raw, and say which
they would treat as new: a receiver that honours the delivery's reference (the mail's Message-ID,
the webhook's Idempotency-Key) sees each message once."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from ztc_tools.testing.processes import free_port


@dataclass
class Mailbox:
    messages: list[EmailMessage] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or envelope.content
        assert isinstance(content, bytes)
        message = message_from_bytes(content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        with self.lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [m for m in self.messages if m["To"] == address]

    def distinct(self, address: str) -> dict[str, EmailMessage]:
        """What a mail store that drops repeated Message-IDs keeps."""
        return {m["Message-ID"]: m for m in self.to(address)}


@dataclass
class Hook:
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict[str, Any]:
        payload: dict[str, Any] = json.loads(self.body)
        return payload

    def signed_with(self, secret: str) -> bool:
        timestamp = self.headers["X-ZTC-Timestamp"]
        mac = hmac.new(secret.encode(), timestamp.encode() + b"." + self.body, hashlib.sha256)
        return hmac.compare_digest(self.headers["X-ZTC-Signature"], f"v1={mac.hexdigest()}")


@dataclass
class HookReceiver:
    """Answers 200 with WeCom's success body (``errcode`` 0), or the status set for a path."""

    port: int
    calls: dict[str, list[Hook]] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, path: str, status: int) -> None:
        with self.lock:
            self.statuses[f"/{path}"] = status

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path}"

    def at(self, path: str) -> list[Hook]:
        with self.lock:
            return list(self.calls.get(f"/{path}", []))

    def distinct(self, path: str) -> dict[str, Hook]:
        """What a receiver that honours ``Idempotency-Key`` acts on."""
        return {h.headers["Idempotency-Key"]: h for h in self.at(path)}


def _handler(receiver: HookReceiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            hook = Hook(headers=dict(self.headers.items()), body=self.rfile.read(length))
            with receiver.lock:
                receiver.calls.setdefault(self.path, []).append(hook)
                status = receiver.statuses.get(self.path, 200)
            answer = b'{"errcode":0,"errmsg":"ok"}'
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


def hook_server() -> Iterator[HookReceiver]:
    receiver = HookReceiver(port=free_port())
    server = ThreadingHTTPServer(("127.0.0.1", receiver.port), _handler(receiver))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
