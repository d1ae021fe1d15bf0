"""Waking the relay when there is something to publish, so that an idle relay costs nothing.

The relay that holds the lease listens on a UDP port of its own (:class:`Doorbell`) and writes
where, ``wake``, into the lease document it renews anyway. A process that appends a commit rings
that address (:class:`RelayNudger`, one datagram, never waiting for anything). Datagrams can be
lost, the address can be stale for a moment after a takeover, a second replica's relay may not
hold the lease: a relay that is not woken still looks by itself, at most ``idle_poll`` later.
So a lost wake delays an event by at most that, and nothing else depends on the wake.
"""

from __future__ import annotations

import asyncio
import socket
import time
from typing import Any

import structlog
from pymongo.asynchronous.collection import AsyncCollection

log = structlog.get_logger(__name__)

REFRESH_S = 2.0  # how long a nudger trusts the lease's wake address


class Doorbell(asyncio.DatagramProtocol):
    """A UDP socket whose datagrams wake :meth:`wait`."""

    def __init__(self) -> None:
        self._rung = asyncio.Event()
        self._transport: asyncio.DatagramTransport | None = None
        self.address: str | None = None

    async def open(self, host: str, advertised: str | None = None) -> str:
        """Listen on ``host`` (a free port); the address others ring (``advertised`` host, the
        same port) is returned and kept in ``address``."""
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(lambda: self, local_addr=(host, 0))
        self._transport = transport
        port = transport.get_extra_info("sockname")[1]
        self.address = f"{advertised or host}:{port}"
        return self.address

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        self._rung.set()

    def ring(self) -> None:
        """Wake a waiter in this process (a stop, a test)."""
        self._rung.set()

    async def wait(self, at_most_s: float) -> bool:
        """Until rung or ``at_most_s`` seconds; whether it was rung."""
        try:
            await asyncio.wait_for(self._rung.wait(), at_most_s)
        except TimeoutError:
            return False
        finally:
            self._rung.clear()
        return True

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None


class RelayNudger:
    """Rings the relay that holds ``name`` in ``leases`` after each commit: fire and forget."""

    def __init__(self, leases: AsyncCollection[dict[str, Any]], name: str = "relay") -> None:
        self._leases = leases
        self._name = name
        self._target: tuple[str, int] | None = None
        self._checked_at = -REFRESH_S
        self._refreshing: asyncio.Task[None] | None = None
        self._socket: socket.socket | None = None

    def nudge(self) -> None:
        """Never blocks and never raises: a lost nudge costs at most the relay's idle poll."""
        if time.monotonic() - self._checked_at >= REFRESH_S and self._refreshing is None:
            try:
                self._refreshing = asyncio.get_running_loop().create_task(self._refresh())
            except RuntimeError:  # no loop running (a synchronous caller): nothing to ring with
                return
        if self._target is None:
            return
        try:
            if self._socket is None:
                self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                self._socket.setblocking(False)
            self._socket.sendto(b"!", self._target)
        except OSError:
            self._target = None  # unreachable for now: look the address up again

    async def _refresh(self) -> None:
        try:
            document = await self._leases.find_one({"_id": self._name}, {"wake": 1})
            wake = (document or {}).get("wake")
            self._target = _parse(wake) if isinstance(wake, str) else None
        except Exception:
            log.debug("relay.nudge_lookup_failed", exc_info=True)
            self._target = None
        finally:
            self._checked_at = time.monotonic()
            self._refreshing = None
            if self._target is not None:
                self.nudge()  # the commit that started the lookup rings too

    def close(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None


def _parse(address: str) -> tuple[str, int] | None:
    host, _, port = address.rpartition(":")
    try:
        return (host, int(port)) if host else None
    except ValueError:
        return None
