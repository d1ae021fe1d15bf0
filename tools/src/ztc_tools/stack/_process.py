"""Process and port helpers: detached spawning, liveness, clean stopping, progress phases."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import structlog

from ztc_tools.stack.errors import StackError

log = structlog.get_logger(__name__)

Progress = Callable[[str], None]

STOP_GRACE_S = 20.0
START_MARKER = "\n=== "  # begins the line written to a log file before each start

# Popen objects of processes started by this interpreter, so that they are reaped (no zombies
# that still look alive to ``kill(pid, 0)``) and no "subprocess still running" warning fires.
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


def no_progress(_message: str) -> None:
    """Progress callback that discards everything."""


@contextlib.contextmanager
def phase(progress: Progress, label: str) -> Iterator[None]:
    """Report ``label...`` when a phase starts and ``label... done in 1.2s`` when it ends."""
    started = time.monotonic()
    progress(label + "...")
    try:
        yield
    except BaseException:
        progress(f"{label}... failed after {time.monotonic() - started:.1f}s")
        raise
    progress(f"{label}... done in {time.monotonic() - started:.1f}s")


def run_checked(
    args: Sequence[str],
    *,
    cwd: Path | None = None,
    timeout_s: float,
    what: str,
    env: dict[str, str] | None = None,
) -> str:
    """Run a build-time command to completion; raise ``StackError`` with its output on failure."""
    log.debug("stack.run", args=list(args), cwd=str(cwd) if cwd else None)
    try:
        completed = subprocess.run(
            list(args),
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout_s,
            check=False,
            env=env,
        )
    except FileNotFoundError as exc:
        raise StackError(f"{what} failed: {args[0]} not found") from exc
    except subprocess.TimeoutExpired as exc:
        raise StackError(f"{what} timed out after {timeout_s:.0f}s") from exc
    output = (completed.stdout + completed.stderr).decode("utf-8", "replace")
    if completed.returncode != 0:
        command = " ".join(args)
        raise StackError(
            f"{what} failed (exit {completed.returncode}): {command}\n" + _tail_text(output, 40)
        )
    return completed.stdout.decode("utf-8", "replace")


def spawn_detached(args: Sequence[str], *, log_file: Path, cwd: Path) -> int:
    """Start a long-running process in its own session with output appended to ``log_file``."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("ab") as out:
        now = time.strftime("%Y-%m-%dT%H:%M:%S")
        header = f"{START_MARKER}{now} starting: {' '.join(args)}\n"
        out.write(header.encode())
        out.flush()
        try:
            popen = subprocess.Popen(
                list(args),
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                close_fds=True,
            )
        except FileNotFoundError as exc:
            raise StackError(f"cannot start {args[0]}: not found") from exc
    _CHILDREN[popen.pid] = popen
    log.info("stack.process_started", pid=popen.pid, program=args[0], log_file=str(log_file))
    return popen.pid


def is_alive(pid: int) -> bool:
    """True while ``pid`` is a running (non-zombie) process."""
    popen = _CHILDREN.get(pid)
    if popen is not None:
        if popen.poll() is None:
            return True
        _CHILDREN.pop(pid, None)
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    stat = Path("/proc") / str(pid) / "stat"
    try:
        # state is the field after the parenthesised command name
        state = stat.read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state not in ("Z", "X")


def cmdline_contains(pid: int, marker: str) -> bool:
    """True when the process command line mentions ``marker`` (guards against pid reuse).

    Where ``/proc`` is unavailable, only liveness is checked.
    """
    if not is_alive(pid):
        return False
    path = Path("/proc") / str(pid) / "cmdline"
    deadline = time.monotonic() + 1.0
    while True:
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return not Path("/proc/self").exists()
        except OSError:
            return False
        # Right after Popen returns, the kernel may not have set up the new program's
        # arguments yet (close-on-exec fires first), so cmdline reads empty for a moment.
        if raw or time.monotonic() >= deadline or not is_alive(pid):
            break
        time.sleep(0.01)
    return marker in raw.replace(b"\0", b" ").decode("utf-8", "replace")


def stop_processes(pids: Sequence[int], grace_s: float = STOP_GRACE_S) -> None:
    """SIGTERM every pid, wait up to ``grace_s`` for all of them, then SIGKILL the rest."""
    pending = [pid for pid in pids if _signal(pid, signal.SIGTERM)]
    deadline = time.monotonic() + grace_s
    while pending and time.monotonic() < deadline:
        time.sleep(0.1)
        pending = [pid for pid in pending if is_alive(pid)]
    for pid in pending:
        log.warning("stack.process_kill", pid=pid, grace_s=grace_s)
        _signal(pid, signal.SIGKILL)
    deadline = time.monotonic() + 5.0
    while pending and time.monotonic() < deadline:
        time.sleep(0.05)
        pending = [pid for pid in pending if is_alive(pid)]
    for pid in pids:
        popen = _CHILDREN.pop(pid, None)
        if popen is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                popen.wait(timeout=1.0)


def _signal(pid: int, sig: signal.Signals) -> bool:
    if not is_alive(pid):
        return False
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return False
    return True


def port_open(port: int, host: str = "127.0.0.1", timeout_s: float = 0.5) -> bool:
    """True when something accepts TCP connections on ``host:port``."""
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            return True
    except OSError:
        return False


def tail(path: Path, lines: int = 20) -> str:
    """Last ``lines`` lines of a log file since the latest start ('' when there is none)."""
    try:
        with path.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - 64 * 1024))
            text = handle.read().decode("utf-8", "replace")
    except OSError:
        return ""
    latest_start = text.rfind(START_MARKER)
    return _tail_text(text[latest_start:] if latest_start >= 0 else text, lines)


def _tail_text(text: str, lines: int) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])
