"""What an idle platform costs: CPU of every process of ``make run`` while nobody uses it.

    python -m benchmarks.idle                 # make bench: a baseline and the current settings
    python -m benchmarks.idle --seconds 30    # a shorter window

The dev server (``make run``: every service's API, relay and workers, the demo data loaded) runs
on the local stack (Kafka and FerretDB, started by the launcher unless ``KAFKA_BOOTSTRAP_SERVERS``
/ ``MONGODB_URI`` name servers, whose CPU is then not measured). Once its demo data is in and it
has settled, every process's CPU time (``/proc/<pid>/stat``: user + system) is read at the start
and the end of a window, and the difference is printed per process and in all, as a share of one
core. Twice in one run: first a **baseline** with the relays polling their outbox every 20 ms as
they did before they could be woken (``RELAY_IDLE_POLL_MS=20``), then the **current** settings,
so that the figures compare as a ratio on the same machine at the same time.
"""

from __future__ import annotations

import argparse
import os
import platform
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ztc_tools.devserver import BANNER_END
from ztc_tools.stack import StackSettings, ensure_stack, stop_stack
from ztc_tools.stack.state import load_records

ROOT = Path(__file__).resolve().parents[1]
TICKS = os.sysconf("SC_CLK_TCK")
GOAL_SHARE = 0.10  # of one core, the whole idle stack


@dataclass
class Window:
    label: str
    seconds: float
    cpu: dict[str, float]  # process → CPU seconds in the window

    @property
    def total_share(self) -> float:
        return sum(self.cpu.values()) / self.seconds


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds) of a live process."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / TICKS


def _command(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return "?"
    words = [w.decode(errors="replace") for w in raw if w]
    if "-m" in words:
        at = words.index("-m")
        return " ".join(words[at + 1 : at + 4])
    return Path(words[0]).name if words else "?"


def _descendants(root: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None:
            parents.setdefault(stat[0], []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(parents.get(pid, []))
    return found


def _cpu(pids: Mapping[int, str]) -> dict[int, float]:
    return {pid: stat[1] for pid in pids if (stat := _stat(pid)) is not None}


def measure(
    label: str, env: dict[str, str], seconds: float, settle: float, *, external: bool
) -> Window:
    log = ROOT / ".stack" / "bench" / f"idle-{label}-{uuid.uuid4().hex[:6]}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with log.open("wb") as out:
        devserver = subprocess.Popen(
            [sys.executable, "-m", "ztc_tools.devserver"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=ROOT,
        )
    try:
        while BANNER_END not in log.read_text(errors="replace"):
            if devserver.poll() is not None:
                raise SystemExit(f"make run exited early; see {log}")
            if time.monotonic() - started > 900:
                raise SystemExit(f"make run did not come up in 15 minutes; see {log}")
            time.sleep(1.0)
        print(f"[{label}] up in {time.monotonic() - started:.0f}s; settling {settle:.0f}s")
        time.sleep(settle)
        processes = {pid: _command(pid) for pid in _descendants(devserver.pid)}
        if not external:  # servers someone else runs are not ours to measure
            for name, record in load_records(StackSettings().stack_dir).items():
                processes[record.pid] = name
        before = _cpu(processes)
        time.sleep(seconds)
        after = _cpu(processes)
        cpu: dict[str, float] = {}
        for pid, name in processes.items():
            if pid in before and pid in after:
                cpu[name] = cpu.get(name, 0.0) + after[pid] - before[pid]
        return Window(label, seconds, cpu)
    finally:
        if devserver.poll() is None:
            os.killpg(devserver.pid, signal.SIGINT)
        try:
            devserver.wait(timeout=120)
        except subprocess.TimeoutExpired:
            os.killpg(devserver.pid, signal.SIGKILL)


def report(windows: list[Window]) -> str:
    names = sorted({n for w in windows for n in w.cpu}, key=lambda n: -windows[-1].cpu.get(n, 0))
    head = "| process | " + " | ".join(f"{w.label} (% of a core)" for w in windows) + " |"
    lines = [head, "| --- |" + " --- |" * len(windows)]
    for name in names:
        cells = " | ".join(f"{100 * w.cpu.get(name, 0.0) / w.seconds:.2f}" for w in windows)
        lines.append(f"| {name} | {cells} |")
    totals = " | ".join(f"**{100 * w.total_share:.1f}**" for w in windows)
    lines.append(f"| **all processes** | {totals} |")
    if len(windows) == 2 and windows[1].total_share > 0:
        ratio = windows[0].total_share / windows[1].total_share
        lines.append("")
        lines.append(f"baseline / current: {ratio:.1f}× less CPU idle")
    goal = "met" if windows[-1].total_share < GOAL_SHARE else "not met"
    lines.append(f"goal: the whole idle stack under {100 * GOAL_SHARE:.0f}% of one core — {goal}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="measured window")
    parser.add_argument("--settle", type=float, default=20.0, help="wait after start-up")
    parser.add_argument("--skip-baseline", action="store_true")
    options = parser.parse_args()
    external = bool(os.environ.get("KAFKA_BOOTSTRAP_SERVERS") or os.environ.get("MONGODB_URI"))
    endpoints = ensure_stack(StackSettings())
    run = uuid.uuid4().hex[:8]
    base = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": endpoints.kafka_bootstrap_servers,
        "MONGODB_URI": endpoints.mongodb_uri,
        "ZTC_DEVSERVER_DEMO_CATALOGUE": "40",
    }
    windows = []
    configs = [] if options.skip_baseline else [("baseline", {"RELAY_IDLE_POLL_MS": "20"})]
    configs.append(("current", {}))
    try:
        for label, extra in configs:
            env = {
                **base,
                **extra,
                "ZTC_TOPIC_PREFIX": f"idle{run}{label}.",
                "ZTC_DATABASE_PREFIX": f"idle{run}{label}_",
            }
            windows.append(measure(label, env, options.seconds, options.settle, external=external))
    finally:
        if endpoints.started and not StackSettings().keep_stack:
            stop_stack(StackSettings())
    print()
    print(
        f"machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"load average at the end {' '.join(f'{x:.2f}' for x in os.getloadavg())}, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; window {options.seconds:.0f}s"
    )
    if external:
        print("Kafka and MongoDB were given (KAFKA_BOOTSTRAP_SERVERS / MONGODB_URI): not measured")
    print(report(windows))


if __name__ == "__main__":
    main()
